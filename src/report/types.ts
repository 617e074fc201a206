import type { Measurement } from '../measure/types';
import type { SetupKind } from '../setup/types';
import type { Cell } from '../verdict/types';
import type { CheckId, Transport } from '../vocabulary';

export type { SetupKind } from '../setup/types';

export interface CheckDescription {
  id: CheckId;
  transports: Transport[];
  description: string;
  expectation: string;
}

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
  /** a real setup that did not run because its program is not installed here, and how to install it */
  notInstalled?: { product: string; label: string; install: string };
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
  /** SIGINT/SIGTERM stopped the run: setups not probed are missing, the rest is as measured */
  interrupted?: boolean;
  /** what each check does and expects, so a report explains itself whatever version renders it */
  checks?: CheckDescription[];
  setups: SetupResult[];
}
