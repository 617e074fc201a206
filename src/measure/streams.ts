/**
 * One observed stream (SSE or WebSocket) for the measurements: when its head
 * came, every event and every byte's arrival time, and how it ended — told
 * apart from the ends we caused ourselves. The searches open many of these at
 * once and decide from their state; nothing here judges.
 *
 * SSE uses the `eventsource` client (as src/client/sse.ts does) over an
 * observed fetch; reconnects are refused, because a measurement wants to see
 * the first connection's fate, not the client's recovery. WebSocket uses `ws`.
 */
import { performance } from 'node:perf_hooks';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { EventSource } from 'eventsource';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import WebSocket from 'ws';
import { classifyError } from '../client/recorder';
import { endpointUrl, wsUrl, type ProbeTarget } from '../client/target';
import { wsAgentFor } from '../client/ws-via';
import { payloadIntact } from '../origin/channel';
import { readFirstBytes } from '../util/net';
import type { AnswerEvidence, CutHow, StreamTransport } from './types';

/** Headers never kept as evidence (they identify the user, not the path). */
const PRIVATE_HEADERS = new Set(['set-cookie', 'cookie', 'authorization', 'proxy-authorization']);
const MAX_BODY_SNIPPET = 1024;
const MAX_WS_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Where and how the measuring streams connect. */
export interface StreamContext {
  target: ProbeTarget;
  /** undici dispatcher for the SSE fetches (no body timeout: silences are what we measure) */
  dispatcher: Dispatcher;
  connectTimeoutMs: number;
}

/**
 * An undici dispatcher without its own timeouts. undici's default `bodyTimeout`
 * (300 s) would otherwise cut a silent stream itself and be mistaken for the
 * path's idle timeout.
 */
export function measuringDispatcher(via?: string): Dispatcher {
  return via ? new ProxyAgent({ uri: via, bodyTimeout: 0, headersTimeout: 0 }) : new Agent({ bodyTimeout: 0, headersTimeout: 0 });
}

export interface ObservedEvent {
  seq: number;
  /** performance.now() at arrival */
  at: number;
  bytes: number;
  intact: boolean;
}

export interface ObservedEnd {
  how: CutHow;
  /** performance.now() */
  at: number;
  code?: string | number;
  detail?: string;
}

/** What one stream showed so far. Times are performance.now() values. */
export interface StreamState {
  transport: StreamTransport;
  startedAt: number;
  /** the head (200 / 101) arrived */
  openedAt?: number;
  status?: number;
  headers?: Record<string, string>;
  bodySnippet?: string;
  events: ObservedEvent[];
  /** last byte (event, heartbeat, ping, echo) before now or before the end */
  lastByteAt?: number;
  bytes: number;
  /** an end the path caused (never set by our own close()) */
  end?: ObservedEnd;
}

export interface ObservedStream {
  readonly state: StreamState;
  /** resolves once the connection is gone (ended, failed, or closed by us) */
  readonly closed: Promise<void>;
  /** WebSocket only: send a binary message */
  sendBinary(data: Buffer): void;
  /** stop it; idempotent; never recorded as an end */
  close(): void;
}

export interface StreamHooks {
  /** something changed (head, event, byte, end): re-check your conditions */
  onChange?: () => void;
  /** WebSocket: a binary message arrived */
  onBinary?: (data: Buffer) => void;
  /** WebSocket: the handshake completed */
  onOpen?: () => void;
}

type Params = Record<string, string | number | boolean | undefined>;

export const now = (): number => performance.now();

/** The recorder's 'clean-close' (FIN) is a 'close' here. */
const cutHow = (how: 'clean-close' | 'reset'): CutHow => (how === 'reset' ? 'reset' : 'close');

/** Lower-case headers minus private ones, values capped, for evidence. */
export function evidenceHeaders(entries: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    const name = k.toLowerCase();
    if (v === undefined || PRIVATE_HEADERS.has(name)) continue;
    out[name] = (Array.isArray(v) ? v.join(', ') : String(v)).slice(0, 200);
  }
  return out;
}

export function bodySnippet(text: string): string {
  return text.length > MAX_BODY_SNIPPET ? `${text.slice(0, MAX_BODY_SNIPPET)}…` : text;
}

/** The state's answer as evidence for the product guess. */
export function answerOf(state: StreamState, request: string): AnswerEvidence | undefined {
  if (state.status === undefined) return undefined;
  return { request, status: state.status, headers: state.headers, bodySnippet: state.bodySnippet };
}

