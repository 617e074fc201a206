/**
 * The infrastructure report: measure the limits of the path in front of an
 * origin, phase by phase, each short one before the long one so that Ctrl-C
 * keeps as much as possible:
 *
 *   fingerprint ── 3 requests: who answers (product guess)
 *   concurrency ── SSE streams, then WebSockets, held open until one is refused
 *   sizes       ── largest WebSocket message (echo), largest SSE event
 *   idle        ── SSE and WebSocket idle searches + a heartbeat stream each,
 *                  at the same time when the path allows that many streams
 *   keepalive   ── past each idle cut: which traffic keeps a stream open
 *                  (SSE event/comment, WebSocket ping/message either way,
 *                  long-poll trickle), then the advised one verified
 *   advice      ── product guess + recommendations (pure)
 *
 * `signal` stops it: every phase closes its sockets and returns what it has,
 * and the measurement is marked partial.
 */
import type { AnswerEvidence } from '../client/http';
import type { ProbeTarget } from '../client/target';
import type { KeepaliveTransport, StreamTransport } from '../observation/limits';
import { answersFromMeasured, guessProduct } from '../verdict/product-guess';
import { formatDuration, idleCut, isDurationCap, recommend } from '../verdict/recommend';
import type { Cell } from '../verdict/types';
import { countConcurrentStreams } from './concurrency';
import { fingerprint } from './fingerprint';
import { ladder, measureLifetime, runIdleRound, searchIdle } from './idle-search';
import { measureKeepalive } from './keepalive';
import { DEFAULT_MAX_MESSAGE_BYTES, searchSize, sseEventTrial, wsEchoTrial } from './size-search';
import type { StreamContext } from '../client/stream';
import type { Measurement } from './types';

/** The phases, in the order they run. */
export const MEASURE_PHASES = ['fingerprint', 'concurrency', 'sizes', 'idle', 'keepalive'] as const;
export type MeasurePhase = (typeof MEASURE_PHASES)[number];

export interface MeasureOptions {
  /** where the origin is reached (through the path being measured), with --via and the origin token */
  target: ProbeTarget;
  /** longest silence searched (--max-idle); default 120 s */
  maxIdleMs?: number;
  /** most simultaneous streams tried (--max-streams); default 64 */
  maxStreams?: number;
  /** largest message tried; default 16 MiB (the origin's largest payload) */
  maxMessageBytes?: number;
  transports?: StreamTransport[];
  /** also learn which keepalive holds a long poll open (default true; the probe leaves it out when long-poll is not probed) */
  longPoll?: boolean;
  /** which phases to run; default all (tests run one at a time) */
  phases?: MeasurePhase[];
  connectTimeoutMs?: number;
  /** the idle search stops when cut/survived ≤ 1 + this; default 0.1 */
  idlePrecision?: number;
  /** heartbeat of the lifetime streams; default 250 ms (the probe's duration check) */
  heartbeatMs?: number;
  signal?: AbortSignal;
  /** one line per step, for stderr */
  onProgress?: (line: string) => void;
  /** the normal probe's cells: their verdicts shape the advice and their error pages count as evidence */
  cells?: Cell[];
}

export const DEFAULT_MAX_IDLE_MS = 120_000;
export const DEFAULT_MAX_STREAMS = 64;
const MAX_ANSWERS = 16;

