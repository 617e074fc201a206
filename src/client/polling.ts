/**
 * The polling client: short polls (`GET /poll`) and long polls (`GET
 * /long-poll`) with fetch, each request recorded as an answer and its events
 * as arrivals. Polls read the same channels as the streams; `since` is the
 * client's cursor.
 */
import diagnostics from 'node:diagnostics_channel';
import { fetchFor } from './http';
import { classifyError, evidenceHeaders, snippet, type CheckRecorder } from './recorder';
import { endpointUrl, type Params, type ProbeTarget } from './target';
import { pause } from '../util/wait';

export type PollPath = '/poll' | '/long-poll';

export interface PollAnswer {
  status?: number;
  /** each event's wire JSON */
  events: string[];
  seqs: number[];
  /** the channel's last seq, as the origin reported it */
  last?: number;
  channel?: string;
}

/**
 * One poll request, recorded as an answer; its events become arrivals (a seq
 * seen before is not recorded twice unless `keepRepeats`).
 */
export async function pollOnce(
  target: ProbeTarget,
  rec: CheckRecorder,
  path: PollPath,
  params: Params,
  opts: {
    payloadBytes: number;
    timeoutMs: number;
    /**
     * Count `timeoutMs` from when the request was written, not from the call:
     * setting up the connection (a CONNECT, a TLS handshake, a busy proxy's
     * accept queue) gets up to this long of its own first. A held long poll's
     * deadline is then the hold plus a grace, however slowly it got there.
     */
    sendTimeoutMs?: number;
    /**
     * Asked once when the deadline runs out, before giving up: more time to
     * wait, and what to say if that runs out too (a held long poll whose
     * request reached the origin late is due a hold after that), or nothing.
     */
    extendDeadline?: () => Promise<DeadlineExtension | undefined>;
    keepRepeats?: boolean;
    signal?: AbortSignal;
  },
): Promise<PollAnswer> {
  const url = endpointUrl(target, path, params);
  rec.requests++;
  let res: Response;
  const deadline = requestDeadline(url, opts.timeoutMs, opts.sendTimeoutMs, opts.extendDeadline);
  try {
    res = await fetchFor(target)(url, { signal: opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal });
  } catch (err) {
    deadline.clear();
    const c = classifyError(err);
    const timedOut = (err as Error)?.name === 'TimeoutError';
    // With sendTimeoutMs, a request never written is not one the path held: NOT_SENT.
    rec.answer({ error: { code: timedOut ? (deadline.unsent() ? 'NOT_SENT' : 'TIMEOUT') : c.code, message: timedOut ? deadline.message() : c.message } });
    return { events: [], seqs: [] };
  }
  const headers = evidenceHeaders(res.headers.entries());
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    // The deadline can also run out while the body is read (a head came, then nothing).
    const timedOut = (err as Error)?.name === 'TimeoutError';
    const c = classifyError(err);
    rec.answer({ status: res.status, headers, error: timedOut ? { code: 'TIMEOUT', message: deadline.message('complete answer') } : { code: c.code, message: c.message } });
    return { status: res.status, events: [], seqs: [] };
  } finally {
    deadline.clear();
  }
  rec.received(Buffer.byteLength(text));
  const answer = rec.answer({ status: res.status, headers });
  if (res.status === 204) return { status: 204, events: [], seqs: [] };
  let body: { events?: unknown[]; last?: number; channel?: string };
  try {
    body = JSON.parse(text) as typeof body;
    if (!Array.isArray(body.events)) throw new Error('no events array');
  } catch {
    answer.bodySnippet = snippet(text);
    return { status: res.status, events: [], seqs: [] };
  }
  if (res.status !== 200) answer.bodySnippet = snippet(text);
  // Someone else's data: only a cache that ignores the query string does that.
  if (body.channel !== undefined && params.channel !== undefined && body.channel !== params.channel) rec.foreignChannel = body.channel;
  const events = body.events.map((e) => JSON.stringify(e));
  const seqs: number[] = [];
  for (const raw of events) {
    const seq = (JSON.parse(raw) as { seq: number }).seq;
    seqs.push(seq);
    if (opts.keepRepeats || !rec.hasSeq(seq)) rec.arrival(raw, rec.answers.length - 1, opts.payloadBytes);
  }
  return { status: res.status, events, seqs, last: body.last, channel: body.channel };
}

