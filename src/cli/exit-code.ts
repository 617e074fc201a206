/**
 * The exit code a CI gate reads from a report:
 *   0  every cell as expected (run) / every transport passes (probe)
 *   1  a cell not as expected (run) / a transport degraded or failing (probe)
 *   4  otherwise, a cell the tester could not run (an `error` cell): the answer is incomplete; or a helper of ours (the origin) did not start
 * A skipped cell (a proxy not installed) counts as neither.
 */
import type { Report } from '../report/types';
import { EXIT } from '../util/errors';

export function exitCodeFor(report: Report, mode: 'run' | 'probe'): number {
  const cells = report.setups.flatMap((s) => s.cells);
  const bad = mode === 'run' ? cells.some((c) => c.matches === false) : cells.some((c) => c.verdict === 'fail' || c.verdict === 'degraded');
  if (bad) return EXIT.mismatch;
  if (cells.some((c) => c.verdict === 'error')) return EXIT.testerError;
  return EXIT.ok;
}
