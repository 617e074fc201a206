/**
 * Timing analysis of a delivered stream, independent of the two hosts'
 * clocks: each event's lateness is its arrival (client clock, since the check
 * started) minus its emit offset (origin clock, since its channel started).
 * The constant part (connection set-up, one-way latency, clock offset) is the
 * smallest lateness; what is left over is delay the path added to some events
 * and not others — a buffer.
 */
import type { Arrival } from '../observation/types';

export interface TimingSummary {
  events: number;
  /** lateness beyond the best-delivered event, per event, in seq order */
  extraDelayMs: number[];
  /** largest extra delay: how far the worst event was held back */
  maxLateMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** groups of events that arrived together although emitted apart */
  bursts: number;
  largestBurst: number;
  /**
   * The shortest gap between the arrivals of two events emitted at least
   * half an interval apart (undefined with fewer than two): near 0 where a
   * buffer let them go in one write, tens of ms or more where each was
   * forwarded on its own.
   */
  tightestGapMs?: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

const round = (n: number): number => Math.round(n);

/** Arrivals of one connection (first copies of each seq), in arrival order. */
export function summariseTiming(arrivals: Arrival[], intervalMs: number): TimingSummary {
  const firsts: Arrival[] = [];
  const seen = new Set<number>();
  for (const a of arrivals) {
    if (seen.has(a.seq)) continue;
    seen.add(a.seq);
    firsts.push(a);
  }
  const lateness = firsts.map((a) => a.arrivedMs - a.offsetMs);
  const best = lateness.length ? Math.min(...lateness) : 0;
  const extra = lateness.map((l) => round(l - best));
  // A burst: consecutive events that arrive closer together than a fraction
  // of their emit gap (events emitted ≥ interval apart, arriving within ¼ of it).
  const burstGapMs = Math.max(20, intervalMs / 4);
  let bursts = 0;
  let largest = firsts.length ? 1 : 0;
  let run = 1;
  let tightest: number | undefined;
  for (let i = 1; i < firsts.length; i++) {
    const arrivalGap = firsts[i].arrivedMs - firsts[i - 1].arrivedMs;
    const emitGap = firsts[i].offsetMs - firsts[i - 1].offsetMs;
    if (emitGap >= intervalMs * 0.5) tightest = Math.min(tightest ?? Infinity, Math.max(0, arrivalGap));
    if (arrivalGap < burstGapMs && emitGap >= intervalMs * 0.5) {
      run++;
      if (run === 2) bursts++;
      largest = Math.max(largest, run);
    } else run = 1;
  }
  return {
    events: firsts.length,
    extraDelayMs: extra,
    maxLateMs: extra.length ? Math.max(...extra) : 0,
    latencyP50Ms: round(percentile(lateness, 50)),
    latencyP95Ms: round(percentile(lateness, 95)),
    bursts,
    largestBurst: largest,
    ...(tightest !== undefined ? { tightestGapMs: round(tightest) } : {}),
  };
}
