import type { Cell } from '../verdict/types';
import type { Measurement } from '../measure/types';

export type SetupKind = 'direct' | 'simulated' | 'real' | 'external';

export interface SetupResult {
  id: string;
  kind: SetupKind;
  description: string;
  /** the real system a simulated setup imitates, and where its numbers come from */
  imitates?: string;
  source?: string;
  /** real proxies: product name and version, and the proxy's own log lines */
  product?: string;
  logs?: string[];
  cells: Cell[];
  /** `probe --measure`: the path's measured limits, product guess and recommendations */
  measurement?: Measurement;
}

/** The JSON report: the one source every renderer works from. Fields may be added, never renamed. */
export interface Report {
  tool: 'pushthrough';
  version: string;
  startedAt: string;
  durationMs: number;
  options: Record<string, unknown>;
  setups: SetupResult[];
}
