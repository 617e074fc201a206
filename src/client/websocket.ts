/**
 * The WebSocket client (`ws`), every connection recorded: the handshake's
 * answer (101 or what came back instead, with the first bytes of the page),
 * each event and byte, pings, and how the connection ended — a close frame, a
 * FIN without one (1006), an RST — told apart from the ends we caused.
 *
 * A WebSocket counts as working only after a round trip (engine.io's "probe"),
 * not after a 101: the checks and measurements built on this decide that.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { classifyError, evidenceHeaders, snippet, type CheckRecorder } from './recorder';
import { endpointUrl, targetHeaders, tlsOptionsFor, wsUrl, type Params, type ProbeTarget } from './target';
import { wsAgentFor } from './ws-via';
import { WS_HEARTBEAT_TEXT } from '../protocol/events';
import { readFirstBytes } from '../util/net';
import { Condition } from '../util/wait';

const MAX_WS_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface WsOptions {
  params: Params;
  payloadBytes: number;
  handshakeTimeoutMs: number;
  /** seq after which the origin closes on purpose: a 1000 there is `complete` */
  expectedEndSeq?: number;
  onOpen?: (ws: WebSocket) => void;
  /** a text message that is not an origin event (an echo); return true when consumed */
  onText?: (text: string) => boolean;
  onBinary?: (data: Buffer) => void;
  /** something was recorded: re-check your conditions */
  onChange?: () => void;
  /** the client's own keepalive once open: a ping or a heartbeat text message (never echoed) every `everyMs` */
  clientKeepalive?: { kind: 'ping' | 'message'; everyMs: number };
}

export interface WsConnection {
  readonly ws: WebSocket;
  /** its number among the check's connections (0 = first) */
  readonly connection: number;
  /** the handshake completed */
  isOpen(): boolean;
  /** the connection is gone (ended, refused, or closed by us) */
  isGone(): boolean;
  sendBinary(data: Buffer): void;
  /** stop it; idempotent; never recorded as an end */
  close(): void;
  readonly closed: Promise<void>;
}