export async function measure(opts: MeasureOptions): Promise<Measurement> {
  const started = Date.now();
  const maxIdleMs = opts.maxIdleMs ?? DEFAULT_MAX_IDLE_MS;
  const maxStreams = opts.maxStreams ?? DEFAULT_MAX_STREAMS;
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const idlePrecision = opts.idlePrecision ?? 0.1;
  const transports = opts.transports ?? ['sse', 'websocket'];
  const signal = opts.signal;
  const phases = new Set<MeasurePhase>(opts.phases ?? MEASURE_PHASES);
  const say = (line: string): void => opts.onProgress?.(line);
  const streams: StreamContext = { target: opts.target, connectTimeoutMs: opts.connectTimeoutMs ?? 5000 };

  const answers: AnswerEvidence[] = [];
  const onAnswer = (a: AnswerEvidence): void => {
    const key = (x: AnswerEvidence): string => `${x.status}|${x.headers?.server ?? ''}|${x.headers?.via ?? ''}|${(x.bodySnippet ?? '').slice(0, 80)}`;
    if (answers.length < MAX_ANSWERS && !answers.some((b) => key(b) === key(a))) answers.push(a);
  };
  const m: Measurement = {
    partial: false,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    limits: { maxIdleMs, maxStreams, maxMessageBytes, idlePrecision },
    idle: {},
    lifetime: {},
    largestMessage: {},
    concurrency: {},
    product: { evidence: [] },
    answers,
    recommendations: { transports: [], fixes: [], notes: [] },
    notes: [],
  };
  const stopped = (phase: string): boolean => {
    if (!signal?.aborted) return false;
    m.partial = true;
    m.notes.push(`interrupted: ${phase} did not run`);
    return true;
  };

  {
    // 1. who answers
    if (phases.has('fingerprint') && !stopped('the fingerprint')) {
      say('fingerprint: 3 requests');
      for (const a of await fingerprint(opts.target, streams.connectTimeoutMs)) onAnswer(a);
    }

    // 2. simultaneous streams, one transport at a time (a connection limit is usually shared)
    for (const t of phases.has('concurrency') ? transports : []) {
      if (stopped(`the ${t} concurrency count`)) break;
      say(`${t} concurrent streams: opening up to ${maxStreams}`);
      m.concurrency[t] = await countConcurrentStreams({ transport: t, streams, maxStreams, signal, onProgress: say, onAnswer });
    }

    // 3. sizes
    const sizeOpts = { maxBytes: maxMessageBytes, signal, onProgress: say };
    for (const t of phases.has('sizes') ? transports : []) {
      if (stopped(`the ${t} message-size search`)) break;
      const trial = t === 'websocket' ? wsEchoTrial({ streams, signal, onAnswer }) : sseEventTrial({ streams, signal, onAnswer });
      // A refused handshake fails every size alike: nothing to search.
      m.largestMessage[t] = await searchSize(t, trial, { ...sizeOpts, isFatal: t === 'websocket' ? (x) => x.how === 'status' : undefined });
    }

    // 4. idle timeouts and lifetimes: the long phase
    if (phases.has('idle') && !stopped('the idle-timeout search')) {
      // A connection limit found above bounds how many silent streams may be open at once.
      const limits = transports.map((t) => m.concurrency[t]).filter((c) => c?.outcome === 'limit' && c.accepted > 0).map((c) => c!.accepted);
      const budget = limits.length ? Math.min(...limits) : Infinity;
      const rungs = ladder(maxIdleMs).length;
      const parallel = budget >= transports.length * (rungs + 1);
      const perTransport = parallel ? rungs : Math.max(1, Math.min(rungs, budget - 1));
      if (!parallel) m.notes.push(`the path accepts ${budget} streams at once: the idle searches ran one transport at a time with ${perTransport} silent stream${perTransport === 1 ? '' : 's'} per round`);
      const heartbeatMs = opts.heartbeatMs ?? 250;
      say(`idle timeouts: searching up to ${formatDuration(maxIdleMs)} (to within ${Math.round(idlePrecision * 100)} %), heartbeat streams alongside`);
      const ticker = setInterval(() => say(`… ${Math.round((Date.now() - started) / 1000)} s, still measuring idle timeouts (up to ${formatDuration(maxIdleMs)})`), 15_000);
      ticker.unref();
      const one = async (t: StreamTransport): Promise<void> => {
        const idle = searchIdle(t, runIdleRound({ transport: t, streams, signal, onAnswer }), {
          maxIdleMs,
          precision: idlePrecision,
          maxStreamsPerRound: perTransport,
          signal,
          onProgress: say,
        }).then((r) => void (m.idle[t] = r));
        const life = (): Promise<void> =>
          measureLifetime({ transport: t, streams, maxMs: maxIdleMs, heartbeatMs, signal, onAnswer }).then((r) => {
            m.lifetime[t] = r;
            say(`${t} lifetime with a heartbeat every ${formatDuration(heartbeatMs)}: ${r.outcome === 'cut' ? `cut after ${formatDuration(r.cutAtMs ?? 0)} (${r.how})` : r.outcome === 'survived' ? `survived ${formatDuration(maxIdleMs)}` : (r.error ?? 'unknown')}`);
          });
        // With a single stream allowed, the lifetime stream waits for the search.
        if (budget >= 2) await Promise.all([idle, life()]);
        else {
          await idle;
          if (!signal?.aborted) await life();
        }
      };
      try {
        if (parallel) await Promise.all(transports.map(one));
        else for (const t of transports) if (!signal?.aborted) await one(t);
      } finally {
        clearInterval(ticker);
      }
    }
  }

  // 5. keepalive: which traffic resets each idle timer found, and the advice verified
  if (phases.has('keepalive') && !stopped('the keepalive trials')) {
    const cuts = transports.flatMap((t) => {
      const cut = idleCut(m.idle[t]);
      return cut !== undefined ? [{ t, cut, cap: isDurationCap(m.idle[t], m.lifetime[t]) }] : [];
    });
    if (cuts.length > 0) {
      m.keepalive = {};
      m.keepaliveVerified = {};
      // The advice is one interval for the app, from the shortest idle cut (a duration cap is not one), as recommend() gives it.
      const idleOnly = cuts.filter((c) => !c.cap);
      const shortest = Math.min(...(idleOnly.length ? idleOnly : cuts).map((c) => c.cut));
      const runs = cuts.map((c) => ({ transport: c.t as KeepaliveTransport, cut: c.cut }));
      if (opts.longPoll !== false) runs.push({ transport: 'long-poll', cut: shortest });
      // A connection limit found earlier bounds the streams open at once: then one transport at a time, in batches.
      const limits = transports.map((t) => m.concurrency[t]).filter((c) => c?.outcome === 'limit' && c.accepted > 0).map((c) => c!.accepted);
      const budget = limits.length ? Math.min(...limits) : Infinity;
      const one = async ({ transport, cut }: { transport: KeepaliveTransport; cut: number }): Promise<void> => {
        const maxAtOnce = Number.isFinite(budget) ? budget : undefined;
        const got = await measureKeepalive({ target: opts.target, transport, cutMs: cut, adviceCutMs: shortest, connectTimeoutMs: streams.connectTimeoutMs, maxAtOnce, signal, onProgress: say });
        m.keepalive![transport] = got.result;
        if (got.verification) m.keepaliveVerified![transport] = got.verification;
      };
      if (budget >= 12) await Promise.all(runs.map(one));
      else {
        m.notes.push(`the path accepts ${budget} streams at once: the keepalive trials ran one transport at a time, ${budget} stream${budget === 1 ? '' : 's'} at a time`);
        for (const r of runs) if (!signal?.aborted) await one(r);
      }
    }
  }

  // 6. advice
  if (signal?.aborted) m.partial = true;
  for (const part of [m.idle, m.lifetime, m.largestMessage, m.concurrency, m.keepalive ?? {}]) {
    for (const r of Object.values(part)) if (r?.partial) m.partial = true;
  }
  const probeAnswers = (opts.cells ?? []).flatMap((c) => c.checks.flatMap((k) => answersFromMeasured(k.measured, `${c.transport} ${k.id} check`)));
  m.product = guessProduct([...answers, ...probeAnswers]);
  m.recommendations = recommend({
    idle: m.idle,
    lifetime: m.lifetime,
    largestMessage: m.largestMessage,
    concurrency: m.concurrency,
    keepalive: m.keepalive,
    keepaliveVerified: m.keepaliveVerified,
    product: m.product,
    maxIdleMs,
    maxStreams,
    cells: opts.cells,
  });
  if (m.partial) m.notes.unshift('partial: the measurement was interrupted; every value present was measured, the rest is missing or a lower bound');
  m.durationMs = Date.now() - started;
  return m;
}
