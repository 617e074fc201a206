import type { Measurement } from '../measure/types';
import type { LoadMeasurement } from '../observation/load';
import type { CapacityFact, ThresholdResult } from '../verdict/load';
import type { Fix } from '../verdict/types';
import type { SetupKind } from '../setup/types';
import type { Cell } from '../verdict/types';
import type { CheckId, Client, Transport } from '../vocabulary';

export type { SetupKind } from '../setup/types';

export interface CheckDescription {
  id: CheckId;
  transports: Transport[];
  description: string;
  expectation: string;
}

export interface SetupResult {
  id: string;
  /** who probed it: absent = pushthrough's Node.js clients; a browser's entry has id `<setup>@chromium` */
  client?: Client;
  /** a browser's entry: the id of the setup it probed */
  clientOf?: string;
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

/** `pushthrough load`: what was held through which path, the limit found, and the thresholds. */
export interface LoadSection {
  /** the URL, or the setup, the streams went through */
  target: string;
  measurement: LoadMeasurement;
  limit?: { sentence: string; fix?: Fix; capacity?: CapacityFact };
  thresholds: ThresholdResult[];
}

/** Where a field report came from. */
export interface FieldSource {
  userAgent: string;
  /** the page's URL as the browser saw it, token removed */
  pageUrl: string;
  /** when the origin stored it (POST /_reports), and under which id */
  receivedAt?: string;
  id?: string;
}

/** The JSON report: the one source every renderer works from. Fields may be added, never renamed. */
export interface Report {
  tool: 'pushthrough';
  /** run (absent): pushthrough probed setups itself; field: a browser that opened the origin's page probed its own path */
  kind?: 'run' | 'field' | 'load';
  /** kind field: the browser that produced the report */
  field?: FieldSource;
  /** kind load: the load run (`pushthrough load`) */
  load?: LoadSection;
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
