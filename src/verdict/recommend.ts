/**
 * From measured limits to advice: which transports to use through this path,
 * the heartbeat interval and long-poll hold that fit it, and the fix for each
 * limit that bites (with the guessed product's config when it has one). A pure
 * function of the measurement and the normal probe's cells; every number it
 * derives comes from src/verdict/thresholds.ts.
 */
import type { ConcurrencyLimit, IdleLimit, KeepaliveResult, KeepaliveTransport, KeepaliveVerification, LifetimeResult, SizeLimit, StreamTransport } from '../observation/limits';
import { KIND_LABEL, keepaliveAdvice, type KeepaliveAdvice } from './keepalive';
import type { Transport } from '../observation/types';
import { fixFor, type FixContext } from './fixes';
import type { ProductGuess } from './product-guess';
import { BELOW_CUT_SHARE, HEARTBEAT_CAP_MS, LIBRARY_HOLD_MS, LONG_POLL_HOLD_CAP_MS, RECONNECT_SHARE, belowCut, sameCut } from './thresholds';
import type { Cell, Fix, Reason } from './types';
import { formatDuration, formatSize } from '../util/format';

export { formatDuration } from '../util/format';

export { HEARTBEAT_CAP_MS, LONG_POLL_HOLD_CAP_MS } from './thresholds';

export type TransportAdvice = 'use' | 'use-with-care' | 'avoid' | 'unknown';

export interface Recommendations {
  /** per transport: whether to use it through this path, and why */
  transports: Array<{ transport: Transport; advice: TransportAdvice; why: string }>;
  /** SSE comment / WebSocket ping interval that fits the idle timeouts measured */
  heartbeatMs?: number;
  /** per transport: the keepalive traffic this path counts, the one to send and how often, verified through the path */
  keepalive?: KeepaliveAdvice[];
  /** how long to hold a long-poll request */
  longPollHoldMs?: number;
  /** reconnect streams before this (a maximum duration was measured) */
  reconnectBeforeMs?: number;
  /** keep messages below this */
  maxMessageBytes?: number;
  /** keep at most this many streams open at once through this path */
  maxStreams?: number;
  /** one fix per limit that bites, with the guessed product's config when known */
  fixes: Array<{ transport: Transport; reason: Reason; fix: Fix }>;
  /** sentences a person reads: how each number was derived */
  notes: string[];
}

export interface RecommendInput {
  idle: Partial<Record<StreamTransport, IdleLimit>>;
  lifetime: Partial<Record<StreamTransport, LifetimeResult>>;
  largestMessage: Partial<Record<StreamTransport, SizeLimit>>;
  concurrency: Partial<Record<StreamTransport, ConcurrencyLimit>>;
  keepalive?: Partial<Record<KeepaliveTransport, KeepaliveResult>>;
  keepaliveVerified?: Partial<Record<KeepaliveTransport, KeepaliveVerification>>;
  product: ProductGuess;
  maxIdleMs: number;
  maxStreams: number;
  /** the normal probe's cells, when it ran */
  cells?: Cell[];
}

const STREAMS: StreamTransport[] = ['sse', 'websocket'];
const TRANSPORT_ORDER: Transport[] = ['short-poll', 'long-poll', 'sse', 'websocket'];

/** The cut an idle limit stands for, conservatively: its estimate, never above its bracket's top. */
export function idleCut(l: IdleLimit | undefined): number | undefined {
  if (!l || l.outcome !== 'cut' || l.timeoutMs === undefined) return undefined;
  return Math.min(l.timeoutMs, l.cutAtMs ?? l.timeoutMs);
}

/** True when streams were cut at the same time with and without heartbeats: a cap on lifetime, not silence. */
export function isDurationCap(idle: IdleLimit | undefined, life: LifetimeResult | undefined): boolean {
  const cut = idleCut(idle);
  if (cut === undefined || life?.outcome !== 'cut' || life.cutAtMs === undefined) return false;
  return sameCut(cut, life.cutAtMs);
}

