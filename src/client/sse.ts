/**
 * The SSE client: the WHATWG EventSource API for Node (`eventsource`) over an
 * observed fetch, so every connection it makes is recorded — the status and
 * headers of each (re)connect, the bytes, and how the body ended (FIN, RST,
 * still open). Probe checks let EventSource reconnect as browsers do;
 * measurements refuse reconnects, because they want the first connection's
 * fate, not the client's recovery.
 */
import { EventSource } from 'eventsource';
import { fetchFor } from './http';
import { classifyError, evidenceHeaders, snippet, type CheckRecorder } from './recorder';
import { endpointUrl, type Params, type ProbeTarget } from './target';
import { Condition } from '../util/wait';

export interface SseOptions {
  /** the origin's scenario parameters (channel, probe, count, silentMs…) */
  params: Params;
  /** payload size of each event, to check it arrived whole */
  payloadBytes: number;
  /** let EventSource reconnect on its own (default true) */
  reconnect?: boolean;
  /** seq after which the origin ends the stream on purpose: an end there is `complete` */
  expectedEndSeq?: number;
  /** ask for an unencoded body (Accept-Encoding: identity) */
  identity?: boolean;
  /** something was recorded: re-check your conditions */
  onChange?: () => void;
}

export interface SseStream {
  /** connection numbers whose body is still open */
  openConnections(): number[];
  /** stop it; idempotent; never recorded as an end */
  close(): void;
  /** resolves once close() was called and the connections are gone */
  readonly closed: Promise<void>;
}

const isAbort = (err: unknown): boolean => /Abort/.test((err as Error)?.name ?? '');

export function openSse(target: ProbeTarget, rec: CheckRecorder, opts: SseOptions): SseStream {
  const url = endpointUrl(target, '/sse', opts.params);
  const baseFetch = fetchFor(target);
  const reconnect = opts.reconnect ?? true;
  const open = new Set<number>();
  const readers = new Set<ReadableStreamDefaultReader<Uint8Array>>();
  /** ours, besides EventSource's: close() must end the connection even when nobody is reading the body */
  const abort = new AbortController();
  let connection = -1;
  let closedByUs = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const changed = (): void => opts.onChange?.();

  const observedFetch: typeof fetch = async (input, init) => {
    if (closedByUs || (!reconnect && connection >= 0)) throw new Error('pushthrough: no reconnect');
    const conn = ++connection;
    rec.requests++;
    rec.connections = conn + 1;
    const headers = new Headers(init?.headers);
    if (opts.identity) headers.set('accept-encoding', 'identity');
    const signal = init?.signal ? AbortSignal.any([init.signal, abort.signal]) : abort.signal;
    let res: Response;
    try {
      res = await baseFetch(input, { ...init, headers, signal });
    } catch (err) {
      if (!closedByUs && !isAbort(err)) {
        const c = classifyError(err);
        rec.answer({ error: { code: c.code, message: c.message } });
        rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
      }
      changed();
      throw err;
    }
    const answer = rec.answer({ status: res.status, headers: evidenceHeaders(res.headers.entries()) });
    const ct = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !ct.startsWith('text/event-stream') || !res.body) {
      const text = await res.text().catch(() => '');
      answer.bodySnippet = snippet(text);
      rec.end({ how: 'error-status', connection: conn, code: res.status, detail: ct || undefined });
      changed();
      return new Response(text, { status: res.status, headers: res.headers });
    }
    rec.opened();
    open.add(conn);
    changed();
    const reader = res.body.getReader();
    readers.add(reader);
    if (closedByUs) reader.cancel().catch(() => undefined);
    let bytes = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            open.delete(conn);
            const last = rec.arrivals.filter((a) => a.connection === conn).at(-1);
            const complete = opts.expectedEndSeq !== undefined && last?.seq === opts.expectedEndSeq;
            rec.end({ how: complete ? 'complete' : 'clean-close', connection: conn, detail: `end of body after ${bytes} bytes` });
            controller.close();
          } else {
            bytes += value.byteLength;
            rec.received(value.byteLength);
            controller.enqueue(value);
          }
        } catch (err) {
          open.delete(conn);
          if (!closedByUs && !isAbort(err)) {
            const c = classifyError(err);
            rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
          }
          controller.error(err);
        }
        changed();
      },
      cancel(reason) {
        open.delete(conn);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };

  const es = new EventSource(url, { fetch: observedFetch });
  es.onmessage = (m) => {
    rec.arrival(String(m.data), connection, opts.payloadBytes);
    changed();
  };
  es.onerror = () => changed();

  return {
    openConnections: () => [...open],
    close() {
      if (closedByUs) return;
      closedByUs = true;
      es.close();
      // Aborting the fetch destroys the connection (undici cannot reuse a half-read body).
      abort.abort();
      const cancels = [...readers].map((r) => r.cancel().catch(() => undefined));
      const fallback = setTimeout(resolveClosed, 2000);
      fallback.unref();
      void Promise.all(cancels).then(() => {
        clearTimeout(fallback);
        resolveClosed();
      });
    },
    closed,
  };
}

export interface SessionOptions {
  /** stop waiting once this holds */
  until: (rec: CheckRecorder) => boolean;
  deadlineMs: number;
  /** once the first event arrived, wait this long from then instead */
  deadlineFromFirstEventMs?: number;
}

/**
 * One EventSource until `until` holds or the deadline passes (the probe
 * checks' session). The schedule runs from the first event: on a loaded
 * machine a stream may start late, and that must not count against the path.
 * Whatever is still open when waiting stops is recorded as `open` (a silent
 * path keeps a stream open and sends nothing).
 */
export async function runSse(target: ProbeTarget, rec: CheckRecorder, opts: SseOptions & SessionOptions): Promise<void> {
  let started = false;
  let cond: Condition | undefined;
  const stream = openSse(target, rec, {
    ...opts,
    onChange: () => {
      if (!started && rec.arrivals.length > 0 && opts.deadlineFromFirstEventMs !== undefined) {
        started = true;
        cond?.extend(opts.deadlineFromFirstEventMs);
      }
      cond?.poke();
    },
  });
  cond = new Condition(() => opts.until(rec), { deadlineMs: opts.deadlineMs });
  try {
    await cond.settled;
  } finally {
    for (const conn of stream.openConnections()) rec.end({ how: 'open', connection: conn });
    stream.close();
  }
}
