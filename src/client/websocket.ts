/**
 * WebSocket probes with the `ws` client. A WebSocket counts as working only
 * after a round trip (engine.io's "probe"), not after a 101: some proxies
 * answer the handshake and then forward nothing.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Observation } from '../observation/types';
import { CheckRecorder, classifyError, pickHeaders, snippet, Waiter } from './recorder';
import { fetchSeen } from './http';
import { endpointUrl, wsUrl } from './target';
import type { CheckContext, CheckRunner } from './probe-types';
import { wsAgentFor } from './ws-via';
import { readFirstBytes } from '../util/net';

type Params = Record<string, string | number | boolean | undefined>;

interface WsSessionSpec {
  params: Params;
  payloadBytes: number;
  until: (rec: CheckRecorder) => boolean;
  deadlineMs: number;
  /** once the first event arrived, wait this long from then instead */
  deadlineFromFirstEventMs?: number;
  expectedEndSeq?: number;
  onOpen?: (ws: WebSocket, conn: number) => void;
  onBinary?: (data: Buffer) => void;
  onText?: (text: string) => boolean;
  /** after a connection closes: params for the next one, or undefined to stop */
  reconnect?: (rec: CheckRecorder) => Params | undefined;
}

async function wsSession(ctx: CheckContext, rec: CheckRecorder, spec: WsSessionSpec): Promise<void> {
  const live = new Set<WebSocket>();
  // Done when the check has what it needs, or when no connection is left to wait on.
  const waiter = new Waiter(() => spec.until(rec) || (live.size === 0 && rec.answers.length > 0), spec.deadlineMs);
  let connection = -1;

  const connect = (params: Params): void => {
    const conn = ++connection;
    const url = wsUrl(endpointUrl(ctx.target, '/ws', { ...params, channel: ctx.channel, probe: ctx.probeId }));
    let socketError: string | undefined;
    let opened = false;
    let closedByUs = false;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: ctx.options.connectTimeoutMs,
      maxPayload: 64 * 1024 * 1024,
      agent: wsAgentFor(ctx.target),
    });
    live.add(ws);
    ws.on('upgrade', (res: IncomingMessage) => {
      rec.answer({ status: res.statusCode, headers: pickHeaders((h) => res.headers[h] as string | undefined) });
      (res.socket as Socket).on('error', (e) => (socketError = classifyError(e).code));
    });
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const answer = rec.answer({ status: res.statusCode, headers: pickHeaders((h) => res.headers[h] as string | undefined) });
      readFirstBytes(res, (head) => {
        answer.bodySnippet = snippet(head.toString('utf8'));
        rec.end({ how: 'error-status', connection: conn, code: res.statusCode });
        res.destroy();
        live.delete(ws);
        waiter.poke();
      });
    });
    ws.on('open', () => {
      opened = true;
      spec.onOpen?.(ws, conn);
      waiter.poke();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) spec.onBinary?.(data);
      else {
        const text = data.toString('utf8');
        if (!spec.onText?.(text)) {
          const a = rec.arrival(text, conn, spec.payloadBytes);
          // The schedule runs from the first event, however late the stream started.
          if (a && rec.arrivals.length === 1 && spec.deadlineFromFirstEventMs !== undefined) waiter.extend(spec.deadlineFromFirstEventMs);
        }
      }
      rec.extra.bytes = ((rec.extra.bytes as number) ?? 0) + data.length;
      waiter.poke();
    });
    ws.on('error', (err) => {
      if (!opened && !rec.answers.some((a) => a.status !== undefined && a.atMs >= 0 && connection === conn && a.status !== 101)) {
        const c = classifyError(err);
        // 'unexpected-response' already recorded non-101 answers.
        if (!/Unexpected server response/.test(c.message)) {
          rec.answer({ error: { code: c.code, message: c.message } });
          rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
        }
      }
      waiter.poke();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      live.delete(ws);
      if (!opened || closedByUs) return void waiter.poke();
      const last = rec.arrivals.filter((a) => a.connection === conn).at(-1);
      let how: 'complete' | 'clean-close' | 'reset';
      if (code === 1006) how = socketError === 'ECONNRESET' ? 'reset' : 'clean-close';
      else how = code === 1000 && spec.expectedEndSeq !== undefined && last?.seq === spec.expectedEndSeq ? 'complete' : 'clean-close';
      rec.end({ how, connection: conn, code, detail: reason.toString('utf8') || (socketError ?? (code === 1006 ? 'no close frame' : '')) });
      const next = spec.reconnect?.(rec);
      if (next) connect(next);
      waiter.poke();
    });
    (ws as WebSocket & { _closedByUs?: () => void })._closedByUs = () => (closedByUs = true);
  };

  connect(spec.params);
  try {
    await waiter.done;
  } finally {
    for (const ws of live) {
      if (ws.readyState === WebSocket.OPEN) rec.end({ how: 'open', connection: connection, detail: 'still open when the check stopped' });
      (ws as WebSocket & { _closedByUs?: () => void })._closedByUs?.();
      ws.terminate();
    }
  }
  rec.extra.connections = connection + 1;
  rec.extra.requests = connection + 1;
}

const hasSeq = (rec: CheckRecorder, seq: number): boolean => rec.arrivals.some((a) => a.seq === seq);

