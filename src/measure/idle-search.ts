/**
 * The idle-timeout search: the longest silence a stream survives.
 *
 *   round 0  ── a geometric ladder of silent streams, all at once
 *               (maxIdle, maxIdle/2, maxIdle/4 … ≥ minIdle)
 *   round n  ── streams between the longest survivor and the first cut
 *   stop     ── when cut/survived ≤ 1 + precision (10 %), or the rounds run out
 *
 * Every stream asks the origin for one event, `silenceMs` of silence, one more
 * (`/sse?silentMs=` / `/ws?silentMs=`). The second event on the same connection
 * means it survived. A stream the path closes or resets tells *when* — how long
 * it had been quiet — and that cut time is itself the estimate: idle timers
 * run "between two successive reads" (nginx proxy_read_timeout, HAProxy timeout
 * server/tunnel: docs/proxy-behaviour.md), so every longer stream is cut at the same
 * silence. The next round then only has to confirm it from below (96 % and
 * 92 % of it). A silent drop (NAT/firewall) shows no cut time, only
 * a missing second event, and the search bisects geometrically instead.
 *
 * The planning functions are pure (bracketOf, nextSilences, summarizeIdle) and
 * the search takes the round runner as a parameter, so the logic is testable
 * without sockets; runIdleRound is the real runner.
 */
import type { AnswerEvidence } from '../client/http';
import type { CutHow, IdleLimit, IdleTrial, LifetimeResult, StreamTransport } from '../observation/limits';
import { Condition } from '../util/wait';
import { startFailure } from '../verdict/answers';
import { answerOf, closeAll, endOf, eventAt, openStream, type MeasuredStream, type StreamContext } from '../client/stream';

