/**
 * WebSocket (RFC 6455) on /ws: pushes the channel's events as JSON text
 * messages and echoes every client message, text as text and binary as
 * binary, except the client's heartbeat message. Baseline sends no pings;
 * `heartbeatMs` adds server pings (§5.5.2), or with `keepalive=message` a
 * text heartbeat message, to learn which of them a path counts as activity.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Backlog, Channel } from './channel';
import type { ScenarioParams } from './params';
import type { OriginContext } from './server';
import { TURN_BYTES } from '../util/turns';
import { WS_HEARTBEAT_TEXT } from '../protocol/events';

const HEARTBEAT_BYTES = Buffer.byteLength(WS_HEARTBEAT_TEXT);

export function serveWebSocket(ws: WebSocket, req: IncomingMessage, ch: Channel, backlog: Backlog, p: ScenarioParams, onFinish: () => void, ctx: OriginContext): void {
  let heartbeat: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    ctx.unread.remove(ws);
    unsubscribe();
    if (heartbeat) clearInterval(heartbeat);
    onFinish();
  };
  const closeDone = (): void => {
    finish();
    if (ws.readyState === ws.OPEN) ws.close(1000, 'done');
  };
  /**
   * Sends, unless the peer has fallen too far behind (it does not read what
   * it is sent, echoes included): then it is cut with a logged reason instead
   * of the origin buffering for it without bound.
   */
  ctx.unread.add(ws, (why) => {
    ctx.log(`disconnected a slow WebSocket reader (${req.socket.remoteAddress ?? '?'} ${req.url ?? ''}): ${why}`);
    finish();
    ws.terminate();
  });
  // Backpressure on what the peer sends: while its echoes are not being
  // taken, its next messages are not read (TCP then slows the sender down),
  // so a client that sends and never reads costs neither memory nor CPU.
  const pauseAt = Math.min(1024 * 1024, ctx.limits.maxUnreadBytes / 4);
  // And a peer sending bulk gets TURN_BYTES of echoes per turn of the event
  // loop, then waits for the next: every other connection gets a turn between.
  let turnBytes = 0;
  let yielding = false;
  const flushed = (): void => {
    ctx.unread.note(ws, ws.bufferedAmount);
    if (!yielding && ws.isPaused && ws.bufferedAmount < pauseAt / 2 && ws.readyState === ws.OPEN) ws.resume();
  };
  const send = (data: Parameters<WebSocket['send']>[0], binary: boolean): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(data, { binary }, flushed);
    if (ws.bufferedAmount > pauseAt && !ws.isPaused) ws.pause();
    const why = ctx.unread.afterWrite(ws, ws.bufferedAmount);
    if (why) {
      ctx.log(`disconnected a slow WebSocket reader (${req.socket.remoteAddress ?? '?'} ${req.url ?? ''}): ${why}`);
      finish();
      ws.terminate();
    }
  };
  const nextTurn = (): void => {
    yielding = false;
    turnBytes = 0;
    flushed();
  };
  ws.on('message', (data: Buffer, isBinary) => {
    // A client heartbeat is one-way traffic: echoing it would feed the path's idle timer from this side too.
    if (!isBinary && data.length === HEARTBEAT_BYTES && data.toString('latin1') === WS_HEARTBEAT_TEXT) return;
    send(data, isBinary);
    turnBytes += data.length;
    if (turnBytes >= TURN_BYTES && !yielding && ws.readyState === ws.OPEN) {
      yielding = true;
      if (!ws.isPaused) ws.pause();
      setImmediate(nextTurn);
    }
  });
  // Broken frames and vanished peers surface here; never let them crash the origin.
  ws.on('error', () => ws.terminate());
  ws.on('close', finish);
  let unsubscribe: () => void = () => {};
  const endsAt = p.endAfter !== undefined && backlog.since < p.endAfter ? p.endAfter : undefined;
  unsubscribe = ch.follow(
    backlog,
    (e) => {
      // A backlog that already holds events past endAfter (a reader that came late) must still end the stream there;
      // a stream that starts past it (the reconnect after that end, with Last-Event-ID or since) is not ended by it.
      if (endsAt !== undefined && e.seq > endsAt) return;
      send(e.joined, false);
      if (p.endAfter !== undefined && e.seq === p.endAfter) setImmediate(closeDone);
    },
    () => {
      if (p.closeWhenDone) setImmediate(closeDone);
    },
  );
  // The backlog may already have cut a slow reader, before there was anything to unsubscribe.
  if (finished) unsubscribe();
  if (p.heartbeatMs !== undefined) {
    heartbeat = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return;
      if (p.keepalive === 'message') send(WS_HEARTBEAT_TEXT, false);
      else ws.ping();
    }, p.heartbeatMs);
  }
}
