/**
 * What a load run measured (`pushthrough load`, src/measure/load.ts), as plain
 * data: what was held, what failed and how, latency, the processes' weight.
 * The thresholds and the limit's sentence are src/verdict/load.ts's.
 */
import type { LoadTransport } from '../vocabulary';

export interface LoadSecond {
  /** seconds since the start */
  t: number;
  open: number;
  /** asked for, neither open nor failed yet */
  pending: number;
  opened: number;
  failed: number;
  cut: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface LoadFailure {
  transport: LoadTransport;
  /** streams of that transport open when it happened */
  open: number;
  /** streams of that transport held when it happened: open, or asked for and still waiting for their answer */
  held: number;
  kind: string;
  detail: string;
}

export interface ProcessUse {
  what: string;
  pid: number;
  rssMiB: number;
  openFiles: number;
}

export interface LoadMeasurement {
  url: string;
  transports: LoadTransport[];
  streams: number;
  rampMs: number;
  durationMs: number;
  intervalMs: number;
  workers: number;
  timeline: LoadSecond[];
  /** most streams open at once, per transport and in all */
  peakOpen: Record<string, number>;
  /** most streams held at once (open, or asked for at least 250 ms ago and still waiting for their answer), per transport */
  peakHeld: Record<string, number>;
  opened: number;
  /** streams that never opened, by kind */
  failed: Record<string, number>;
  /** streams still waiting for their answer when the run ended (a path that holds response heads) */
  pending: number;
  /** open streams the path ended, by kind */
  cut: Record<string, number>;
  latency: { p50?: number; p95?: number; p99?: number; samples: number };
  timeToOpen: { p50?: number; p95?: number };
  /** the first stream that failed to open, per transport: where a limit showed */
  firstFailure?: LoadFailure;
  /** the heaviest each watched process got */
  processes: ProcessUse[];
  /** the generator's own limit (files, ports): the tester's, never the path's */
  testerError?: string;
}

