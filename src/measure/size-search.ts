/**
 * The largest message that passes: a binary search over sizes in log scale.
 *
 *   try maxBytes ── passes → no limit up to there
 *   try minBytes ── fails  → try 16 bytes; fails too → the transport carries nothing
 *   bisect (√(lo·hi)) until hi/lo ≤ 1 + precision
 *
 * A failure is tried a second time before it counts: one reset on a loaded
 * path must not halve the answer. WebSocket: a binary message client → origin
 * and its echo back (API Gateway, Kong and APISIX limit frames and messages,
 * docs/faults.md max-message). SSE: one event of that payload from the origin.
 *
 * `searchSize` takes the trial as a parameter (testable without sockets);
 * wsEchoTrial and sseEventTrial are the real ones.
 */
import type { AnswerEvidence } from '../client/http';
import type { SizeLimit, SizeTrial, StreamTransport } from '../observation/limits';
import { formatSize } from '../util/format';
import { Condition } from '../util/wait';

export { formatSize } from '../util/format';
import { answerOf, endOf, openStream, statusOf, type StreamContext } from '../client/stream';

export type SizeTrialRunner = (bytes: number) => Promise<SizeTrial>;

export interface SizeSearchOptions {
  /** default 16 MiB (the origin's largest payloadBytes) */
  maxBytes?: number;
  /** default 1 KiB */
  minBytes?: number;
  /** stop when smallest failed / largest passed ≤ 1 + precision; default 0.05 */
  precision?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** a failure that no size would avoid (a refused WebSocket handshake): stop at once */
  isFatal?: (t: SizeTrial) => boolean;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const DEFAULT_MIN_BYTES = 1024;
const TINY_BYTES = 16;

export async function searchSize(transport: StreamTransport, trial: SizeTrialRunner, opts: SizeSearchOptions = {}): Promise<SizeLimit> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const minBytes = Math.min(opts.minBytes ?? DEFAULT_MIN_BYTES, maxBytes);
  const precision = opts.precision ?? 0.05;
  const trials: SizeTrial[] = [];
  const result = (extra: Partial<SizeLimit>): SizeLimit => ({ transport, outcome: 'unknown', searchedToBytes: maxBytes, trials, ...extra });
  const say = (line: string): void => opts.onProgress?.(`${transport} largest message: ${line}`);
  const aborted = (): boolean => opts.signal?.aborted === true;

  // A failure counts once it happened twice in a row.
  const attempt = async (bytes: number): Promise<SizeTrial> => {
    const t = await trial(bytes);
    trials.push(t);
    if (t.ok || aborted()) return t;
    const again = await trial(bytes);
    trials.push(again);
    return again;
  };
  const failure = (t: SizeTrial): Partial<SizeLimit> => ({ how: t.how, code: t.code });

  const failed = (t: SizeTrial): string => `${t.how === 'status' ? `HTTP ${t.code}` : `${t.how ?? 'failed'}${t.code !== undefined ? ` ${t.code}` : ''}`}${t.detail ? `: ${t.detail}` : ''}`;

