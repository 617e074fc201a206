/**
 * The origin's bounds (it may face the internet): budgets per request, few
 * and short-lived channels, a ring of history, slow readers cut, credentials
 * never handed out. Each limit is set small here so its edge is reached fast.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { DEFAULT_LIMITS } from '../../../src/origin/limits';
import { until } from '../../helpers/until';

const started: RunningOrigin[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.close()));
});

async function origin(limits: Partial<typeof DEFAULT_LIMITS> = {}, log?: (line: string) => void): Promise<RunningOrigin> {
  const o = await startOrigin({ port: 0, limits, log });
  started.push(o);
  return o;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A log that can be waited on: resolves at the first matching line, or rejects at the deadline. */
function logSink(): { log: (line: string) => void; lines: string[]; next: (re: RegExp, deadlineMs: number) => Promise<string> } {
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  return {
    lines,
    log(line) {
      lines.push(line);
      for (const w of waiters.filter((x) => x.re.test(line))) w.resolve(line);
    },
    next(re, deadlineMs) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no log line ${re} within ${deadlineMs} ms`)), deadlineMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
  };
}


describe('budgets: a request over budget is 400 naming the limit', () => {
  it('the audit’s one-request OOM: a named endless channel of 16 MiB events every 10 ms', async () => {
    const o = await origin();
    const r = await getJson(`${o.url}/poll?channel=boom&count=1000000&intervalMs=10&payloadBytes=16777216`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'over-budget' });
    expect(String(r.body.error)).toMatch(/count × payloadBytes = 16000000 MiB, at most 256 MiB \(--max-scenario-mib\)/);
    // …and the channel was never created: a poll with a cursor on it is an unknown session.
    expect((await getJson(`${o.url}/poll?channel=boom&since=1`)).status).toBe(400);
  });

  it('a rate above the limit, with the interval that would be allowed', async () => {
    const o = await origin();
    const r = await getJson(`${o.url}/sse?count=10&intervalMs=10&payloadBytes=1048576`.replace('/sse', '/poll'));
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/= 100 MiB\/s, at most 16 MiB\/s \(--max-rate-mib\); with payloadBytes=1048576 use intervalMs >= 63/);
  });

  it('one large event is not a rate: the measurement’s 16 MiB event still passes', async () => {
    const o = await origin();
    const res = await fetch(`${o.url}/poll?count=1&payloadBytes=16777216`);
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(16_777_216);
  });
});

it('the audit’s RangeError: a poll never builds an answer larger than maxPollBytes; the rest comes next time', async () => {
  const o = await origin({ maxPollBytes: 3 * 1024 * 1024 });
  await fetch(`${o.url}/poll?channel=big&count=4&intervalMs=100&payloadBytes=1048576`);
  // A long poll answers as soon as the last event exists.
  expect((await fetch(`${o.url}/long-poll?channel=big&since=3&hold=5000`)).status).toBe(200);
  const first = (await getJson(`${o.url}/poll?channel=big`)).body;
  expect((first.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual([1, 2]);
  expect(first.done).toBe(false);
  const rest = (await getJson(`${o.url}/poll?channel=big&since=2`)).body;
  expect((rest.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual([3, 4]);
});

it('at most maxChannels live named channels: the next is 429 with Retry-After; idle ones expire', async () => {
  const o = await origin({ maxChannels: 3, channelIdleMs: 300 });
  for (const c of ['a', 'b', 'c']) expect((await getJson(`${o.url}/poll?channel=${c}&count=1`)).status).toBe(200);
  const res = await fetch(`${o.url}/poll?channel=d&count=1`);
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(((await res.json()) as { error: string }).error).toMatch(/at most 3 \(--max-channels\)/);
  // Nobody reads a, b and c: they stop and go, and d gets in.
  expect(await until(async () => (await fetch(`${o.url}/poll?channel=d&count=1`)).status === 200, 5000)).toBe(true);
});

it('history is a ring: resume within it works, older is 410 Gone with the oldest kept', async () => {
  const o = await origin({ historyEvents: 5 });
  await fetch(`${o.url}/poll?channel=ring&count=20&intervalMs=10`);
  expect((await fetch(`${o.url}/long-poll?channel=ring&since=19&hold=5000`)).status).toBe(200);
  const recent = (await getJson(`${o.url}/poll?channel=ring&since=15`)).body;
  expect((recent.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
  const gone = await getJson(`${o.url}/poll?channel=ring&since=2`);
  expect(gone.status).toBe(410);
  expect(gone.body).toMatchObject({ code: 'gone', oldest: 16 });
  // The same for an SSE reconnect and a WebSocket resume.
  expect((await fetch(`${o.url}/sse?channel=ring`, { headers: { 'Last-Event-ID': '3' } })).status).toBe(410);
  const ws = new WebSocket(`${o.url.replace('http', 'ws')}/ws?channel=ring&since=3`);
  const status = await new Promise<number | undefined>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => resolve(101));
    ws.on('error', () => resolve(undefined));
  });
  ws.terminate();
  expect(status).toBe(410);
});

describe('a reader that falls behind is disconnected with a logged reason, not buffered for', () => {
  it('SSE: a client that never reads', async () => {
    const sink = logSink();
    const o = await origin({ maxUnreadBytes: 2 * 1024 * 1024 }, sink.log);
    const socket = net.connect(o.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`GET /sse?intervalMs=10&payloadBytes=131072 HTTP/1.1\r\nHost: x\r\n\r\n`);
    socket.pause();
    const line = await sink.next(/disconnected a slow SSE reader/, 15_000);
    expect(line).toMatch(/bytes written and not taken, at most 2097152 \(--max-unread-mib\)/);
    socket.destroy();
  });

  it('WebSocket: a client that sends but never reads its echoes is read no further, then cut by the send timeout', async () => {
    const sink = logSink();
    const o = await origin({ maxUnreadBytes: 2 * 1024 * 1024, sendTimeoutMs: 1_000 }, sink.log);
    const ws = new WebSocket(`${o.url.replace('http', 'ws')}/ws?count=0`);
    await new Promise((r) => ws.once('open', r));
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    const chunk = Buffer.alloc(256 * 1024, 1);
    const closed = new Promise((r) => ws.once('close', r));
    const sender = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(chunk), 5);
    const line = await sink.next(/disconnected a slow WebSocket reader/, 15_000).finally(() => clearInterval(sender));
    expect(line).toMatch(/bytes waiting and none taken for \d+\.\d s, at most 1 s \(--send-timeout\)/);
    ws.terminate();
    await closed;
  });
});

describe('the token and /_seen', () => {
  it('a token is checked (header or query), and /_seen never hands out credentials', async () => {
    const o = await startOrigin({ port: 0, token: 's3cret' });
    started.push(o);
    expect((await fetch(`${o.url}/poll?count=1`)).status).toBe(401);
    expect((await fetch(`${o.url}/poll?count=1`, { headers: { 'X-Pushthrough-Token': 'wrong' } })).status).toBe(401);
    const ok = await fetch(`${o.url}/poll?count=1&probe=cred`, { headers: { 'X-Pushthrough-Token': 's3cret', Authorization: 'Bearer abc.def', Cookie: 'sid=42' } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${o.url}/poll?count=1&probe=qtok&token=s3cret`)).status).toBe(200);
    const seen = await getJson(`${o.url}/_seen?id=cred`, { 'X-Pushthrough-Token': 's3cret' });
    const headers = (seen.body.requests as Array<{ headers: Record<string, string> }>)[0].headers;
    expect(headers.authorization).toBe('present, 14 bytes');
    expect(headers.cookie).toBe('present, 6 bytes');
    expect(headers['x-pushthrough-token']).toBe('present, 6 bytes');
    const q = await getJson(`${o.url}/_seen?id=qtok`, { 'X-Pushthrough-Token': 's3cret' });
    expect((q.body.requests as Array<{ path: string }>)[0].path).toMatch(/token=\(redacted\)/);
    expect(JSON.stringify(seen.body) + JSON.stringify(q.body)).not.toMatch(/abc\.def|sid=42|s3cret/);
  });
});
