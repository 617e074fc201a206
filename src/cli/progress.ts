/**
 * Progress on stderr while a command works: a bar that redraws itself on a
 * terminal (cli-progress), one plain line per step otherwise (CI logs,
 * files), so a log keeps every step and a terminal keeps one line.
 *
 *  - Progress: the matrix, setups probed out of all of them, and which are running;
 *  - LoadProgress: `pushthrough load`, streams open out of all of them, with
 *    waiting, failed and cut streams and the p99 latency, each second.
 */
import { Presets, SingleBar } from 'cli-progress';

/** Where progress goes, and whether a bar can redraw there. */
export interface ProgressOutput {
  stream: NodeJS.WritableStream;
  live: boolean;
}

/** stderr, redrawn in place when it is a terminal and not a CI log. */
export function stderrOutput(): ProgressOutput {
  return { stream: process.stderr, live: !!process.stderr.isTTY && !process.env.CI };
}

/**
 * cli-progress's bar, whose redraw timer never keeps the process alive: a
 * command that ends without stopping its bar (an error on the way out) still
 * exits.
 */
class Bar extends SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref();
  }
}

/** A bar drawn from its first value on, and stopped (the line cleared) once: nothing draws it after that. */
class LiveBar {
  private readonly bar: SingleBar;
  private started = false;
  private finished = false;

  constructor(
    out: ProgressOutput,
    format: string,
    private readonly total: number,
  ) {
    // No hidden cursor: a run killed mid-bar must not leave the terminal without one.
    this.bar = new Bar({ stream: out.stream, format, barsize: 24, hideCursor: false, clearOnComplete: true, stopOnComplete: false }, Presets.shades_classic);
  }

  draw(value: number, payload: Record<string, unknown>): void {
    // Stopped (the report is being written, or Ctrl-C): setups still winding down must not draw it again.
    if (this.finished) return;
    if (this.started) return this.bar.update(value, payload);
    this.bar.start(this.total, value, payload);
    this.started = true;
  }

  stop(): void {
    if (this.started && !this.finished) this.bar.stop();
    this.finished = true;
  }
}

export class Progress {
  private readonly started = Date.now();
  private readonly active = new Set<string>();
  private done = 0;
  private readonly bar?: LiveBar;

  constructor(
    private readonly total: number,
    private readonly out: ProgressOutput = stderrOutput(),
  ) {
    if (out.live) this.bar = new LiveBar(out, '  probing {bar} {value}/{total} setups · {duration_formatted}{running}', total);
  }

  update(ev: { setup: string; phase: 'start' | 'probed' | 'done' }): void {
    if (ev.phase === 'start') this.active.add(ev.setup);
    if (ev.phase === 'done') {
      this.active.delete(ev.setup);
      this.done++;
      if (!this.bar) this.out.stream.write(`  [${this.done}/${this.total}] ${ev.setup} probed (${((Date.now() - this.started) / 1000).toFixed(1)} s)\n`);
    }
    const names = [...this.active].slice(0, 3).join(', ');
    // The bar's own clock (duration_formatted) ticks on every redraw, between setups too.
    this.bar?.draw(this.done, { running: names ? ` — ${names}${this.active.size > 3 ? '…' : ''}` : '' });
  }

  finish(): void {
    this.bar?.stop();
  }
}

/** What `pushthrough load` tells each second. */
export interface LoadSecondProgress {
  t: number;
  open: number;
  pending: number;
  failed: number;
  cut: number;
  p99?: number;
}

export class LoadProgress {
  private readonly bar?: LiveBar;

  constructor(
    private readonly streams: number,
    private readonly out: ProgressOutput = stderrOutput(),
  ) {
    if (out.live) this.bar = new LiveBar(out, '  {bar} open {value}/{total}{waiting} · failed {failed} · cut {cut}{p99} · {t} s', streams);
  }

  second(s: LoadSecondProgress): void {
    const waiting = s.pending ? ` (+${s.pending} waiting)` : '';
    const p99 = s.p99 !== undefined ? ` · p99 ${s.p99} ms` : '';
    if (this.bar) this.bar.draw(s.open, { waiting, failed: s.failed, cut: s.cut, p99, t: s.t });
    else this.out.stream.write(`  [${String(s.t).padStart(3)} s] open ${s.open}/${this.streams}${waiting} · failed ${s.failed} · cut ${s.cut}${p99}\n`);
  }

  finish(): void {
    this.bar?.stop();
  }
}
