/**
 * How many simultaneous streams the path accepts: open them in batches, keep
 * them open (heartbeats keep idle timers fed), stop at the first refusal.
 *
 * A stream counts as accepted once its first event arrived — a round trip, not
 * a handshake (engine.io's "probe" rule): some paths answer 101 or 200 and
 * forward nothing. A refusal is an error status (503 + Retry-After from a
 * connection limit: HAProxy maxconn, nginx limit_conn), a reset, or no first
 * event within the connect timeout (a queue that never lets it in).
 */
import type { AnswerEvidence } from '../client/http';
import type { ConcurrencyLimit, StreamTransport } from '../observation/limits';
import { Condition } from '../util/wait';
import { answerOf, closeAll, endOf, openStream, statusOf, type MeasuredStream, type StreamContext } from '../client/stream';

export interface ConcurrencyOptions {
  transport: StreamTransport;
  streams: StreamContext;
  maxStreams: number;
  /** streams opened at once; default 8 */
  batchSize?: number;
  /** heartbeat of the held streams; default 500 ms */
  heartbeatMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  onAnswer?: (a: AnswerEvidence) => void;
}

type Fate = 'pending' | 'accepted' | 'refused';

export async function countConcurrentStreams(opts: ConcurrencyOptions): Promise<ConcurrencyLimit> {
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const heartbeatMs = opts.heartbeatMs ?? 500;
  const open: Array<{ stream: MeasuredStream; fate: Fate }> = [];
  const result: ConcurrencyLimit = { transport: opts.transport, outcome: 'unknown', accepted: 0, searchedTo: opts.maxStreams };
  const say = (line: string): void => opts.onProgress?.(`${opts.transport} concurrent streams: ${line}`);
  const fateOf = (s: MeasuredStream): Fate => {
    const ended = endOf(s) !== undefined;
    if (s.rec.arrivals.length > 0 && !ended) return 'accepted';
    if (ended || s.rec.now() > opts.streams.connectTimeoutMs) return 'refused';
    return 'pending';
  };
  // Accepted streams the path closed later do not count as open any more.
  const alive = (): number => open.filter((o) => o.fate === 'accepted' && !endOf(o.stream)).length;
  try {
    while (open.length < opts.maxStreams && !opts.signal?.aborted) {
      const n = Math.min(batchSize, opts.maxStreams - open.length);
      let cond: Condition | undefined;
      const batch = Array.from({ length: n }, () => ({
        stream: openStream(
          opts.transport,
          opts.streams,
          // One event at once, the second after an hour: held open until we close it.
          { count: 2, silentMs: 3_600_000, heartbeatMs },
          { onChange: () => queueMicrotask(() => cond?.poke()) },
        ),
        fate: 'pending' as Fate,
      }));
      open.push(...batch);
      cond = new Condition(
        () => {
          for (const b of batch) if (b.fate === 'pending') b.fate = fateOf(b.stream);
          return batch.every((b) => b.fate !== 'pending');
        },
        { deadlineMs: opts.streams.connectTimeoutMs + 2000, tickMs: 250, signal: opts.signal },
      );
      const why = await cond.settled;
      if (why === 'aborted') {
        result.partial = true;
        break;
      }
      for (const b of batch) if (b.fate === 'pending') b.fate = 'refused';
      const refused = batch.find((b) => b.fate === 'refused');
      result.accepted = Math.max(result.accepted, alive());
      say(`${alive()} open${refused ? ', refused the next' : ''}`);
      if (refused) {
        const end = endOf(refused.stream);
        result.outcome = 'limit';
        result.refused = end
          ? { how: end.how, status: statusOf(refused.stream), code: end.code, detail: end.detail }
          : { how: 'silent', status: statusOf(refused.stream), detail: `no first event within ${Math.round(opts.streams.connectTimeoutMs / 1000)} s` };
        const a = answerOf(refused.stream, `${opts.transport === 'sse' ? 'GET /sse' : 'WebSocket /ws'} refused after ${result.accepted} open streams`);
        if (a) opts.onAnswer?.(a);
        break;
      }
    }
    // Every stream up to the bound was let in (some may have been cut since: that is the idle search's business).
    if (result.outcome === 'unknown' && !result.partial) result.outcome = 'none';
    const first = open.find((o) => o.fate === 'accepted');
    if (first) {
      const a = answerOf(first.stream, opts.transport === 'sse' ? 'GET /sse' : 'WebSocket /ws');
      if (a) opts.onAnswer?.(a);
    }
    if (result.accepted === 0 && result.outcome === 'limit') result.error = 'not even one stream delivered its first event';
    return result;
  } finally {
    await closeAll(open.map((o) => o.stream));
  }
}
