/**
 * Short polling (`GET /poll`) answers at once; long polling (`GET /long-poll`)
 * holds the request until an event after `since` exists (200) or `hold`
 * elapses (204). Baseline answers are plain `application/json` with no
 * Cache-Control and no ETag, so a caching proxy shows as it is; `noStore=1`
 * adds `Cache-Control: no-store` (the mitigation). An answer carries the events
 * that fit in `maxPollBytes`; the rest come with the next poll (`done` false).
 *
 * `keepalive=trickle&heartbeatMs=N` keeps a held long poll busy the way some
 * servers do: after N ms without an event the head goes out (200, chunked)
 * and one space follows every N ms (JSON allows leading whitespace); the
 * answer ends the body as usual, with no events when the hold ran out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backlog, Channel, OriginEvent } from './channel';
import type { ScenarioParams } from './params';
import type { OriginContext } from './server';

/** A poll answer as pieces (the events' own buffers, never copied), with its length. */
function pollBody(ch: Channel, events: OriginEvent[], maxBytes: number): { pieces: (string | Buffer)[]; length: number } {
  const items: OriginEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    if (items.length > 0 && bytes + e.bytes > maxBytes) break;
    items.push(e);
    bytes += e.bytes + 1;
  }
  const all = items.length === events.length;
  const pieces: (string | Buffer)[] = [`{"channel":${JSON.stringify(ch.id)},"last":${ch.lastSeq},"done":${all && ch.done},"events":[`];
  items.forEach((item, i) => {
    if (i > 0) pieces.push(',');
    pieces.push(...item.pieces);
  });
  pieces.push(']}');
  return { pieces, length: pieces.reduce((n, piece) => n + Buffer.byteLength(piece), 0) };
}

function answer(res: ServerResponse, p: ScenarioParams, body: { pieces: (string | Buffer)[]; length: number }): void {
  // A trickled answer already sent its head: its length was not known then.
  if (!res.headersSent) res.writeHead(200, headersOf(p, body.length));
  res.cork();
  for (const piece of body.pieces) res.write(piece);
  res.end();
  res.uncork();
}

function headersOf(p: ScenarioParams, length?: number): Record<string, string | number> {
  const h: Record<string, string | number> = { 'Content-Type': 'application/json' };
  if (length !== undefined) h['Content-Length'] = length;
  if (p.noStore) h['Cache-Control'] = 'no-store';
  return h;
}

export function handlePoll(_req: IncomingMessage, res: ServerResponse, ch: Channel, backlog: Backlog, p: ScenarioParams, ctx: OriginContext): void {
  answer(res, p, pollBody(ch, backlog.events, ctx.limits.maxPollBytes));
}

export function handleLongPoll(req: IncomingMessage, res: ServerResponse, ch: Channel, backlog: Backlog, p: ScenarioParams, onFinish: () => void, ctx: OriginContext): void {
  let finished = false;
  // What the answer carries: collected as it comes, never asked of the ring
  // again (it may have moved on by the time the answer leaves).
  const events: OriginEvent[] = [];
  const finish = (status: 200 | 204): void => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    if (trickle) clearInterval(trickle);
    if (status === 204 && res.headersSent) {
      answer(res, p, pollBody(ch, [], ctx.limits.maxPollBytes));
    } else if (status === 204) {
      const h: Record<string, string> = {};
      if (p.noStore) h['Cache-Control'] = 'no-store';
      res.writeHead(204, h);
      res.end();
    } else {
      answer(res, p, pollBody(ch, events, ctx.limits.maxPollBytes));
    }
    onFinish();
  };
  // Answer as soon as one event after `since` exists (backlog included).
  let unsubscribe: () => void = () => {};
  const timer = setTimeout(() => finish(204), p.holdMs);
  const trickle =
    p.keepalive === 'trickle' && p.heartbeatMs !== undefined
      ? setInterval(() => {
          if (!res.headersSent) res.writeHead(200, headersOf(p));
          res.write(' ');
        }, p.heartbeatMs)
      : undefined;
  unsubscribe = ch.follow(backlog, (e) => {
    // A since ahead of the channel waits for the events after it.
    if (e.seq <= p.since) return;
    events.push(e);
    if (events.length === 1) setImmediate(() => finish(200));
  });
  req.on('close', () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    if (trickle) clearInterval(trickle);
    onFinish();
  });
}