export interface IdleSearchOptions {
  maxIdleMs: number;
  /** shortest rung of the ladder; default 500 ms */
  minIdleMs?: number;
  /** stop when cut / survived ≤ 1 + precision; default 0.1 */
  precision?: number;
  /** at most this many silent streams at once; default 8 */
  maxStreamsPerRound?: number;
  /** default 6 */
  maxRounds?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/** Runs one round: one silent stream per silence, resolved to survived / cut / not-started / stopped. */
export type IdleRoundRunner = (silencesMs: number[], round: number) => Promise<IdleTrial[]>;

const DEFAULT_MIN_IDLE_MS = 500;
const DEFAULT_PRECISION = 0.1;
const DEFAULT_STREAMS = 8;
const DEFAULT_ROUNDS = 6;
/** Below this the search stops narrowing: timer granularity and latency dominate. */
const FLOOR_MS = 100;

/** The geometric ladder of round 0: maxIdle, maxIdle/2 … down to minIdle, at most `maxRungs` (spread evenly in log scale if more). */
export function ladder(maxIdleMs: number, minIdleMs = DEFAULT_MIN_IDLE_MS, maxRungs = DEFAULT_STREAMS): number[] {
  const lo = Math.min(minIdleMs, maxIdleMs);
  const halvings = Math.max(0, Math.floor(Math.log2(maxIdleMs / lo)));
  const count = Math.max(1, Math.min(maxRungs, halvings + 1));
  if (count === 1) return [Math.round(maxIdleMs)];
  // Same span as the halvings, fewer rungs when streams are scarce.
  const span = 2 ** halvings;
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(Math.round(maxIdleMs / span ** (i / (count - 1))));
  return [...new Set(out)].sort((a, b) => a - b);
}

/** What the trials so far prove: lo survived, hi was cut. */
export interface Bracket {
  /** longest silence that survived (0 when none did) */
  lo: number;
  /** smallest upper bound: a measured cut time, or the silence of a stream that was cut */
  hi?: number;
  /** hi is a measured cut time (the client saw the cut happen) */
  hiMeasured: boolean;
  /** every measured cut time, for the median */
  cutTimes: number[];
}

export function bracketOf(trials: IdleTrial[]): Bracket {
  let lo = 0;
  let hi: number | undefined;
  let hiMeasured = false;
  const cutTimes: number[] = [];
  for (const t of trials) {
    if (t.outcome === 'survived') lo = Math.max(lo, t.silenceMs);
    if (t.outcome !== 'cut') continue;
    // A stream cut before its second event proves the timeout is below its silence…
    if (hi === undefined || t.silenceMs < hi) {
      hi = t.silenceMs;
      hiMeasured = false;
    }
    // …and, when the cut was seen, below the silence it had at that moment.
    if (t.cutAfterMs !== undefined && !t.implied) {
      cutTimes.push(t.cutAfterMs);
      const seen = Math.min(t.cutAfterMs, t.silenceMs);
      if (seen <= hi) {
        hi = seen;
        hiMeasured = true;
      }
    }
  }
  return { lo, hi, hiMeasured, cutTimes };
}

export function converged(b: Bracket, precision: number): boolean {
  if (b.hi === undefined) return true;
  if (b.hi <= FLOOR_MS) return true;
  // Jitter can put a survivor just past a measured cut: the two agree on the value.
  return b.lo > 0 && b.hi <= b.lo * (1 + precision);
}

/**
 * The silences of the next round. After a measured cut: just below it (it is
 * most likely the value), plus a geometric midpoint when the bracket is still
 * wide. Otherwise: `n` points spread geometrically inside (lo, hi).
 */
export function nextSilences(b: Bracket, precision: number, n: number, lastRoundConfirmedNothing = false): number[] {
  if (b.hi === undefined) return [];
  const hi = b.hi;
  const lo = b.lo > 0 ? b.lo : Math.max(FLOOR_MS / 2, hi / 8);
  const inside = (x: number): boolean => x > b.lo && x < hi;
  let points: number[];
  if (b.hiMeasured && !lastRoundConfirmedNothing) {
    points = [hi * (1 - precision * 0.4), hi * (1 - precision * 0.8)];
    const mid = Math.sqrt(lo * hi * (1 - precision * 0.8));
    if (mid < hi * 0.85) points.push(mid);
  } else {
    points = [];
    for (let i = 1; i <= n; i++) points.push(lo * (hi / lo) ** (i / (n + 1)));
  }
  return [...new Set(points.filter(inside).map((x) => Math.round(x)))].sort((a, b2) => a - b2).slice(-Math.max(1, n));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Most frequent how/code among the observed cuts (the first on ties). */
function commonCut(trials: IdleTrial[]): { how?: CutHow; code?: string | number } {
  const cuts = trials.filter((t) => t.outcome === 'cut' && !t.implied && t.how);
  if (cuts.length === 0) return {};
  const counts = new Map<string, { n: number; t: IdleTrial }>();
  for (const t of cuts) {
    const key = `${t.how}|${t.code ?? ''}`;
    const c = counts.get(key) ?? { n: 0, t };
    c.n++;
    counts.set(key, c);
  }
  const best = [...counts.values()].sort((a, b) => b.n - a.n)[0].t;
  return { how: best.how, code: best.code };
}

/** The result from all trials so far. */
export function summarizeIdle(transport: StreamTransport, trials: IdleTrial[], opts: { maxIdleMs: number; precision: number; rounds: number; partial?: boolean }): IdleLimit {
  const base: IdleLimit = { transport, outcome: 'unknown', searchedToMs: opts.maxIdleMs, rounds: opts.rounds, trials };
  if (opts.partial) base.partial = true;
  const started = trials.filter((t) => t.outcome === 'survived' || t.outcome === 'cut');
  if (started.length === 0) {
    const why = trials.find((t) => t.detail)?.detail;
    base.error = opts.partial && !why ? 'interrupted before any stream finished' : `no silent stream could be measured${why ? `: ${why}` : ''}`;
    return base;
  }
  const b = bracketOf(trials);
  if (b.hi === undefined) {
    const out: IdleLimit = { ...base, outcome: 'none', survivedMs: b.lo, precision: 0 };
    // Longer silences that could not be measured do not count as survived.
    if (b.lo < opts.maxIdleMs) {
      out.searchedToMs = b.lo;
      const why = trials.find((t) => t.outcome === 'not-started' && t.silenceMs > b.lo)?.detail;
      out.error = `silences longer than ${s1(b.lo)} could not be measured${why ? `: ${why}` : ''}`;
    }
    return out;
  }
  const timeoutMs = b.cutTimes.length > 0 ? Math.round(median(b.cutTimes)) : Math.round(b.lo > 0 ? (b.lo + b.hi) / 2 : b.hi);
  const out: IdleLimit = {
    ...base,
    outcome: 'cut',
    timeoutMs,
    cutAtMs: Math.round(b.hi),
    cutMeasured: b.hiMeasured,
    ...commonCut(trials),
  };
  if (b.lo > 0) {
    out.survivedMs = b.lo;
    out.precision = Math.max(0, Math.round((b.hi / b.lo - 1) * 1000) / 1000);
  }
  if (!out.how) out.how = 'silent';
  return out;
}

const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs the whole search with `runRound`; stops early on abort, keeping what was measured. */
export async function searchIdle(transport: StreamTransport, runRound: IdleRoundRunner, opts: IdleSearchOptions): Promise<IdleLimit> {
  const precision = opts.precision ?? DEFAULT_PRECISION;
  const perRound = Math.max(1, opts.maxStreamsPerRound ?? DEFAULT_STREAMS);
  const maxRounds = opts.maxRounds ?? DEFAULT_ROUNDS;
  const trials: IdleTrial[] = [];
  let silences = ladder(opts.maxIdleMs, opts.minIdleMs, perRound);
  let round = 0;
  let previous: Bracket | undefined;
  let partial = false;
  const say = (line: string): void => opts.onProgress?.(`${transport} idle: ${line}`);
  say(`round 0, ${silences.length} silent streams: ${silences.map(s1).join(', ')}`);
  while (silences.length > 0 && round < maxRounds) {
    const got = await runRound(silences, round);
    trials.push(...got);
    round++;
    if (opts.signal?.aborted || got.some((t) => t.outcome === 'stopped')) {
      partial = true;
      break;
    }
    const b = bracketOf(trials);
    const noneStarted = got.every((t) => t.outcome === 'not-started');
    say(
      noneStarted
        ? `no stream started: ${got[0]?.detail ?? 'unknown'}`
        : b.hi === undefined
        ? `every silence up to ${s1(b.lo)} survived`
        : `survived ${s1(b.lo)}, cut at ${s1(b.hi)}${b.hiMeasured ? '' : ' (dropped silently)'}`,
    );
    if (noneStarted) break;
    if (converged(b, precision)) break;
    // Measured cuts that were not confirmed from below (no new survivor): bisect instead.
    const stuck = previous !== undefined && previous.lo === b.lo && b.hiMeasured;
    silences = nextSilences(b, precision, Math.min(perRound, 3), stuck);
    previous = b;
    if (silences.length > 0) say(`round ${round}: ${silences.map(s1).join(', ')}`);
  }
  const result = summarizeIdle(transport, trials, { maxIdleMs: opts.maxIdleMs, precision, rounds: round, partial });
  if (!partial && result.outcome === 'cut' && (result.precision ?? 0) > precision && round >= maxRounds) {
    result.error = `stopped after ${round} rounds with the bracket ${Math.round((result.precision ?? 0) * 100)} % wide`;
  }
  return result;
}

// ---------------------------------------------------------------- real streams

export interface RoundContext {
  transport: StreamTransport;
  streams: StreamContext;
  signal?: AbortSignal;
  /** extra wait after the second event was due before calling a stream dropped; default 1000 ms + 5 % */
  graceMs?: (silenceMs: number) => number;
  /** every answer is offered here (product guess) */
  onAnswer?: (a: AnswerEvidence) => void;
}

const defaultGrace = (silenceMs: number): number => 1000 + silenceMs * 0.05;

/**
 * One round against the real target: all streams open at once, each resolved
 * as soon as its fate is known. A cut at a silence implies the longer silent
 * drops of the same round (silent drops are only seen by their deadline).
 */
export function runIdleRound(ctx: RoundContext): IdleRoundRunner {
  return async (silencesMs, round) => {
    const grace = ctx.graceMs ?? defaultGrace;
    const entries = silencesMs.map((silenceMs) => ({ silenceMs, trial: undefined as IdleTrial | undefined, stream: undefined as MeasuredStream | undefined }));
    const update = (): void => {
      for (const e of entries) {
        if (e.trial || !e.stream) continue;
        const st = e.stream;
        const t = st.rec.now();
        const first = eventAt(st, 1);
        const second = eventAt(st, 2);
        const end = endOf(st);
        if (second !== undefined && first !== undefined && second - first < e.silenceMs / 2) {
          // Both events at once: the silence happened inside a buffer, not on the wire.
          e.trial = { silenceMs: e.silenceMs, round, outcome: 'not-started', detail: 'the first event arrived only with the second: the stream is buffered on the way' };
        } else if (second !== undefined) e.trial = { silenceMs: e.silenceMs, round, outcome: 'survived' };
        else if (end && first === undefined) {
          e.trial = { silenceMs: e.silenceMs, round, outcome: 'not-started', how: end.how, code: end.code, detail: startFailure(ctx.transport, end.how, end.code, end.detail) };
        } else if (end && first !== undefined) {
          e.trial = { silenceMs: e.silenceMs, round, outcome: 'cut', cutAfterMs: Math.round(end.atMs - (st.rec.lastByteAtMs ?? first)), how: end.how, code: end.code };
        } else if (first === undefined && t > ctx.streams.connectTimeoutMs) {
          e.trial = { silenceMs: e.silenceMs, round, outcome: 'not-started', detail: `no first event within ${s1(ctx.streams.connectTimeoutMs)} (is the stream buffered?)` };
        } else if (first !== undefined && t - first > e.silenceMs + grace(e.silenceMs)) {
          e.trial = { silenceMs: e.silenceMs, round, outcome: 'cut', how: 'silent', detail: 'the second event never arrived and nothing closed' };
        }
        if (e.trial) e.stream.close();
      }
      // A silent drop at silence S implies every longer silence of this round is dropped too.
      const silentCut = entries.filter((e) => e.trial?.outcome === 'cut' && e.trial.how === 'silent').map((e) => e.silenceMs);
      if (silentCut.length > 0) {
        const at = Math.min(...silentCut);
        for (const e of entries) {
          if (!e.trial && e.silenceMs > at && e.stream && eventAt(e.stream, 1) !== undefined) {
            e.trial = { silenceMs: e.silenceMs, round, outcome: 'cut', how: 'silent', implied: true };
            e.stream.close();
          }
        }
      }
    };
    let cond: Condition | undefined;
    for (const e of entries) {
      e.stream = openStream(ctx.transport, ctx.streams, { count: 2, silentMs: e.silenceMs, close: true }, { onChange: () => queueMicrotask(() => cond?.poke()) });
    }
    const longest = Math.max(...silencesMs);
    cond = new Condition(
      () => {
        update();
        return entries.every((e) => e.trial !== undefined);
      },
      {
        // A safety net only: every stream resolves by its own deadline first.
        deadlineMs: ctx.streams.connectTimeoutMs + longest + grace(longest) + 5000,
        // Silent drops are seen by the clock, not by an event.
        tickMs: 250,
        signal: ctx.signal,
      },
    );
    try {
      await cond.settled;
    } finally {
      for (const e of entries) {
        if (!e.trial) e.trial = { silenceMs: e.silenceMs, round, outcome: 'stopped', detail: ctx.signal?.aborted ? 'interrupted' : 'no outcome in time' };
      }
      const first = entries.find((e) => e.stream?.rec.answers.some((a) => a.status !== undefined));
      if (first?.stream) {
        const a = answerOf(first.stream, `${ctx.transport === 'sse' ? 'GET /sse' : 'WebSocket /ws'} (idle search)`);
        if (a) ctx.onAnswer?.(a);
      }
      await closeAll(entries.flatMap((e) => (e.stream ? [e.stream] : [])));
    }
    return entries.map((e) => e.trial as IdleTrial);
  };
}

// ---------------------------------------------------------------- lifetime

export interface LifetimeOptions {
  transport: StreamTransport;
  streams: StreamContext;
  /** watch the stream this long */
  maxMs: number;
  heartbeatMs: number;
  signal?: AbortSignal;
  graceMs?: number;
  onAnswer?: (a: AnswerEvidence) => void;
}

/**
 * A stream kept busy with heartbeats (SSE comment lines, WebSocket pings) and
 * a second event at `maxMs`: it survives, or the path cuts it anyway — a
 * maximum duration (Envoy's route timeout, GCP's backend timeout: docs/proxy-behaviour.md).
 */
export async function measureLifetime(opts: LifetimeOptions): Promise<LifetimeResult> {
  const base: LifetimeResult = { transport: opts.transport, outcome: 'unknown', heartbeatMs: opts.heartbeatMs, searchedToMs: opts.maxMs };
  const grace = opts.graceMs ?? defaultGrace(opts.maxMs);
  let cond: Condition | undefined;
  const stream = openStream(
    opts.transport,
    opts.streams,
    { count: 2, silentMs: opts.maxMs, heartbeatMs: opts.heartbeatMs, close: true },
    { onChange: () => queueMicrotask(() => cond?.poke()) },
  );
  const first = (): number | undefined => eventAt(stream, 1);
  cond = new Condition(() => eventAt(stream, 2) !== undefined || endOf(stream) !== undefined || (first() === undefined && stream.rec.now() > opts.streams.connectTimeoutMs), {
    deadlineMs: opts.streams.connectTimeoutMs + opts.maxMs + grace,
    tickMs: 500,
    signal: opts.signal,
  });
  const why = await cond.settled;
  stream.close();
  await stream.closed;
  const a = answerOf(stream, `${opts.transport === 'sse' ? 'GET /sse' : 'WebSocket /ws'} (heartbeat lifetime)`);
  if (a) opts.onAnswer?.(a);
  const f = first();
  const end = endOf(stream);
  const now = stream.rec.now();
  if (eventAt(stream, 2) !== undefined) return { ...base, outcome: 'survived' };
  if (f === undefined) {
    return {
      ...base,
      ...(why === 'aborted' ? { partial: true } : {}),
      error: end ? startFailure(opts.transport, end.how, end.code, end.detail) : why === 'aborted' ? 'interrupted' : 'no first event',
    };
  }
  if (end) return { ...base, outcome: 'cut', cutAtMs: Math.round(end.atMs - f), how: end.how, code: end.code };
  if (why === 'aborted') return { ...base, partial: true, searchedToMs: Math.round(now - f), error: `interrupted after ${s1(now - f)} without a cut` };
  // Heartbeats kept coming but the second event never did: something held it back, or dropped the flow silently.
  const lastByte = stream.rec.lastByteAtMs ?? f;
  return now - lastByte > opts.heartbeatMs * 4 ? { ...base, outcome: 'cut', how: 'silent', cutAtMs: Math.round(lastByte - f) } : { ...base, error: 'heartbeats arrived but the final event did not' };
}
