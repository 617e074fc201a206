import type { Observation } from '../observation/types';
import type { ProbeTarget } from './target';

/** App-side fixes a probe can apply, to show whether they rescue a transport. */
export interface ProbeMitigation {
  /** SSE: ask for `X-Accel-Buffering: no` */
  noBuffering?: boolean;
  /** SSE: a 2 KiB comment first */
  pad?: boolean;
  /** polls: ask for `Cache-Control: no-store` */
  noStore?: boolean;
  /** SSE/WebSocket: heartbeat while the stream is otherwise silent */
  heartbeatMs?: number;
  /** long-poll: hold requests this long instead of the default */
  holdMs?: number;
}

export interface ProbeOptions {
  /** how long a stream stays silent in the idle check */
  idleMs: number;
  /** how long a long-poll request is held in the hold check */
  holdMs: number;
  /** heartbeat interval in the duration check */
  heartbeatMs: number;
  deliveryCount: number;
  deliveryIntervalMs: number;
  /** size of the large event / frame */
  largeBytes: number;
  largeTimeoutMs: number;
  connectTimeoutMs: number;
  /** extra wait after a schedule's end before calling something lost or silent */
  graceMs: number;
  /** short-poll interval */
  pollEveryMs: number;
  mitigation?: ProbeMitigation;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  idleMs: 5000,
  holdMs: 5000,
  heartbeatMs: 250,
  deliveryCount: 8,
  deliveryIntervalMs: 250,
  largeBytes: 256 * 1024,
  largeTimeoutMs: 10_000,
  connectTimeoutMs: 5000,
  graceMs: 1500,
  pollEveryMs: 100,
};

export interface CheckContext {
  target: ProbeTarget;
  options: ProbeOptions;
  /** unique per check: names the origin channel */
  channel: string;
  /** unique per check: lets the origin record what reached it */
  probeId: string;
  /** the origin itself, when the tester started it (for /_seen without a proxy in between) */
  originUrl?: string;
  mitigationNames?: string[];
}

export type CheckRunner = (ctx: CheckContext) => Promise<Observation>;
