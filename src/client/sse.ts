/**
 * SSE probes, with the `eventsource` client (the WHATWG EventSource API for
 * Node). Its fetch is wrapped so every connection it makes is observed: the
 * status and headers of each (re)connect, the bytes, and how the body ended
 * (FIN, RST, still open).
 */
import { EventSource } from 'eventsource';
import type { Observation } from '../observation/types';
import { CheckRecorder, classifyError, pickHeaders, snippet, Waiter } from './recorder';
import { fetchFor, fetchSeen } from './http';
import { endpointUrl } from './target';
import type { CheckContext, CheckRunner, ProbeOptions } from './probe-types';

interface SessionSpec {
  params: Record<string, string | number | boolean | undefined>;
  payloadBytes: number;
  /** stop waiting once this is true */
  until: (rec: CheckRecorder) => boolean;
  deadlineMs: number;
  /** once the first event arrived, wait this long from then instead */
  deadlineFromFirstEventMs?: number;
  /** seq after which the origin ends the stream on purpose */
  expectedEndSeq?: number;
}

function mitigationParams(o: ProbeOptions): Record<string, boolean | number | undefined> {
  return { noBuffering: o.mitigation?.noBuffering, pad: o.mitigation?.pad };
}

/** Runs one EventSource against the target until `until` holds or the deadline passes. */
async function session(ctx: CheckContext, rec: CheckRecorder, spec: SessionSpec): Promise<void> {
  const url = endpointUrl(ctx.target, '/sse', { ...spec.params, channel: ctx.channel, probe: ctx.probeId });
  const baseFetch = fetchFor(ctx.target);
  let connection = -1;
  const open = new Map<number, true>();
  const waiter = new Waiter(() => spec.until(rec), spec.deadlineMs);

  const observedFetch: typeof fetch = async (input, init) => {
    const conn = ++connection;
    let res: Response;
    try {
      res = await baseFetch(input, init);
    } catch (err) {
      const c = classifyError(err);
      if (!(err as Error)?.name?.includes('Abort')) {
        rec.answer({ error: { code: c.code, message: c.message } });
        rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
      }
      waiter.poke();
      throw err;
    }
    const answer = rec.answer({ status: res.status, headers: pickHeaders((h) => res.headers.get(h)) });
    const ct = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !ct.startsWith('text/event-stream') || !res.body) {
      const text = await res.text().catch(() => '');
      answer.bodySnippet = snippet(text);
      rec.end({ how: 'error-status', connection: conn, code: res.status, detail: ct });
      waiter.poke();
      return new Response(text, { status: res.status, headers: res.headers });
    }
    open.set(conn, true);
    const reader = res.body.getReader();
    let bytes = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            open.delete(conn);
            const last = rec.arrivals.filter((a) => a.connection === conn).at(-1);
            const complete = spec.expectedEndSeq !== undefined && last?.seq === spec.expectedEndSeq;
            rec.end({ how: complete ? 'complete' : 'clean-close', connection: conn, detail: `${bytes} bytes` });
            controller.close();
            waiter.poke();
          } else {
            bytes += value.byteLength;
            rec.extra.bytes = ((rec.extra.bytes as number) ?? 0) + value.byteLength;
            controller.enqueue(value);
          }
        } catch (err) {
          open.delete(conn);
          if (!(err as Error)?.name?.includes('Abort')) {
            const c = classifyError(err);
            rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
          }
          controller.error(err);
          waiter.poke();
        }
      },
      cancel(reason) {
        open.delete(conn);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };

  const es = new EventSource(url, { fetch: observedFetch });
  let started = false;
  es.onmessage = (m) => {
    const a = rec.arrival(m.data, connection, spec.payloadBytes);
    // The schedule runs from the first event: on a loaded machine the stream
    // may start late, and the deadline must not count that against the path.
    if (a && !started && spec.deadlineFromFirstEventMs !== undefined) {
      started = true;
      waiter.extend(spec.deadlineFromFirstEventMs);
    }
    waiter.poke();
  };
  es.onerror = () => waiter.poke();
  try {
    await waiter.done;
  } finally {
    // Whatever is still open when we stop waiting stayed open: a silent path.
    for (const conn of open.keys()) rec.end({ how: 'open', connection: conn });
    es.close();
  }
  rec.extra.connections = connection + 1;
  rec.extra.requests = connection + 1;
}

