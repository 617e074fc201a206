import type { Transport } from '../../src/observation/types';
import type { Report, SetupResult } from '../../src/report/types';
import type { Cell, Reason, Verdict } from '../../src/verdict/types';

/** A minimal cell for tests that care about one field. */
export function cell(transport: Transport, verdict: Verdict, reason: Reason, extra: Partial<Cell> = {}): Cell {
  return { transport, verdict, reason, explanation: `${transport} ${verdict} ${reason}`, checks: [], ...extra };
}

export function setup(id: string, cells: Cell[], extra: Partial<SetupResult> = {}): SetupResult {
  return { id, kind: 'simulated', description: `setup ${id}`, cells, ...extra };
}

export function report(setups: SetupResult[], extra: Partial<Report> = {}): Report {
  return { tool: 'pushthrough', version: '0.0.0-test', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, options: {}, setups, ...extra };
}
