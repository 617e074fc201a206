/** The terminal table: fits the width it is given, explains below, lists missing proxies once. */
import { renderTable } from '../../../../src/report/render/table';
import { TRANSPORTS } from '../../../../src/vocabulary';
import { loadReport } from '../../../helpers/golden';
import { cell, report, setup } from '../../../helpers/report-build';

const lines = (text: string): string[] => text.split('\n');
const widest = (text: string): number => Math.max(...lines(text).map((l) => [...l].length));

describe('compact matrix', () => {
  const sample = loadReport('sample-run.json');

  it.each([80, 100, 120])('fits %i columns, every line', (width) => {
    const text = renderTable(sample, { color: false, width });
    expect(widest(text)).toBeLessThanOrEqual(width);
    // One row per setup that ran, under a header naming the transports.
    expect(lines(text)[0]).toMatch(/^setup\s+short-poll\s+long-poll\s+sse\s+websocket$/);
    for (const s of sample.setups) expect(text).toMatch(new RegExp(`^${s.id.slice(0, 10)}`, 'm'));
  });

  it('says the reason in each cell as far as the width allows, and the full explanation below', () => {
    const wide = renderTable(sample, { color: false, width: 120 });
    const narrow = renderTable(sample, { color: false, width: 80 });
    expect(wide).toMatch(/✘ upgrade-stripped/);
    expect(narrow).toMatch(/✘ no upgrade/);
    // The explanation and the fix are under the matrix at any width.
    for (const text of [wide, narrow]) {
      expect(text).toMatch(/^✘ websocket via sim-strip-upgrade: The proxy removed the Upgrade/m);
      expect(text).toMatch(/^ {4}fix: /m);
    }
  });

  it('marks a cell that is not as expected, in the cell and below', () => {
    const r = report([setup('a', [cell('sse', 'fail', 'buffered', { expected: { verdict: 'pass', reason: 'none' }, matches: false })])]);
    const text = renderTable(r, { color: false, width: 80 });
    expect(text).toMatch(/^a\s+✘ buffered ≠$/m);
    expect(text).toMatch(/≠ expected pass/);
    expect(text).toMatch(/1 not as expected/);
  });

  it('--wide keeps the bordered layout with the rescue and the expectation inside the cell', () => {
    const text = renderTable(sample, { color: false, wide: true });
    expect(text).toMatch(/┌/);
    expect(text).toMatch(/│ ✘ fail \(upgrade-stripped\)/);
  });
});

describe('real setups that did not run', () => {
  const notInstalled = (id: string, product: string, label: string) =>
    setup(
      id,
      TRANSPORTS.map((t) => cell(t, 'skipped', 'not-run', { expected: { verdict: 'pass', reason: 'none' } })),
      { kind: 'real', notInstalled: { product, label, install: `apt-get install -y ${product}` } },
    );
  const r = report([setup('direct', [cell('sse', 'pass', 'none', { expected: { verdict: 'pass', reason: 'none' }, matches: true })]), notInstalled('nginx-naive', 'nginx', 'nginx'), notInstalled('nginx-tuned', 'nginx', 'nginx'), notInstalled('haproxy-naive', 'haproxy', 'HAProxy')]);
  const text = renderTable(r, { color: false, width: 100 });

  it('are listed once, with the command that installs them, not as rows of skipped cells', () => {
    expect(text).not.toMatch(/^nginx-naive/m);
    expect(text).toMatch(/3 real setups not run, not installed here \(nginx, HAProxy\): `npm run lab:install` adds them\s+\(apt-get\s+install -y nginx haproxy\)/);
  });

  it('never count as not as expected', () => {
    expect(text).toMatch(/13 cells: 1 pass, 0 degraded, 0 fail, 12 skipped, 0 error — all as expected/);
  });
});
