import { changeDirection, changeLine, diffReports, renderDiffMarkdown, renderDiffTable } from '../../../src/report/diff';
import { cell, report, setup } from '../../helpers/report-build';
import { expectGolden, loadReport } from '../../helpers/golden';

describe('diffReports on the recorded pair', () => {
  const diff = diffReports(loadReport('diff-old.json'), loadReport('diff-new.json'));

  it('counts what got worse, better, changed, added, removed and stayed', () => {
    expect({ worse: diff.worse, better: diff.better, changed: diff.changed, added: diff.added, removed: diff.removed, unchanged: diff.unchanged }).toEqual({
      worse: 2,
      better: 1,
      changed: 10,
      added: 4,
      removed: 4,
      unchanged: 7,
    });
    expect(diff.old).toEqual({ startedAt: '2026-08-20T08:00:00.000Z', version: '0.1.0' });
    expect(diff.new).toEqual({ startedAt: '2026-08-24T09:15:02.417Z', version: '0.2.0' });
  });

  it('sorts worst first: worse (fail before degraded), then changed, then better', () => {
    expect(diff.changes.map(changeLine)).toEqual([
      'websocket via nginx-tuned: pass → fail (upgrade-stripped)',
      'sse via nginx-tuned: pass → degraded (buffered)',
      'long-poll via sim-idle: fail (idle-timeout) → fail (first-byte-timeout)',
      'websocket via sim-idle: fail (idle-timeout) → skipped (not-run)',
      'short-poll via haproxy-default: (new) → pass',
      'long-poll via haproxy-default: (new) → pass',
      'sse via haproxy-default: (new) → pass',
      'websocket via haproxy-default: (new) → fail (idle-timeout)',
      'short-poll via legacy-squid: pass → (removed)',
      'long-poll via legacy-squid: pass → (removed)',
      'sse via legacy-squid: pass → (removed)',
      'websocket via legacy-squid: fail (upgrade-stripped) → (removed)',
      'sse via sim-idle: fail (idle-timeout) → pass',
    ]);
    expect(diff.changes.filter((c) => c.presence === 'added').every((c) => c.change === 'changed' && c.before === undefined)).toBe(true);
  });

  it('renders the table, Markdown and JSON forms', () => {
    expectGolden('diff.txt', renderDiffTable(diff));
    expectGolden('diff.md', renderDiffMarkdown(diff));
    expectGolden('diff.json', `${JSON.stringify(diff, null, 2)}\n`);
    expect(renderDiffTable(diff)).toContain('\nWorse:\n  websocket via nginx-tuned: pass → fail (upgrade-stripped)\n  sse via nginx-tuned: pass → degraded (buffered)\n');
  });
});

describe('changeDirection', () => {
  const s = (verdict: 'pass' | 'degraded' | 'fail' | 'skipped' | 'error', reason: 'none' | 'buffered' | 'idle-timeout' | 'not-run' | 'tester-error' = 'none') => ({
    verdict,
    reason,
  });
  it('ranks pass < degraded < fail', () => {
    expect(changeDirection(s('pass'), s('degraded', 'buffered'))).toBe('worse');
    expect(changeDirection(s('degraded', 'buffered'), s('fail', 'idle-timeout'))).toBe('worse');
    expect(changeDirection(s('fail', 'idle-timeout'), s('pass'))).toBe('better');
  });
  it('never calls a move to or from skipped or error worse', () => {
    expect(changeDirection(s('pass'), s('error', 'tester-error'))).toBe('changed');
    expect(changeDirection(s('pass'), s('skipped', 'not-run'))).toBe('changed');
    expect(changeDirection(s('skipped', 'not-run'), s('fail', 'idle-timeout'))).toBe('changed');
  });
  it('calls a new reason under the same verdict changed', () => {
    expect(changeDirection(s('fail', 'idle-timeout'), s('fail', 'buffered' as never))).toBe('changed');
  });
});

describe('diffReports edge cases', () => {
  it('finds nothing between a report and itself', () => {
    const r = loadReport('sample-run.json');
    const diff = diffReports(r, r);
    expect(diff.changes).toEqual([]);
    expect(diff.unchanged).toBe(28);
    expect(renderDiffTable(diff)).toContain('No cell changed (28 compared).');
  });

  it('keeps setup ids with odd characters apart', () => {
    const a = report([setup('a b', [cell('sse', 'pass', 'none')]), setup('a', [cell('sse', 'pass', 'none')])]);
    const b = report([setup('a b', [cell('sse', 'fail', 'buffered')]), setup('a', [cell('sse', 'pass', 'none')])]);
    const diff = diffReports(a, b);
    expect(diff.changes.map(changeLine)).toEqual(['sse via a b: pass → fail (buffered)']);
  });

  it('escapes table cells in Markdown', () => {
    const a = report([setup('x|y', [cell('sse', 'pass', 'none')])]);
    const b = report([setup('x|y', [cell('sse', 'degraded', 'buffered')])]);
    expect(renderDiffMarkdown(diffReports(a, b))).toContain('| 🔻 worse | x\\|y | sse | pass | degraded (buffered) |');
  });
});