/** undici writes a request's head to its socket: the moment a request was sent (https://undici.nodejs.org/#/docs/api/DiagnosticsChannel). */
const SEND_HEADERS = 'undici:client:sendHeaders';

export interface DeadlineExtension {
  ms: number;
  /** the timeout's message should the extension run out too */
  message: string;
}

/**
 * A request's deadline, as an AbortSignal that fires with a TimeoutError:
 * `timeoutMs` after the call, or with `sendTimeoutMs`, `timeoutMs` after
 * undici wrote the request (and at most `sendTimeoutMs + timeoutMs` after the
 * call, should that never be seen); then, once, whatever `extend` grants.
 */
function requestDeadline(
  url: URL | string,
  timeoutMs: number,
  sendTimeoutMs?: number,
  extend?: () => Promise<DeadlineExtension | undefined>,
): { signal: AbortSignal; clear: () => void; message: (what?: string) => string; unsent: () => boolean } {
  const ac = new AbortController();
  const u = new URL(url);
  const pathAndQuery = `${u.pathname}${u.search}`;
  let sent = false;
  let cleared = false;
  let extended: DeadlineExtension | undefined;
  const abort = (): void => ac.abort(new DOMException('the request timed out', 'TimeoutError'));
  const fire = (): void => {
    if (!extend || extended || cleared) return abort();
    extend().then(
      (more) => {
        if (cleared) return;
        if (!more || more.ms <= 0) return abort();
        extended = more;
        timer = setTimeout(abort, more.ms);
      },
      () => abort(),
    );
  };
  let timer = setTimeout(fire, sendTimeoutMs === undefined ? timeoutMs : sendTimeoutMs + timeoutMs);
  // Through a forward proxy the request line carries the absolute URL: match its end.
  const onSend = (msg: unknown): void => {
    const p = (msg as { request?: { path?: unknown } }).request?.path;
    if (sent || typeof p !== 'string' || !p.endsWith(pathAndQuery)) return;
    sent = true;
    clearTimeout(timer);
    timer = setTimeout(fire, timeoutMs);
  };
  if (sendTimeoutMs !== undefined) diagnostics.subscribe(SEND_HEADERS, onSend);
  return {
    signal: ac.signal,
    clear: () => {
      cleared = true;
      clearTimeout(timer);
      if (sendTimeoutMs !== undefined) diagnostics.unsubscribe(SEND_HEADERS, onSend);
    },
    unsent: () => sendTimeoutMs !== undefined && !sent,
    message: (what = 'answer') => {
      if (extended) return extended.message;
      if (sendTimeoutMs === undefined) return `no ${what} within ${timeoutMs} ms`;
      return sent ? `no ${what} within ${timeoutMs} ms of the request being sent` : `the request was not sent within ${sendTimeoutMs + timeoutMs} ms`;
    },
  };
}

/** The highest seq received so far: the client's cursor. */
export function cursor(rec: CheckRecorder): number {
  return Math.max(0, ...rec.arrivals.map((a) => a.seq));
}

export interface PollLoopOptions {
  path: PollPath;
  params: Params;
  /** stop once this seq arrived */
  upTo: number;
  deadlineMs: number;
  /** long polls: how long the origin holds each request */
  holdMs?: number;
  /** pause between short polls (and after a long poll that did not answer 200) */
  everyMs: number;
  timeoutMs: number;
  payloadBytes?: number;
}

/** Polls with the cursor until seq `upTo` arrived, three requests failed, or the deadline passed. */
export async function pollUntil(target: ProbeTarget, rec: CheckRecorder, opts: PollLoopOptions): Promise<void> {
  const stopAt = rec.now() + opts.deadlineMs;
  const isLong = opts.path === '/long-poll';
  let failures = 0;
  while (cursor(rec) < opts.upTo && rec.now() < stopAt && failures < 3) {
    const params = { ...opts.params, since: cursor(rec), ...(isLong ? { hold: opts.holdMs } : {}) };
    const a = await pollOnce(target, rec, opts.path, params, { payloadBytes: opts.payloadBytes ?? 16, timeoutMs: opts.timeoutMs });
    if (a.status === undefined || a.status >= 400) failures++;
    // The pause is the short poll's cadence: part of the transport, not synchronisation.
    if (!isLong || a.status !== 200) await pause(opts.everyMs);
  }
}
