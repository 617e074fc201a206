/**
 * The origin on its own: each endpoint's contract, and that no bad input
 * crashes it — raw sockets play the broken peers (as ws's own tests do).
 */
import net from 'node:net';
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';

let origin: RunningOrigin;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterAll(() => origin.close());

/** Sends raw bytes, resolves with everything the origin answered before closing (or the deadline). */
function raw(bytes: string | Buffer, deadlineMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(origin.port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, deadlineMs);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

async function healthy(): Promise<void> {
  const res = await fetch(`${origin.url}/health`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe('ok');
}

describe('endpoints', () => {
  it('/poll answers at once with events after since; plain JSON, no Cache-Control, no ETag', async () => {
    const res = await fetch(`${origin.url}/poll?channel=p1&count=3&intervalMs=20`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    const body = (await res.json()) as { events: Array<{ seq: number; offsetMs: number; emittedAt: number }> };
    expect(body.events[0]).toMatchObject({ seq: 1 });
    expect(typeof body.events[0].offsetMs).toBe('number');
    expect(typeof body.events[0].emittedAt).toBe('number');
    const noStore = await fetch(`${origin.url}/poll?channel=p1&noStore=1`);
    expect(noStore.headers.get('cache-control')).toBe('no-store');
  });

  it('/long-poll holds until an event exists (200) or the hold elapses (204)', async () => {
    const t0 = Date.now();
    const empty = await fetch(`${origin.url}/long-poll?channel=lp0&count=0&hold=300`);
    expect(empty.status).toBe(204);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await fetch(`${origin.url}/poll?channel=lp1&count=2&intervalMs=200`);
    const soon = await fetch(`${origin.url}/long-poll?channel=lp1&since=1&hold=5000`);
    expect(soon.status).toBe(200);
    expect(((await soon.json()) as { events: Array<{ seq: number }> }).events.map((e) => e.seq)).toEqual([2]);
  });

  it('/sse: event-stream with retry:, id: lines; Last-Event-ID resumes; the baseline sends no helpers', async () => {
    const res = await fetch(`${origin.url}/sse?channel=s1&count=4&intervalMs=10&close=1&retryMs=1234`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBeNull();
    const text = await res.text();
    expect(text.startsWith('retry: 1234\n\n')).toBe(true);
    expect(text.match(/^id: (\d+)$/gm)).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4']);
    const resumed = await (await fetch(`${origin.url}/sse?channel=s1&close=1`, { headers: { 'Last-Event-ID': '2' } })).text();
    expect(resumed.match(/^id: (\d+)$/gm)).toEqual(['id: 3', 'id: 4']);
    // Nothing after the last event of a finished stream: 204 tells EventSource to stop.
    expect((await fetch(`${origin.url}/sse?channel=s1`, { headers: { 'Last-Event-ID': '4' } })).status).toBe(204);
    const mitigated = await fetch(`${origin.url}/sse?channel=s2&count=1&close=1&noBuffering=1&pad=1`);
    expect(mitigated.headers.get('x-accel-buffering')).toBe('no');
    expect((await mitigated.text()).startsWith(`:${' '.repeat(2048)}\n\n`)).toBe(true);
  });

  it('/ws pushes events, echoes text and binary, and resumes with ?since=', async () => {
    const ws = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?channel=w1&count=3&intervalMs=10`);
    const seqs: number[] = [];
    const echoed: Array<string | Buffer> = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send('hello');
        ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
      });
      ws.on('message', (d: Buffer, binary: boolean) => {
        if (binary) echoed.push(d);
        else if (d.toString() === 'hello') echoed.push('hello');
        else seqs.push((JSON.parse(d.toString()) as { seq: number }).seq);
        if (seqs.length === 3 && echoed.length === 2) resolve();
      });
    });
    ws.close();
    expect(seqs).toEqual([1, 2, 3]);
    expect(echoed).toContainEqual(Buffer.from([0, 1, 2, 255]));
    const again = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?channel=w1&since=2&close=1`);
    const first = await new Promise<number>((resolve, reject) => {
      again.on('error', reject);
      again.on('message', (d: Buffer) => resolve((JSON.parse(d.toString()) as { seq: number }).seq));
    });
    again.terminate();
    expect(first).toBe(3);
  });

  it('keepalive: SSE comment or named event, WebSocket ping or message, a long poll trickled; a client heartbeat is never echoed', async () => {
    // SSE: heartbeatMs alone sends comments; keepalive=event a named event EventSource ignores unless asked.
    const comments = await (await fetch(`${origin.url}/sse?count=2&silentMs=250&close=1&heartbeatMs=40`)).text();
    expect(comments).toMatch(/^: heartbeat$/m);
    const events = await (await fetch(`${origin.url}/sse?count=2&silentMs=250&close=1&heartbeatMs=40&keepalive=event`)).text();
    expect(events).toContain('event: heartbeat\ndata: {}\n\n');
    expect(events).not.toMatch(/^: heartbeat$/m);
    // A held long poll with a trickle: the head goes out early, spaces follow, the answer is still valid JSON.
    const started = Date.now();
    const res = await fetch(`${origin.url}/long-poll?count=0&hold=400&heartbeatMs=50&keepalive=trickle`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(300);
    const body = await res.text();
    expect(body).toMatch(/^ {3,}\{/);
    expect(JSON.parse(body)).toMatchObject({ events: [] });
    // WebSocket: keepalive=message sends text heartbeats, not pings; the client's own heartbeat is not echoed, other text is.
    const ws = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?count=2&silentMs=2000&heartbeatMs=40&keepalive=message`);
    const texts: string[] = [];
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send('{"type":"heartbeat"}');
        ws.send('after');
      });
      ws.on('message', (d: Buffer) => {
        texts.push(d.toString());
        if (texts.includes('after') && texts.filter((t) => t === '{"type":"heartbeat"}').length >= 3) resolve();
      });
    });
    ws.terminate();
    expect(pings).toBe(0);
    // With no keepalive asked of the origin, the client's heartbeat gets no echo; other text does.
    const plain = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?count=2&silentMs=2000`);
    const echoes: string[] = [];
    await new Promise<void>((resolve, reject) => {
      plain.on('error', reject);
      plain.on('open', () => {
        plain.send('{"type":"heartbeat"}');
        plain.send('marker');
      });
      plain.on('message', (d: Buffer) => {
        if (!d.toString().startsWith('{"seq"')) echoes.push(d.toString());
        if (echoes.includes('marker')) resolve();
      });
    });
    plain.terminate();
    expect(echoes).toEqual(['marker']);
  });

  it('keepalive is validated per endpoint: 400 naming what each one can send', async () => {
    const res = await fetch(`${origin.url}/sse?keepalive=ping`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid parameter 'keepalive': expected on /sse: comment or event, got 'ping'");
    expect((await fetch(`${origin.url}/poll?keepalive=trickle`)).status).toBe(400);
    expect((await fetch(`${origin.url}/long-poll?keepalive=warp`)).status).toBe(400);
    await healthy();
  });

  it('/_seen records what reached the origin, with the Upgrade header and HTTP version', async () => {
    const ws = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?count=0&probe=seen-1`);
    await new Promise((r) => ws.on('open', r));
    ws.terminate();
    await fetch(`${origin.url}/poll?probe=seen-1`, { headers: { 'Last-Event-ID': '7' } });
    const seen = (await (await fetch(`${origin.url}/_seen?id=seen-1`)).json()) as { requests: Array<{ upgraded: boolean; httpVersion: string; headers: Record<string, string> }> };
    expect(seen.requests).toHaveLength(2);
    expect(seen.requests[0]).toMatchObject({ upgraded: true, httpVersion: '1.1' });
    expect(seen.requests[0].headers.upgrade).toBe('websocket');
    expect(seen.requests[1].headers['last-event-id']).toBe('7');
  });

  it('a plain GET to /ws gets 426, as ws answers it', async () => {
    const res = await fetch(`${origin.url}/ws`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
  });

  it('a cursor for a channel this instance never made is an unknown session (400)', async () => {
    const res = await fetch(`${origin.url}/poll?channel=never-made&since=5`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('session-unknown');
  });

  it('with --token, requests without it get 401; /health stays open', async () => {
    const guarded = await startOrigin({ port: 0, token: 't0k' });
    try {
      expect((await fetch(`${guarded.url}/poll`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/poll?token=t0k`)).status).toBe(200);
      expect((await fetch(`${guarded.url}/poll`, { headers: { 'X-Pushthrough-Token': 't0k' } })).status).toBe(200);
      expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('bad input never crashes it', () => {
  it('unknown path 404, bad parameter 400 naming the parameter', async () => {
    expect((await fetch(`${origin.url}/nope`)).status).toBe(404);
    for (const q of ['count=abc', 'intervalMs=-1', 'payloadBytes=99999999999', 'hold=1.5', 'channel=%00bad', 'close=maybe']) {
      const res = await fetch(`${origin.url}/sse?${q}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; param: string };
      expect(body.error).toMatch(new RegExp(`invalid parameter '${q.split('=')[0]}'`));
    }
    await healthy();
  });

  it('garbage instead of HTTP gets a 400 and the origin lives on', async () => {
    expect(await raw('\x16\x03\x01 this is not http\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw('GET /poll HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await healthy();
  });

  it('a bad upgrade request is refused, not crashed on', async () => {
    const answer = await raw('GET /ws?count=abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toMatch(/invalid parameter 'count'/);
    await healthy();
  });

  it('broken WebSocket frames after a good handshake', async () => {
    const answer = await raw(
      Buffer.concat([
        Buffer.from('GET /ws?count=0 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
        // RSV bits set, unmasked, reserved opcode: three protocol errors in one frame.
        Buffer.from([0xf3, 0x05, 1, 2, 3, 4, 5]),
      ]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 101/);
    await healthy();
  });

  it('clients vanishing mid-stream (SSE, long-poll, WebSocket)', async () => {
    for (const [i, path] of ['/sse?count=100&intervalMs=10', '/long-poll?count=0&hold=5000'].entries()) {
      const ctrl = new AbortController();
      const probe = `vanish-${i}`;
      const pending = fetch(`${origin.url}${path}&probe=${probe}`, { signal: ctrl.signal }).then((r) => r.body?.cancel(), () => undefined);
      // Abort once the origin has the request (event-driven, with a deadline).
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const seen = (await (await fetch(`${origin.url}/_seen?id=${probe}`)).json()) as { requests: unknown[] };
        if (seen.requests.length > 0) break;
        await new Promise((r) => setImmediate(r));
      }
      ctrl.abort();
      await pending;
    }
    const s = net.connect(origin.port, '127.0.0.1');
    s.write('GET /ws?count=100&intervalMs=5 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    s.resetAndDestroy();
    await healthy();
  });
});