/** Parses an origin event (the same JSON on every transport). */
function parseEvent(raw: string, expectedPayloadBytes: number): Omit<ObservedEvent, 'at'> | undefined {
  try {
    const ev = JSON.parse(raw) as { seq?: unknown; payload?: unknown };
    if (typeof ev.seq !== 'number') return undefined;
    const payload = typeof ev.payload === 'string' ? ev.payload : '';
    return { seq: ev.seq, bytes: Buffer.byteLength(raw), intact: payloadIntact(payload, expectedPayloadBytes, ev.seq) };
  } catch {
    return undefined;
  }
}

/** Opens one stream on the target's /sse or /ws with the origin scenario `params`. */
export function openStream(transport: StreamTransport, ctx: StreamContext, params: Params, hooks: StreamHooks = {}): ObservedStream {
  return transport === 'sse' ? openSse(ctx, params, hooks) : openWebSocket(ctx, params, hooks);
}

function openSse(ctx: StreamContext, params: Params, hooks: StreamHooks): ObservedStream {
  const state: StreamState = { transport: 'sse', startedAt: now(), events: [], bytes: 0 };
  const expectedPayloadBytes = Number(params.payloadBytes ?? 16);
  // X-Accel-Buffering: no (nginx's per-response switch) and no compression, so
  // the first event is visible through a buffering or gzipping path: the idle
  // timer is what is measured here, the buffering is the normal probe's job.
  // A one-hour retry keeps EventSource from reconnecting on its own.
  const url = endpointUrl(ctx.target, '/sse', { ...params, noBuffering: true, retryMs: 3_600_000 });
  let closedByUs = false;
  let connections = 0;
  /** ours, besides EventSource's: close() must end the connection even when nobody is reading the body */
  const abort = new AbortController();
  let bodyReader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const changed = (): void => hooks.onChange?.();
  const end = (e: Omit<ObservedEnd, 'at'>): void => {
    if (closedByUs || state.end) return;
    state.end = { ...e, at: now() };
    changed();
  };

  const observedFetch: typeof fetch = async (input, init) => {
    // The first connection only: a reconnect would hide the cut.
    if (connections++ > 0 || closedByUs) throw new Error('pushthrough: no reconnect while measuring');
    const headers = new Headers(init?.headers);
    headers.set('accept-encoding', 'identity');
    let res: Response;
    try {
      const signal = init?.signal ? AbortSignal.any([init.signal, abort.signal]) : abort.signal;
      res = await fetch(input, { ...init, headers, signal, dispatcher: ctx.dispatcher } as unknown as RequestInit);
    } catch (err) {
      if (!closedByUs) {
        const c = classifyError(err);
        end({ how: cutHow(c.how), code: c.code, detail: c.message });
      }
      resolveClosed();
      throw err;
    }
    state.status = res.status;
    state.headers = evidenceHeaders(res.headers.entries());
    const ct = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !ct.startsWith('text/event-stream') || !res.body) {
      const text = await res.text().catch(() => '');
      state.bodySnippet = bodySnippet(text);
      end({ how: 'status', code: res.status, detail: ct || undefined });
      resolveClosed();
      return new Response(text, { status: res.status, headers: res.headers });
    }
    state.openedAt = now();
    state.lastByteAt = state.openedAt;
    changed();
    const reader = res.body.getReader();
    bodyReader = reader;
    if (closedByUs) reader.cancel().catch(() => undefined);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end({ how: 'close', detail: `end of body after ${state.bytes} bytes` });
            resolveClosed();
            controller.close();
            return;
          }
          state.lastByteAt = now();
          state.bytes += value.byteLength;
          controller.enqueue(value);
          changed();
        } catch (err) {
          if (!closedByUs) {
            const c = classifyError(err);
            end({ how: cutHow(c.how), code: c.code, detail: c.message });
          }
          resolveClosed();
          controller.error(err);
        }
      },
      cancel(reason) {
        resolveClosed();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };

  const es = new EventSource(url, { fetch: observedFetch });
  es.onmessage = (m) => {
    const ev = parseEvent(String(m.data), expectedPayloadBytes);
    if (ev) {
      state.events.push({ ...ev, at: now() });
      changed();
    }
  };
  es.onerror = () => changed();

  return {
    state,
    closed,
    sendBinary() {
      throw new Error('sendBinary: SSE streams are one-way');
    },
    close() {
      if (closedByUs) return;
      closedByUs = true;
      // Aborting the fetch destroys the connection (undici cannot reuse a half-read body).
      es.close();
      abort.abort();
      bodyReader?.cancel().catch(() => undefined);
      if (bodyReader || state.end) resolveClosed();
      // A fetch that never started has nothing to wait for.
      if (connections === 0) resolveClosed();
      setTimeout(resolveClosed, 2000).unref();
    },
  };
}

