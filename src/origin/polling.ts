/**
 * Short polling (`GET /poll`) answers at once; long polling (`GET /long-poll`)
 * holds the request until an event after `since` exists (200) or `hold`
 * elapses (204). Baseline answers are plain `application/json` with no
 * Cache-Control and no ETag, so a caching proxy shows as it is; `noStore=1`
 * adds `Cache-Control: no-store` (the mitigation). An answer carries the events
 * that fit in `maxPollBytes`; the rest come with the next poll (`done` false).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Channel, OriginEvent } from './channel';
import type { ScenarioParams } from './params';
import { eventJson } from '../protocol/events';
import type { OriginContext } from './server';

function pollBody(ch: Channel, events: OriginEvent[], maxBytes: number): string {
  const items: string[] = [];
  let bytes = 0;
  for (const e of events) {
    const item = eventJson(ch.id, e);
    if (items.length > 0 && bytes + item.length > maxBytes) break;
    items.push(item);
    bytes += item.length + 1;
  }
  const all = items.length === events.length;
  return `{"channel":${JSON.stringify(ch.id)},"last":${ch.lastSeq},"done":${all && ch.done},"events":[${items.join(',')}]}`;
}

function headers(p: ScenarioParams, body: string): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (p.noStore) h['Cache-Control'] = 'no-store';
  return h;
}

export function handlePoll(_req: IncomingMessage, res: ServerResponse, ch: Channel, p: ScenarioParams, ctx: OriginContext): void {
  const body = pollBody(ch, ch.since(p.since), ctx.limits.maxPollBytes);
  res.writeHead(200, headers(p, body));
  res.end(body);
}

export function handleLongPoll(req: IncomingMessage, res: ServerResponse, ch: Channel, p: ScenarioParams, onFinish: () => void, ctx: OriginContext): void {
  let finished = false;
  const finish = (status: 200 | 204): void => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    if (status === 204) {
      const h: Record<string, string> = {};
      if (p.noStore) h['Cache-Control'] = 'no-store';
      res.writeHead(204, h);
      res.end();
    } else {
      const body = pollBody(ch, ch.since(p.since), ctx.limits.maxPollBytes);
      res.writeHead(200, headers(p, body));
      res.end(body);
    }
    onFinish();
  };
  // Answer as soon as one event after `since` exists (backlog included).
  let unsubscribe: () => void = () => {};
  const timer = setTimeout(() => finish(204), p.holdMs);
  unsubscribe = ch.subscribe(p.since, (e) => {
    if (e.seq > p.since) setImmediate(() => finish(200));
  });
  req.on('close', () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    onFinish();
  });
}
