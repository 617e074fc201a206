/**
 * One stream opened for a measurement (or a keepalive trial), on the same clients as the probe's
 * checks (src/client/sse.ts, src/client/websocket.ts), recorded into its own
 * recorder. Measurements want the first connection's fate, so SSE never
 * reconnects here; `X-Accel-Buffering: no` and an unencoded body keep the
 * first event visible through a buffering or gzipping path, since the idle
 * timer is what is measured (buffering is the probe's business).
 */
import type { AnswerEvidence } from './http';
import { arrivedAt, CheckRecorder, endSeen, type StreamEndSeen } from './recorder';
import { openSse } from './sse';
import { closeConnectionGroup } from './http';
import { uniqueId, type Params, type ProbeTarget } from './target';
import { openWebSocket, type WsOptions } from './websocket';
import type { CheckId } from '../observation/types';
import type { StreamTransport } from '../observation/limits';

/** Where and how the measuring streams connect. */
export interface StreamContext {
  target: ProbeTarget;
  connectTimeoutMs: number;
}

export interface StreamHooks {
  /** something changed (head, event, byte, end): re-check your conditions */
  onChange?: () => void;
  /** WebSocket: a binary message arrived */
  onBinary?: (data: Buffer) => void;
  /** WebSocket: the handshake completed */
  onOpen?: () => void;
  /** WebSocket: the client's own keepalive (a ping or a heartbeat message every N ms) */
  clientKeepalive?: WsOptions['clientKeepalive'];
}

export interface MeasuredStream {
  readonly transport: StreamTransport;
  /** what the stream showed so far; times are ms since it was opened */
  readonly rec: CheckRecorder;
  /** WebSocket only: send a binary message */
  sendBinary(data: Buffer): void;
  /** stop it; idempotent; never recorded as an end */
  close(): void;
  readonly closed: Promise<void>;
}

export type { StreamEndSeen } from '../client/recorder';

/** Opens one stream on the target's /sse or /ws with the origin scenario `params`, recorded as part of `check`. */
export function openStream(transport: StreamTransport, ctx: StreamContext, params: Params, hooks: StreamHooks = {}, check: CheckId = 'idle'): MeasuredStream {
  const rec = new CheckRecorder(transport, check);
  const payloadBytes = Number(params.payloadBytes ?? 16);
  if (transport === 'sse') {
    // Every measured stream on a connection of its own, as over HTTP/1.1: on one
    // shared HTTP/2 session a neighbour's bytes would keep an idle stream's connection alive.
    const target: ProbeTarget = { ...ctx.target, connectionGroup: uniqueId('stream') };
    // A one-hour retry keeps EventSource from even trying to reconnect.
    const s = openSse(target, rec, { params: { ...params, noBuffering: true, retryMs: 3_600_000 }, payloadBytes, reconnect: false, identity: true, onChange: hooks.onChange });
    const closed = s.closed.then(() => closeConnectionGroup(target));
    return {
      transport,
      rec,
      sendBinary() {
        throw new Error('sendBinary: SSE streams are one-way');
      },
      close: () => s.close(),
      closed,
    };
  }
  const ws = openWebSocket(ctx.target, rec, {
    params,
    payloadBytes,
    handshakeTimeoutMs: ctx.connectTimeoutMs,
    onOpen: hooks.onOpen,
    onBinary: hooks.onBinary,
    onChange: hooks.onChange,
    clientKeepalive: hooks.clientKeepalive,
  });
  return { transport, rec, sendBinary: (d) => ws.sendBinary(d), close: () => ws.close(), closed: ws.closed };
}

/** The end the path caused, if any (a status instead of the stream, FIN, RST). */
export function endOf(s: MeasuredStream): StreamEndSeen | undefined {
  return endSeen(s.rec);
}

/** When event `seq` arrived, ms since the stream opened. */
export function eventAt(s: MeasuredStream, seq: number): number | undefined {
  return arrivedAt(s.rec, seq);
}

/** The status the stream's (first) request was answered with. */
export const statusOf = (s: MeasuredStream): number | undefined => s.rec.answers.find((a) => a.status !== undefined)?.status;

/** The stream's answer as evidence for the product guess. */
export function answerOf(s: MeasuredStream, request: string): AnswerEvidence | undefined {
  const a = s.rec.answers.find((x) => x.status !== undefined);
  if (!a) return undefined;
  return { request, status: a.status, headers: a.headers, bodySnippet: a.bodySnippet };
}

/** Closes every stream and waits (bounded) until their connections are gone. */
export async function closeAll(streams: Iterable<MeasuredStream>): Promise<void> {
  const all = [...streams];
  for (const s of all) s.close();
  await Promise.all(all.map((s) => s.closed));
}