const hasSeq = (rec: CheckRecorder, seq: number): boolean => rec.arrivals.some((a) => a.seq === seq);
const ended = (rec: CheckRecorder): boolean => rec.ends.length > 0;

export const sseChecks: Record<string, CheckRunner> = {
  /** One request: does an event-stream come back at all, and from whom. */
  async connect(ctx) {
    const rec = new CheckRecorder('sse', 'connect');
    const url = endpointUrl(ctx.target, '/sse', { channel: ctx.channel, probe: ctx.probeId, count: 1, close: true });
    try {
      const res = await fetchFor(ctx.target)(url, { headers: { Accept: 'text/event-stream' }, signal: AbortSignal.timeout(ctx.options.connectTimeoutMs) });
      const text = await res.text();
      rec.answer({ status: res.status, headers: pickHeaders((h) => res.headers.get(h)), bodySnippet: snippet(text) });
      rec.extra.hasEvent = /^data:/m.test(text);
    } catch (err) {
      const c = classifyError(err);
      rec.answer({ error: { code: c.code, message: c.message } });
    }
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  async delivery(ctx) {
    const { deliveryCount: count, deliveryIntervalMs: intervalMs } = ctx.options;
    const rec = new CheckRecorder('sse', 'delivery', { channel: ctx.channel, count, intervalMs, mitigations: ctx.mitigationNames });
    await session(ctx, rec, {
      params: { count, intervalMs, close: true, retryMs: 250, ...mitigationParams(ctx.options) },
      payloadBytes: 16,
      until: (r) => (hasSeq(r, count) && ended(r)) || r.ends.filter((e) => e.how === 'error-status').length > 0 || r.answers.length > 4,
      deadlineMs: count * intervalMs + ctx.options.graceMs + ctx.options.connectTimeoutMs,
      deadlineFromFirstEventMs: count * intervalMs + ctx.options.graceMs + 1000,
      expectedEndSeq: count,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  async idle(ctx) {
    return silentStream(ctx, 'idle');
  },

  async duration(ctx) {
    return silentStream(ctx, 'duration');
  },

  /** The origin ends the stream after event 3; the client must reconnect with Last-Event-ID and miss nothing. */
  async resume(ctx) {
    const count = 6;
    const rec = new CheckRecorder('sse', 'resume', { channel: ctx.channel, count, intervalMs: 150, endAfter: 3 });
    await session(ctx, rec, {
      params: { count, intervalMs: 150, endAfter: 3, close: true, retryMs: 100, ...mitigationParams(ctx.options) },
      payloadBytes: 16,
      until: (r) => hasSeq(r, count) || r.answers.length >= 4 || r.ends.some((e) => e.how === 'error-status'),
      deadlineMs: count * 150 + ctx.options.graceMs + 2000,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  async large(ctx) {
    const payloadBytes = ctx.options.largeBytes;
    const rec = new CheckRecorder('sse', 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes });
    await session(ctx, rec, {
      params: { count: 1, payloadBytes, close: true, ...mitigationParams(ctx.options) },
      payloadBytes,
      until: (r) => hasSeq(r, 1) || r.ends.length > 0,
      deadlineMs: ctx.options.largeTimeoutMs,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },
};

/**
 * One event, silence (idle) or heartbeats only (duration) for idleMs, then one
 * more event. The second event arriving on the first connection means the
 * stream survived.
 */
async function silentStream(ctx: CheckContext, check: 'idle' | 'duration'): Promise<Observation> {
  const silentMs = ctx.options.idleMs;
  const heartbeatMs = check === 'duration' ? ctx.options.heartbeatMs : ctx.options.mitigation?.heartbeatMs;
  const rec = new CheckRecorder('sse', check, { channel: ctx.channel, count: 2, intervalMs: silentMs, silentMs, heartbeatMs });
  await session(ctx, rec, {
    params: { count: 2, silentMs, heartbeatMs, close: true, retryMs: 100, ...mitigationParams(ctx.options) },
    payloadBytes: 16,
    // Stop at the second event, or once a cut stream has been answered again
    // (the reconnect's status is part of the evidence).
    until: (r) => hasSeq(r, 2) || (r.ends.length > 0 && r.answers.length >= 2) || r.answers.length > 3,
    deadlineMs: silentMs + ctx.options.graceMs + ctx.options.connectTimeoutMs,
    deadlineFromFirstEventMs: silentMs + ctx.options.graceMs,
    expectedEndSeq: 2,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

