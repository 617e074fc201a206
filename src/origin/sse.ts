/**
 * Server-Sent Events (WHATWG HTML §9.2). Baseline: `text/event-stream` and
 * `Cache-Control: no-cache`, as the spec's examples do, and nothing else that
 * helps a proxy: no X-Accel-Buffering, no padding, no heartbeat. Honours
 * Last-Event-ID so a reconnect resumes without loss; sends `retry:`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backlog, Channel } from './channel';
import { PAD_BYTES, type ScenarioParams } from './params';
import { SSE_HEARTBEAT_EVENT } from '../protocol/events';
import type { OriginContext } from './server';

export function parseLastEventId(req: IncomingMessage): number | undefined {
  const raw = req.headers['last-event-id'];
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

export function handleSse(req: IncomingMessage, res: ServerResponse, ch: Channel, backlog: Backlog, p: ScenarioParams, onFinish: () => void, ctx: OriginContext): void {
  const lastId = backlog.since;
  // A finished stream answers 204 to a reconnect: the spec's way of telling
  // the client to stop reconnecting.
  if (ch.done && lastId >= ch.total) {
    res.writeHead(204, { 'Cache-Control': 'no-cache' });
    res.end();
    onFinish();
    return;
  }
  const h: Record<string, string> = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' };
  if (p.noBuffering) h['X-Accel-Buffering'] = 'no';
  res.writeHead(200, h);

  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => {};
  const end = (): void => {
    if (ended) return;
    ended = true;
    ctx.unread.remove(res);
    unsubscribe();
    if (heartbeat) clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
    onFinish();
  };
  /**
   * Writes, unless the reader has fallen too far behind: then it is
   * disconnected with a logged reason, as real servers do, instead of the
   * origin buffering for it without bound.
   */
  ctx.unread.add(res, (why) => {
    ctx.log(`disconnected a slow SSE reader (${req.socket.remoteAddress ?? '?'} ${req.url ?? ''}): ${why}`);
    end();
    res.destroy();
  });
  const write = (...chunks: (string | Buffer)[]): void => {
    if (ended) return;
    // One event is several writes (its shared buffer is never copied); corked, they leave together.
    res.cork();
    for (const c of chunks) res.write(c, () => ctx.unread.note(res, res.writableLength));
    res.uncork();
    const why = ctx.unread.afterWrite(res, res.writableLength);
    if (why) {
      ctx.log(`disconnected a slow SSE reader (${req.socket.remoteAddress ?? '?'} ${req.url ?? ''}): ${why}`);
      end();
      res.destroy();
    }
  };
  if (p.pad) write(`:${' '.repeat(PAD_BYTES)}\n\n`);
  write(`retry: ${p.retryMs}\n\n`);
  const endsAt = p.endAfter !== undefined && backlog.since < p.endAfter ? p.endAfter : undefined;
  unsubscribe = ch.follow(
    backlog,
    (e) => {
      // A backlog that already holds events past endAfter (a reader that came late) must still end the stream there;
      // a stream that starts past it (the reconnect after that end, with Last-Event-ID or since) is not ended by it.
      if (endsAt !== undefined && e.seq > endsAt) return;
      write(`id: ${e.seq}\ndata: `, ...e.pieces, '\n\n');
      if (p.endAfter !== undefined && e.seq === p.endAfter) setImmediate(end);
    },
    () => {
      if (p.closeWhenDone) setImmediate(end);
    },
  );
  // The backlog may already have cut a slow reader, before there was anything to unsubscribe.
  if (ended) unsubscribe();
  if (p.heartbeatMs !== undefined) {
    // A comment line by default; `keepalive=event` sends a named event (a comment may be dropped on the way).
    const beat = p.keepalive === 'event' ? SSE_HEARTBEAT_EVENT : ': heartbeat\n\n';
    heartbeat = setInterval(() => write(beat), p.heartbeatMs);
  }
  req.on('close', end);
  res.on('error', end);
}