export function openWebSocket(target: ProbeTarget, rec: CheckRecorder, opts: WsOptions): WsConnection {
  const conn = rec.connections++;
  rec.requests++;
  const url = wsUrl(endpointUrl(target, '/ws', opts.params));
  let opened = false;
  let answered = false;
  let gone = false;
  let closedByUs = false;
  let socketError: string | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const changed = (): void => opts.onChange?.();
  let keepalive: NodeJS.Timeout | undefined;
  const finish = (): void => {
    gone = true;
    clearInterval(keepalive);
    resolveClosed();
    changed();
  };

  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    handshakeTimeout: opts.handshakeTimeoutMs,
    maxPayload: MAX_WS_PAYLOAD_BYTES,
    agent: wsAgentFor(target),
    headers: targetHeaders(target),
    ...tlsOptionsFor(target),
  });
  ws.on('upgrade', (res: IncomingMessage) => {
    rec.answer({ status: res.statusCode, headers: evidenceHeaders(Object.entries(res.headers)) });
    (res.socket as Socket).on('error', (e) => (socketError = classifyError(e).code));
  });
  ws.on('unexpected-response', (req, res: IncomingMessage) => {
    answered = true;
    const answer = rec.answer({ status: res.statusCode, headers: evidenceHeaders(Object.entries(res.headers)) });
    readFirstBytes(res, (head) => {
      answer.bodySnippet = snippet(head.toString('utf8'));
      rec.end({ how: 'error-status', connection: conn, code: res.statusCode });
      res.destroy();
      req.destroy();
      finish();
    });
  });
  ws.on('open', () => {
    opened = true;
    rec.opened();
    const beat = opts.clientKeepalive;
    if (beat) {
      keepalive = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (beat.kind === 'ping') ws.ping();
        else ws.send(WS_HEARTBEAT_TEXT);
      }, beat.everyMs);
    }
    opts.onOpen?.(ws);
    changed();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    rec.received(data.length);
    if (isBinary) opts.onBinary?.(data);
    else {
      const text = data.toString('utf8');
      if (!opts.onText?.(text)) rec.arrival(text, conn, opts.payloadBytes);
    }
    changed();
  });
  // Server pings (the origin's heartbeatMs) are bytes on the wire too; ws answers them itself.
  // So are the pongs that answer the client's own pings.
  for (const control of ['ping', 'pong'] as const) {
    ws.on(control, () => {
      rec.received(0);
      changed();
    });
  }
  ws.on('error', (err) => {
    const c = classifyError(err);
    socketError ??= c.code;
    // Before the handshake completed: refused, timed out, reset. After it, 'close' follows.
    if (!opened && !answered && !closedByUs) {
      answered = true;
      rec.answer({ error: { code: c.code, message: c.message } });
      rec.end({ how: c.how, connection: conn, code: c.code, detail: c.message });
    }
    changed();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    if (opened && !closedByUs) {
      const last = rec.arrivals.filter((a) => a.connection === conn).at(-1);
      // 1006 = no close frame (RFC 6455 §7.1.5): FIN or RST underneath.
      const how = code === 1006 ? (socketError === 'ECONNRESET' ? 'reset' : 'clean-close') : code === 1000 && opts.expectedEndSeq !== undefined && last?.seq === opts.expectedEndSeq ? 'complete' : 'clean-close';
      rec.end({ how, connection: conn, code, detail: reason.toString('utf8') || (code === 1006 ? (socketError ?? 'no close frame') : '') });
    }
    finish();
  });

  return {
    ws,
    connection: conn,
    isOpen: () => opened && ws.readyState === WebSocket.OPEN,
    isGone: () => gone,
    sendBinary(data) {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
    },
    close() {
      if (closedByUs) return;
      closedByUs = true;
      clearInterval(keepalive);
      if (ws.readyState === WebSocket.CLOSED) resolveClosed();
      ws.terminate();
      setTimeout(resolveClosed, 2000).unref();
    },
    closed,
  };
}

export interface WsSessionOptions extends WsOptions {
  until: (rec: CheckRecorder) => boolean;
  deadlineMs: number;
  /** once the first event arrived, wait this long from then instead */
  deadlineFromFirstEventMs?: number;
  /** after a connection closes: params for the next one, or undefined to stop */
  reconnect?: (rec: CheckRecorder) => Params | undefined;
}

/**
 * WebSocket connections until `until` holds, no connection is left to wait
 * on, or the deadline passes (the probe checks' session); `reconnect` plays a
 * client that comes back with its cursor. A connection still open when waiting
 * stops is recorded as `open`.
 */
export async function runWebSocket(target: ProbeTarget, rec: CheckRecorder, opts: WsSessionOptions): Promise<void> {
  const all: WsConnection[] = [];
  let cond: Condition | undefined;
  let started = false;
  const connect = (params: Params): void => {
    let ended = false;
    const self: WsConnection = openWebSocket(target, rec, {
      ...opts,
      params,
      onChange: () => {
        if (!started && rec.arrivals.length > 0 && opts.deadlineFromFirstEventMs !== undefined) {
          started = true;
          cond?.extend(opts.deadlineFromFirstEventMs);
        }
        if (!ended && self.isGone() && !cond?.isSettled) {
          ended = true;
          const next = opts.reconnect?.(rec);
          if (next) connect(next);
        }
        cond?.poke();
      },
    });
    all.push(self);
  };
  connect(opts.params);
  cond = new Condition(() => opts.until(rec) || all.every((c) => c.isGone()), { deadlineMs: opts.deadlineMs });
  try {
    await cond.settled;
  } finally {
    for (const c of all) {
      if (c.isOpen()) rec.end({ how: 'open', connection: c.connection, detail: 'still open when the check stopped' });
      c.close();
    }
  }
}