  say(`trying ${formatSize(maxBytes)}`);
  const top = await attempt(maxBytes);
  if (top.ok) return result({ outcome: 'none', largestOkBytes: maxBytes });
  if (opts.isFatal?.(top)) return result({ error: `no message could be sent (${failed(top)})`, ...failure(top) });
  if (aborted()) return result({ partial: true, smallestFailedBytes: maxBytes, ...failure(top) });
  let lo: number;
  let hi = maxBytes;
  let lastFail = top;
  const bottom = await attempt(minBytes);
  if (bottom.ok) lo = minBytes;
  else {
    if (aborted()) return result({ partial: true });
    const tiny = await attempt(TINY_BYTES);
    if (!tiny.ok) {
      return result({ error: `even a ${TINY_BYTES}-byte message failed (${failed(tiny)})`, ...failure(tiny) });
    }
    lo = TINY_BYTES;
    hi = minBytes;
    lastFail = bottom;
  }
  while (hi / lo > 1 + precision && !aborted()) {
    const mid = Math.round(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    say(`passed ${formatSize(lo)}, failed ${formatSize(hi)}; trying ${formatSize(mid)}`);
    const t = await attempt(mid);
    if (t.ok) lo = mid;
    else if (!aborted()) {
      hi = mid;
      lastFail = t;
    }
  }
  const out = result({ outcome: 'limit', largestOkBytes: lo, smallestFailedBytes: hi, ...failure(lastFail) });
  if (aborted() && hi / lo > 1 + precision) out.partial = true;
  say(`passed ${formatSize(lo)}, failed ${formatSize(hi)} (${lastFail.how ?? 'failed'}${lastFail.code !== undefined ? ` ${lastFail.code}` : ''})`);
  return out;
}

/** How long one size trial may take: a connect, then at least 256 KiB/s. */
function trialDeadlineMs(ctx: StreamContext, bytes: number): number {
  return ctx.connectTimeoutMs + 2000 + (bytes / (256 * 1024)) * 1000;
}

/** A recognisable, position-dependent fill, so a truncated or shifted echo never compares equal. */
function pattern(bytes: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

export interface TrialContext {
  streams: StreamContext;
  signal?: AbortSignal;
  onAnswer?: (a: AnswerEvidence) => void;
}

/** One WebSocket: send `bytes` as one binary message, wait for the identical echo. */
export function wsEchoTrial(ctx: TrialContext): SizeTrialRunner {
  return async (bytes) => {
    const data = pattern(bytes);
    let echoed: Buffer | undefined;
    let cond: Condition | undefined;
    const poke = (): void => queueMicrotask(() => cond?.poke());
    const stream = openStream('websocket', ctx.streams, { count: 0 }, {
      onOpen: () => stream.sendBinary(data),
      onBinary: (b) => {
        echoed = b;
        poke();
      },
      onChange: poke,
    });
    cond = new Condition(() => echoed !== undefined || endOf(stream) !== undefined, { deadlineMs: trialDeadlineMs(ctx.streams, bytes), signal: ctx.signal });
    const why = await cond.settled;
    stream.close();
    await stream.closed;
    const ms = Math.round(stream.rec.now());
    const status = statusOf(stream);
    if (status !== undefined && status !== 101) {
      const a = answerOf(stream, 'WebSocket /ws (message size)');
      if (a) ctx.onAnswer?.(a);
    }
    if (echoed) {
      if (echoed.equals(data)) return { bytes, ok: true, ms };
      return { bytes, ok: false, how: echoed.length === bytes ? 'corrupted' : 'truncated', detail: `echo of ${echoed.length} bytes`, ms };
    }
    const end = endOf(stream);
    if (end) return { bytes, ok: false, how: end.how, code: end.code, detail: end.detail, ms };
    return { bytes, ok: false, how: 'silent', detail: why === 'aborted' ? 'interrupted' : `no echo within ${Math.round(ms / 1000)} s`, ms };
  };
}

/** One SSE stream with a single event of `bytes` payload; passes when it arrives whole. */
export function sseEventTrial(ctx: TrialContext): SizeTrialRunner {
  return async (bytes) => {
    let cond: Condition | undefined;
    const stream = openStream('sse', ctx.streams, { count: 1, payloadBytes: bytes, close: true }, { onChange: () => queueMicrotask(() => cond?.poke()) });
    cond = new Condition(() => stream.rec.arrivals.length > 0 || endOf(stream) !== undefined, { deadlineMs: trialDeadlineMs(ctx.streams, bytes), signal: ctx.signal });
    const why = await cond.settled;
    stream.close();
    await stream.closed;
    const ms = Math.round(stream.rec.now());
    const status = statusOf(stream);
    if (status !== undefined && status !== 200) {
      const a = answerOf(stream, 'GET /sse (event size)');
      if (a) ctx.onAnswer?.(a);
    }
    const ev = stream.rec.arrivals[0];
    if (ev) return ev.intact ? { bytes, ok: true, ms } : { bytes, ok: false, how: 'corrupted', detail: `event of ${ev.bytes} bytes did not match the origin's payload`, ms };
    const end = endOf(stream);
    if (end) {
      // The body ended before a whole event: cut in the middle of it.
      const how = end.how === 'close' && stream.rec.bytes > 0 ? 'truncated' : end.how;
      return { bytes, ok: false, how, code: end.code, detail: end.detail ?? `${stream.rec.bytes} bytes arrived`, ms };
    }
    return { bytes, ok: false, how: 'silent', detail: why === 'aborted' ? 'interrupted' : `${stream.rec.bytes} bytes arrived, no whole event within ${Math.round(ms / 1000)} s`, ms };
  };
}
