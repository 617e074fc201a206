/**
 * A check is one file under src/checks/: its id, the transports it applies
 * to, what it does and what it expects in one sentence each (Autobahn's
 * DESCRIPTION / EXPECTATION, shown in the README and the HTML report), its
 * runner per transport (built on the clients in src/client), the type of the
 * data it records, and its grader. The cell's aggregation lives in
 * src/verdict/cell.ts; nothing else judges a single check.
 */
import type { CheckId, Observation, Transport } from '../observation/types';
import type { ProbeTarget } from '../client/target';
import type { ProbeMitigation } from '../verdict/mitigations';
import type { CheckResult } from '../verdict/types';

export type { ProbeMitigation } from '../verdict/mitigations';

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
  /** run the opt-in keepalive check too (`--keepalive`) */
  keepalive?: boolean;
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

export type CheckRunner<P = unknown> = (ctx: CheckContext) => Promise<Observation<P>>;

export interface GradeContext {
  /** the largest extra delay the unproxied baseline showed in this run */
  baselineMaxLateMs?: number;
  /** the same through the run's HTTP/2 pass-through front (direct-h2): the margin of cells that spoke HTTP/2 */
  baselineMaxLateMsH2?: number;
}

export interface Check<P = unknown> {
  id: CheckId;
  /** what the check does, one sentence */
  description: string;
  /** what a working path shows, one sentence */
  expectation: string;
  /** a runner per transport the check applies to */
  runners: Partial<Record<Transport, CheckRunner<P>>>;
  /** graded from another check's observation instead of its own run (latency from delivery) */
  gradedFrom?: CheckId;
  /** transports it is graded for when it has no runners of its own */
  transports?: Transport[];
  /** mostly waits (a silent stream, a held request): starts at once, beside the short checks */
  waits?: boolean;
  /** runs only when the probe's options ask for it */
  optIn?: (o: ProbeOptions) => boolean;
  /** the check's result; undefined when there is nothing to judge (no event to time) */
  grade(obs: Observation<P>, ctx: GradeContext): CheckResult | undefined;
}

/** The transports a check applies to. */
export function transportsOf(check: Check<any>): Transport[] {
  return check.transports ?? (Object.keys(check.runners) as Transport[]);
}

/** Mitigation query parameters the origin understands, from the probe's options. */
export function mitigationParams(o: ProbeOptions): Record<string, boolean | undefined> {
  return { noBuffering: o.mitigation?.noBuffering, pad: o.mitigation?.pad, noStore: o.mitigation?.noStore };
}

/** A runner for both poll transports, from one made per transport and path. */
export function polls<P>(make: (transport: Transport, path: '/poll' | '/long-poll') => CheckRunner<P>): Partial<Record<Transport, CheckRunner<P>>> {
  return { 'short-poll': make('short-poll', '/poll'), 'long-poll': make('long-poll', '/long-poll') };
}