const round100 = (ms: number): number => Math.max(100, Math.floor(ms / 100) * 100);

export function recommend(input: RecommendInput): Recommendations {
  const notes: string[] = [];
  const fixes: Recommendations['fixes'] = [];
  const product = input.product.fixProduct ?? input.product.product;
  const addFix = (transport: Transport, reason: Reason, fix: Fix | undefined): void => {
    if (fix && !fixes.some((f) => f.transport === transport && f.reason === reason)) fixes.push({ transport, reason, fix });
  };
  const out: Recommendations = { transports: [], fixes, notes };

  // --- idle timeouts and maximum durations
  const idleCuts: Array<{ t: StreamTransport; ms: number }> = [];
  const durationCuts: Array<{ t: StreamTransport; ms: number }> = [];
  for (const t of STREAMS) {
    const idle = input.idle[t];
    const life = input.lifetime[t];
    if (isDurationCap(idle, life)) {
      durationCuts.push({ t, ms: life!.cutAtMs! });
      notes.push(`${t}: streams were cut after ${formatDuration(life!.cutAtMs!)} with heartbeats too, so that cut is a maximum duration, not an idle timeout.`);
      continue;
    }
    const cut = idleCut(idle);
    if (cut !== undefined) idleCuts.push({ t, ms: cut });
    if (life?.outcome === 'cut' && life.cutAtMs !== undefined) durationCuts.push({ t, ms: life.cutAtMs });
  }

  const shortestIdle = idleCuts.sort((a, b) => a.ms - b.ms)[0];

  // --- which keepalive: what the trials showed this path counts, and whether the advice held when applied
  const keepalive: KeepaliveAdvice[] = [];
  for (const t of ['sse', 'websocket', 'long-poll'] as KeepaliveTransport[]) {
    const r = input.keepalive?.[t];
    if (!r) continue;
    // One heartbeat interval for the app, from the shortest cut, as below.
    const a = keepaliveAdvice(r, shortestIdle?.ms);
    if (!a) continue;
    const v = input.keepaliveVerified?.[t];
    if (v && a.kind === v.kind && a.everyMs === v.everyMs) {
      a.verified = v.kept;
      if (!v.kept && v.detail) a.verifyDetail = v.detail;
    }
    keepalive.push(a);
  }
  if (keepalive.length) out.keepalive = keepalive;
  const kaFix = (t: Transport): FixContext['keepalive'] => {
    const a = keepalive.find((k) => k.transport === t);
    return a?.kind && a.verified !== false ? { kind: a.kind, ignored: a.ignored } : undefined;
  };

  if (shortestIdle) {
    out.heartbeatMs = Math.min(HEARTBEAT_CAP_MS, belowCut(shortestIdle.ms));
    notes.push(
      `heartbeat every ${formatDuration(out.heartbeatMs)}: half the ${formatDuration(shortestIdle.ms)} ${shortestIdle.t} idle timeout measured${
        idleCuts.length > 1 ? ` (the shorter of ${idleCuts.map((c) => `${c.t} ${formatDuration(c.ms)}`).join(' and ')})` : ''
      }${out.heartbeatMs === HEARTBEAT_CAP_MS ? `, capped at ${formatDuration(HEARTBEAT_CAP_MS)}` : ''}.`,
    );
    // One heartbeat for the app, from the shortest cut: two intervals side by side would only confuse.
    for (const c of idleCuts) addFix(c.t, 'idle-timeout', fixFor('idle-timeout', c.t, product, { idleCutMs: shortestIdle.ms, keepalive: kaFix(c.t) }));
  } else if (STREAMS.some((t) => input.idle[t]?.outcome === 'none')) {
    out.heartbeatMs = Math.min(HEARTBEAT_CAP_MS, belowCut(input.maxIdleMs));
    notes.push(
      `heartbeat every ${formatDuration(out.heartbeatMs)}: no silent stream was cut up to ${formatDuration(input.maxIdleMs)} here; a heartbeat still guards against NAT and firewall flows that expire (docs/proxy-behaviour.md#nat-gateways-and-stateful-firewalls) and paths that change.`,
    );
  }

  const shortestDuration = durationCuts.sort((a, b) => a.ms - b.ms)[0];
  if (shortestDuration) {
    out.reconnectBeforeMs = round100(shortestDuration.ms * RECONNECT_SHARE);
    notes.push(
      `reconnect streams before ${formatDuration(out.reconnectBeforeMs)}: ${shortestDuration.t} streams kept busy with heartbeats were still cut after ${formatDuration(shortestDuration.ms)}.`,
    );
    for (const c of durationCuts) addFix(c.t, 'max-duration', fixFor('max-duration', c.t, product));
  }

  // --- long-poll hold: below the idle cut of a response that has sent nothing yet, and below any duration cap.
  const lpCell = input.cells?.find((c) => c.transport === 'long-poll');
  const lpCut = lpCell?.checks.find((c) => c.id === 'hold')?.measured.cutAtMs;
  const holdLimits = [
    ...(shortestIdle ? [{ ms: shortestIdle.ms, reason: 'idle-timeout' as Reason, what: `the ${formatDuration(shortestIdle.ms)} ${shortestIdle.t} idle timeout` }] : []),
    ...(shortestDuration ? [{ ms: shortestDuration.ms, reason: 'max-duration' as Reason, what: `the ${formatDuration(shortestDuration.ms)} maximum duration` }] : []),
    ...(typeof lpCut === 'number' && lpCell && lpCell.verdict !== 'pass'
      ? [{ ms: lpCut, reason: lpCell.reason, what: `the long-poll cut at ${formatDuration(lpCut)} in the probe` }]
      : []),
  ].sort((a, b) => a.ms - b.ms);
  if (holdLimits.length > 0) {
    out.longPollHoldMs = Math.min(LONG_POLL_HOLD_CAP_MS, round100(holdLimits[0].ms * BELOW_CUT_SHARE));
    notes.push(`long-poll hold ${formatDuration(out.longPollHoldMs)}: half of ${holdLimits[0].what}${out.longPollHoldMs === LONG_POLL_HOLD_CAP_MS ? `, capped at ${formatDuration(LONG_POLL_HOLD_CAP_MS)}` : ''}.`);
    // Long-poll libraries hold 20-30 s by default: a shorter limit needs a change.
    if (out.longPollHoldMs < LIBRARY_HOLD_MS) addFix('long-poll', holdLimits[0].reason, fixFor(holdLimits[0].reason, 'long-poll', product, { idleCutMs: holdLimits[0].ms, keepalive: kaFix('long-poll') }));
  } else if (STREAMS.some((t) => input.idle[t]?.outcome === 'none')) {
    out.longPollHoldMs = LONG_POLL_HOLD_CAP_MS;
    notes.push(`long-poll hold ${formatDuration(LONG_POLL_HOLD_CAP_MS)}: nothing cut a silent stream up to ${formatDuration(input.maxIdleMs)}; 25 s stays below the 30 s first-byte limits common elsewhere.`);
  }

  // --- message sizes
  const sizeLimits = STREAMS.flatMap((t) => {
    const s = input.largestMessage[t];
    return s?.outcome === 'limit' && s.largestOkBytes !== undefined ? [{ t, bytes: s.largestOkBytes, s }] : [];
  });
  if (sizeLimits.length > 0) {
    const smallest = sizeLimits.sort((a, b) => a.bytes - b.bytes)[0];
    out.maxMessageBytes = smallest.bytes;
    for (const l of sizeLimits) {
      notes.push(
        `${l.t}: messages up to ${formatSize(l.bytes)} passed, ${formatSize(l.s.smallestFailedBytes ?? l.bytes)} failed (${l.s.how ?? 'failed'}${l.s.code !== undefined ? ` ${l.s.code}` : ''}).`,
      );
      addFix(l.t, 'message-too-large', fixFor('message-too-large', l.t, product));
    }
  }

  // --- concurrent streams
  const streamLimits = STREAMS.flatMap((t) => {
    const c = input.concurrency[t];
    return c?.outcome === 'limit' && c.accepted > 0 ? [{ t, n: c.accepted, c }] : [];
  });
  if (streamLimits.length > 0) {
    const least = streamLimits.sort((a, b) => a.n - b.n)[0];
    out.maxStreams = least.n;
    for (const l of streamLimits) {
      const r = l.c.refused;
      notes.push(`${l.t}: ${l.n} simultaneous streams were accepted; the next was refused${r ? ` (${r.status !== undefined && r.how === 'status' ? `HTTP ${r.status}` : r.how})` : ''}.`);
      addFix(l.t, 'connection-limit', fixFor('connection-limit', l.t, product));
    }
  }

  // --- per transport
  for (const t of TRANSPORT_ORDER) {
    const cell = input.cells?.find((c) => c.transport === t);
    out.transports.push(adviceFor(t, cell, input, out));
  }
  return out;
}

