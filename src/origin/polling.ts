/**
 * Short polling (`GET /poll`) answers at once; long polling (`GET /long-poll`)
 * holds the request until an event after `since` exists (200) or `hold`
 * elapses (204). Baseline answers are plain `application/json` with no
 * Cache-Control and no ETag, so a caching proxy shows as it is; `noStore=1`
 * adds `Cache-Control: no-store` (the mitigation).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Channel, OriginEvent } from './channel';
import type { ScenarioParams } from './params';
import { eventJson } from '../protocol/events';

function pollBody(ch: Channel, events: OriginEvent[]): string {
  const items = events.map((e) => eventJson(ch.id, e)).join(',');
  return `{"channel":${JSON.stringify(ch.id)},"last":${ch.lastSeq},"done":${ch.done},"events":[${items}]}`;
}

function headers(p: ScenarioParams, body: string): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (p.noStore) h['Cache-Control'] = 'no-store';
  return h;
}

export function handlePoll(_req: IncomingMessage, res: ServerResponse, ch: Channel, p: ScenarioParams): void {
  const body = pollBody(ch, ch.since(p.since));
  res.writeHead(200, headers(p, body));
  res.end(body);
}

export function handleLongPoll(req: IncomingMessage, res: ServerResponse, ch: Channel, p: ScenarioParams, onFinish: () => void): void {
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
      const body = pollBody(ch, ch.since(p.since));
      res.writeHead(200, headers(p, body));
      res.end(body);
    }
    onFinish();
  };
  // Answer as soon as one event after `since` exists (backlog included).
  let unsubscribe: () => void = () => {};
  const timer = setTimeout(() => finish(204), p.holdMs);
  unsubscribe = ch.subscribe(p.since, () => setImmediate(() => finish(200)));
  req.on('close', () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    onFinish();
  });
}
