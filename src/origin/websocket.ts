/**
 * WebSocket (RFC 6455) on /ws: pushes the channel's events as JSON text
 * messages and echoes every client message, text as text and binary as
 * binary. Baseline sends no pings; `heartbeatMs` adds server pings (§5.5.2),
 * which real proxies count as traffic for their idle timers.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Channel } from './channel';
import type { ScenarioParams } from './params';
import { eventJson } from '../protocol/events';

export function serveWebSocket(ws: WebSocket, _req: IncomingMessage, ch: Channel, p: ScenarioParams, onFinish: () => void): void {
  let heartbeat: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    unsubscribe();
    if (heartbeat) clearInterval(heartbeat);
    onFinish();
  };
  const closeDone = (): void => {
    finish();
    if (ws.readyState === ws.OPEN) ws.close(1000, 'done');
  };
  ws.on('message', (data, isBinary) => {
    if (ws.readyState === ws.OPEN) ws.send(data, { binary: isBinary });
  });
  // Broken frames and vanished peers surface here; never let them crash the origin.
  ws.on('error', () => ws.terminate());
  ws.on('close', finish);
  let unsubscribe: () => void = () => {};
  unsubscribe = ch.subscribe(
    p.since,
    (e) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(eventJson(ch.id, e));
      if (p.endAfter !== undefined && e.seq === p.endAfter) setImmediate(closeDone);
    },
    () => {
      if (p.closeWhenDone) setImmediate(closeDone);
    },
  );
  if (p.heartbeatMs !== undefined) {
    heartbeat = setInterval(() => {
      if (ws.readyState === ws.OPEN) ws.ping();
    }, p.heartbeatMs);
  }
}
