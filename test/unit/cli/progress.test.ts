/**
 * Progress on stderr: on a terminal a bar redrawn in place (cli-progress)
 * with the live counts; in a log one plain line per step, so nothing is
 * redrawn where it cannot be.
 */
import { PassThrough } from 'node:stream';
import { LoadProgress, Progress, type ProgressOutput } from '../../../src/cli/progress';

function output(live: boolean): { out: ProgressOutput; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  // What a terminal has that a pipe does not: cli-progress moves the cursor only there.
  Object.assign(stream, { isTTY: live, columns: 160 });
  return { out: { stream, live }, text: () => Buffer.concat(chunks).toString('utf8') };
}

it('load: a bar with the open streams out of all, waiting, failed, cut and p99 on a terminal, cleared when done', () => {
  const { out, text } = output(true);
  const p = new LoadProgress(1000, out);
  p.second({ t: 1, open: 250, pending: 12, failed: 3, cut: 1, p99: 41 });
  // Drawn at once when it starts; later seconds at the bar's own pace, and the last one when it stops.
  expect(text()).toMatch(/[█░]{24} open 250\/1000 \(\+12 waiting\) · failed 3 · cut 1 · p99 41 ms · 1 s/);
  p.second({ t: 2, open: 1000, pending: 0, failed: 3, cut: 1 });
  p.finish();
  expect(text()).toMatch(/█{24} open 1000\/1000 · failed 3 · cut 1 · 2 s/);
  // Redrawn in place, never a new line per second; cleared at the end for the report.
  expect(text()).not.toContain('\n');
  expect(text()).toContain('\x1b[');
});

it('load: one line a second in a log', () => {
  const { out, text } = output(false);
  const p = new LoadProgress(1000, out);
  p.second({ t: 1, open: 250, pending: 12, failed: 3, cut: 1, p99: 41 });
  p.second({ t: 2, open: 990, pending: 0, failed: 3, cut: 1 });
  p.finish();
  expect(text()).toBe('  [  1 s] open 250/1000 (+12 waiting) · failed 3 · cut 1 · p99 41 ms\n  [  2 s] open 990/1000 · failed 3 · cut 1\n');
});

it('the matrix: setups probed out of all, with the running ones, on a terminal; a line per setup in a log', () => {
  const tty = output(true);
  const p = new Progress(3, tty.out);
  p.update({ setup: 'direct', phase: 'start' });
  p.update({ setup: 'nginx-naive', phase: 'start' });
  p.update({ setup: 'direct', phase: 'done' });
  p.finish();
  expect(tty.text()).toMatch(/probing [█░]{24} 1\/3 setups · \d+s — nginx-naive/);
  expect(tty.text()).not.toContain('\n');
  // Setups still winding down after it stopped (Ctrl-C, the report being written) never draw it again.
  const before = tty.text();
  p.update({ setup: 'nginx-naive', phase: 'done' });
  p.finish();
  expect(tty.text()).toBe(before);

  const log = output(false);
  const q = new Progress(3, log.out);
  q.update({ setup: 'direct', phase: 'start' });
  q.update({ setup: 'direct', phase: 'done' });
  q.finish();
  expect(log.text()).toMatch(/^ {2}\[1\/3\] direct probed \(\d+\.\d s\)\n$/);
});