async function silentStream(ctx: CheckContext, check: 'idle' | 'duration'): Promise<Observation> {
  const silentMs = ctx.options.idleMs;
  const heartbeatMs = check === 'duration' ? ctx.options.heartbeatMs : ctx.options.mitigation?.heartbeatMs;
  const rec = new CheckRecorder('websocket', check, { channel: ctx.channel, count: 2, intervalMs: silentMs, silentMs, heartbeatMs });
  await wsSession(ctx, rec, {
    params: { count: 2, silentMs, heartbeatMs, close: true },
    payloadBytes: 16,
    until: (r) => hasSeq(r, 2) || r.ends.length > 0,
    deadlineMs: silentMs + ctx.options.graceMs + ctx.options.connectTimeoutMs,
    deadlineFromFirstEventMs: silentMs + ctx.options.graceMs,
    expectedEndSeq: 2,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const websocketChecks: Record<string, CheckRunner> = {
  /** The handshake alone: 101 or what came back instead. */
  async connect(ctx) {
    const rec = new CheckRecorder('websocket', 'connect');
    await wsSession(ctx, rec, {
      params: { count: 0 },
      payloadBytes: 0,
      until: (r) => r.answers.length > 0 && (r.answers[0].status === 101 ? r.extra.opened === true : true),
      deadlineMs: ctx.options.connectTimeoutMs + 1000,
      onOpen: () => (rec.extra.opened = true),
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  /** Client → server → client, text and binary. */
  async echo(ctx) {
    const rec = new CheckRecorder('websocket', 'echo');
    const text = `echo-${randomBytes(8).toString('hex')}`;
    const binary = randomBytes(64);
    const sent: { text?: number; binary?: number } = {};
    const echo: { textRttMs?: number; binaryRttMs?: number; textOk: boolean; binaryOk: boolean } = { textOk: false, binaryOk: false };
    await wsSession(ctx, rec, {
      params: { count: 0 },
      payloadBytes: 0,
      until: () => echo.textOk && echo.binaryOk,
      deadlineMs: ctx.options.connectTimeoutMs + 3000,
      onOpen: (ws) => {
        sent.text = rec.now();
        ws.send(text);
        sent.binary = rec.now();
        ws.send(binary, { binary: true });
      },
      onText: (t) => {
        if (t !== text) return false;
        echo.textOk = true;
        echo.textRttMs = Math.round((rec.now() - (sent.text ?? 0)) * 10) / 10;
        return true;
      },
      onBinary: (b) => {
        if (b.equals(binary)) {
          echo.binaryOk = true;
          echo.binaryRttMs = Math.round((rec.now() - (sent.binary ?? 0)) * 10) / 10;
        }
      },
    });
    rec.extra.echo = echo;
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  async delivery(ctx) {
    const { deliveryCount: count, deliveryIntervalMs: intervalMs } = ctx.options;
    const rec = new CheckRecorder('websocket', 'delivery', { channel: ctx.channel, count, intervalMs });
    await wsSession(ctx, rec, {
      params: { count, intervalMs, close: true },
      payloadBytes: 16,
      until: (r) => hasSeq(r, count) || r.ends.length > 0,
      deadlineMs: count * intervalMs + ctx.options.graceMs + ctx.options.connectTimeoutMs,
      deadlineFromFirstEventMs: count * intervalMs + ctx.options.graceMs + 1000,
      expectedEndSeq: count,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  idle: (ctx) => silentStream(ctx, 'idle'),
  duration: (ctx) => silentStream(ctx, 'duration'),

  /** The origin closes after event 3; the client reconnects with ?since= and must miss nothing. */
  async resume(ctx) {
    const count = 6;
    const rec = new CheckRecorder('websocket', 'resume', { channel: ctx.channel, count, intervalMs: 150, endAfter: 3 });
    await wsSession(ctx, rec, {
      params: { count, intervalMs: 150, endAfter: 3, close: true },
      payloadBytes: 16,
      until: (r) => hasSeq(r, count) || r.ends.length >= 3 || r.ends.some((e) => e.how === 'error-status'),
      deadlineMs: count * 150 + ctx.options.graceMs + 2000,
      expectedEndSeq: count,
      reconnect: (r) => {
        if (hasSeq(r, count) || r.ends.length >= 3) return undefined;
        const since = Math.max(0, ...r.arrivals.map((a) => a.seq));
        return { count, intervalMs: 150, since, close: true };
      },
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },

  /** A large event pushed by the server, and a large binary frame echoed back. */
  async large(ctx) {
    const payloadBytes = ctx.options.largeBytes;
    const rec = new CheckRecorder('websocket', 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes });
    const frame = randomBytes(payloadBytes);
    const echo = { sentBytes: payloadBytes, echoedOk: false, echoedBytes: 0 };
    await wsSession(ctx, rec, {
      params: { count: 1, payloadBytes },
      payloadBytes,
      until: (r) => (hasSeq(r, 1) && echo.echoedOk) || r.ends.length > 0,
      deadlineMs: ctx.options.largeTimeoutMs,
      onOpen: (ws) => ws.send(frame, { binary: true }),
      onBinary: (b) => {
        echo.echoedBytes = b.length;
        echo.echoedOk = b.equals(frame);
      },
    });
    rec.extra.echo = echo;
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  },
};