function adviceFor(t: Transport, cell: Cell | undefined, input: RecommendInput, rec: Recommendations): Recommendations['transports'][number] {
  const base: Record<string, TransportAdvice> = { pass: 'use', degraded: 'use-with-care', fail: 'avoid', skipped: 'unknown', error: 'unknown' };
  let advice: TransportAdvice = cell ? base[cell.verdict] : 'unknown';
  const why: string[] = [];
  if (cell) why.push(cell.verdict === 'pass' ? 'passed the probe' : `${cell.verdict} in the probe${cell.reason !== 'none' ? ` (${cell.reason})` : ''}`);
  const careful = (reason: string): void => {
    if (advice === 'use') advice = 'use-with-care';
    why.push(reason);
  };
  if (t === 'sse' || t === 'websocket') {
    const idle = input.idle[t];
    const life = input.lifetime[t];
    if (!cell && idle) advice = idle.outcome === 'unknown' ? 'avoid' : 'use';
    if (idle?.outcome === 'unknown' && idle.error && advice !== 'avoid') why.push(`not measured: ${idle.error}`);
    if (isDurationCap(idle, life)) careful(`cut after ${formatDuration(life!.cutAtMs!)} even with heartbeats: reconnect before ${formatDuration(rec.reconnectBeforeMs ?? 0)} and resume`);
    else {
      if (idle?.outcome === 'cut' && idle.timeoutMs !== undefined && rec.heartbeatMs !== undefined) {
        const ka = rec.keepalive?.find((k) => k.transport === t);
        const what = ka?.kind ? KIND_LABEL[ka.kind] : t === 'sse' ? 'comment line' : 'ping';
        careful(`idle timeout ${formatDuration(idle.timeoutMs)}: ${what} every ${formatDuration(ka?.everyMs ?? rec.heartbeatMs)}`);
      }
      if (life?.outcome === 'cut' && life.cutAtMs !== undefined) careful(`cut after ${formatDuration(life.cutAtMs)} with heartbeats: reconnect and resume`);
    }
    const size = input.largestMessage[t];
    if (size?.outcome === 'limit' && size.largestOkBytes !== undefined) careful(`messages up to ${formatSize(size.largestOkBytes)}`);
    const conc = input.concurrency[t];
    if (conc?.outcome === 'limit' && conc.accepted > 0) careful(`at most ${conc.accepted} at once`);
  }
  if (t === 'long-poll' && rec.longPollHoldMs !== undefined && advice !== 'avoid') why.push(`hold ${formatDuration(rec.longPollHoldMs)}`);
  if (advice === 'unknown' && why.length === 0) why.push('not probed');
  return { transport: t, advice, why: why.join('; ') };
}