function openWebSocket(ctx: StreamContext, params: Params, hooks: StreamHooks): ObservedStream {
  const state: StreamState = { transport: 'websocket', startedAt: now(), events: [], bytes: 0 };
  const expectedPayloadBytes = Number(params.payloadBytes ?? 16);
  const url = wsUrl(endpointUrl(ctx.target, '/ws', params));
  let closedByUs = false;
  let socketError: string | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const changed = (): void => hooks.onChange?.();
  const end = (e: Omit<ObservedEnd, 'at'>): void => {
    if (closedByUs || state.end) return;
    state.end = { ...e, at: now() };
    changed();
  };

  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    handshakeTimeout: ctx.connectTimeoutMs,
    maxPayload: MAX_WS_PAYLOAD_BYTES,
    agent: wsAgentFor(ctx.target),
  });
  ws.on('upgrade', (res: IncomingMessage) => {
    state.status = res.statusCode;
    state.headers = evidenceHeaders(Object.entries(res.headers));
    (res.socket as Socket).on('error', (e) => (socketError = classifyError(e).code));
  });
  ws.on('unexpected-response', (req, res: IncomingMessage) => {
    state.status = res.statusCode;
    state.headers = evidenceHeaders(Object.entries(res.headers));
    readFirstBytes(res, (head) => {
      state.bodySnippet = bodySnippet(head.toString('utf8'));
      end({ how: 'status', code: res.statusCode });
      res.destroy();
      req.destroy();
      resolveClosed();
    });
  });
  ws.on('open', () => {
    state.openedAt = now();
    state.lastByteAt = state.openedAt;
    hooks.onOpen?.();
    changed();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    state.lastByteAt = now();
    state.bytes += data.length;
    if (isBinary) hooks.onBinary?.(data);
    else {
      const ev = parseEvent(data.toString('utf8'), expectedPayloadBytes);
      if (ev) state.events.push({ ...ev, at: state.lastByteAt });
    }
    changed();
  });
  // Server pings (the origin's heartbeatMs) are bytes on the wire too; ws answers them itself.
  ws.on('ping', () => {
    state.lastByteAt = now();
    changed();
  });
  ws.on('error', (err) => {
    const c = classifyError(err);
    socketError ??= c.code;
    // Before the handshake completed: refused, timed out, reset. After it, 'close' follows.
    if (state.openedAt === undefined && !/Unexpected server response/.test(c.message)) end({ how: cutHow(c.how), code: c.code, detail: c.message });
  });
  ws.on('close', (code: number, reason: Buffer) => {
    resolveClosed();
    if (state.openedAt === undefined) return;
    // 1006 = no close frame (RFC 6455 §7.1.5): FIN or RST underneath.
    const how: CutHow = code === 1006 && socketError === 'ECONNRESET' ? 'reset' : 'close';
    end({ how, code, detail: reason.toString('utf8') || (code === 1006 ? (socketError ?? 'no close frame') : undefined) });
  });

  return {
    state,
    closed,
    sendBinary(data) {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
    },
    close() {
      if (closedByUs) return;
      closedByUs = true;
      if (ws.readyState === WebSocket.CLOSED) resolveClosed();
      ws.terminate();
      setTimeout(resolveClosed, 2000).unref();
    },
  };
}

/** Closes every stream and waits (bounded) until their connections are gone. */
export async function closeAll(streams: Iterable<ObservedStream>): Promise<void> {
  const all = [...streams];
  for (const s of all) s.close();
  await Promise.all(all.map((s) => s.closed));
}

/**
 * Resolves when `done()` holds (re-checked on every change a stream reports
 * through `poke`, and on a slow tick for time-based conditions), when the
 * signal aborts, or at the deadline. Event-driven, never a bare sleep.
 */
export class Condition {
  private resolve!: (why: 'done' | 'aborted' | 'deadline') => void;
  readonly settled: Promise<'done' | 'aborted' | 'deadline'>;
  private readonly timers: NodeJS.Timeout[] = [];
  private finished = false;

  constructor(
    private readonly done: () => boolean,
    opts: { deadlineMs?: number; tickMs?: number; signal?: AbortSignal },
  ) {
    this.settled = new Promise((r) => (this.resolve = r));
    if (opts.signal?.aborted) {
      this.finish('aborted');
      return;
    }
    const onAbort = (): void => this.finish('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.settled.then(() => opts.signal?.removeEventListener('abort', onAbort));
    if (opts.deadlineMs !== undefined) this.timers.push(setTimeout(() => this.finish('deadline'), Math.max(0, opts.deadlineMs)));
    // Time-based conditions (a silence long enough to call a stream dropped) need a clock, not an event.
    if (opts.tickMs !== undefined) this.timers.push(setInterval(() => this.poke(), opts.tickMs));
    queueMicrotask(() => this.poke());
  }

  poke(): void {
    if (!this.finished && this.done()) this.finish('done');
  }

  private finish(why: 'done' | 'aborted' | 'deadline'): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
    this.resolve(why);
  }
}
