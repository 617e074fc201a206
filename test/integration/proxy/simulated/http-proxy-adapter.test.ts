/**
 * The adapter and the proxy core without faults: plain forwarding of all four
 * transports, and every way the two sides can fail without the proxy
 * crashing or hanging.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { startSimulatedProxy, type RunningSimulatedProxy } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, rawGet, readSse, seenAt, startStack, wsClosed, wsConnect, deadline, type Stack } from '../../../helpers/simulated';
import { deadPort, startUpstream, type ScriptedUpstream } from '../../../helpers/upstream';

describe('simulated proxy without faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('forwards a short poll and the origin sees the request', async () => {
    const probe = probeId('adapter-poll');
    const r = await fetch(`${stack.proxy.url}/poll?count=2&intervalMs=10&probe=${probe}`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { channel: string };
    expect(typeof body.channel).toBe('string');
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen).toHaveLength(1);
    expect(seen[0].httpVersion).toBe('1.1');
  });

  it('streams SSE events as they are emitted', async () => {
    const rec = await readSse(stack.proxy.url, '/sse?count=4&intervalMs=150&close=1', { deadlineMs: 5000 });
    expect(rec.status).toBe(200);
    expect(rec.events).toHaveLength(4);
    // Streamed: the first event arrives long before the last one.
    expect(rec.eventsAtMs[3] - rec.eventsAtMs[0]).toBeGreaterThanOrEqual(300);
  });

  it('tunnels a WebSocket both ways', async () => {
    const probe = probeId('adapter-ws');
    const out = await wsConnect(stack.proxy.url, `/ws?count=1&intervalMs=50&probe=${probe}`);
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const pushed = await out.client.next(3000);
    expect(JSON.parse(String(pushed)).seq).toBe(1);
    out.ws.send('echo me');
    const echoed = await out.client.next(3000);
    expect(String(echoed)).toBe('echo me');
    const closed = wsClosed(out.ws, 3000);
    out.ws.close(1000);
    expect((await closed).code).toBe(1000);
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0].upgraded).toBe(true);
  });
});

describe('simulated proxy when things fail', () => {
  let proxy: RunningSimulatedProxy | undefined;
  let upstream: ScriptedUpstream | undefined;
  afterEach(async () => {
    await proxy?.close();
    await upstream?.close();
    proxy = undefined;
    upstream = undefined;
  });

  it('answers 502 when the upstream is down, and keeps answering', async () => {
    proxy = await startSimulatedProxy({ targets: [`http://127.0.0.1:${await deadPort()}`], faults: [] });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${proxy.url}/poll`);
      expect(r.status).toBe(502);
      expect(await r.text()).toContain('502 Bad Gateway');
    }
  });

  it('answers a WebSocket handshake with 502 when the upstream is down', async () => {
    proxy = await startSimulatedProxy({ targets: [`http://127.0.0.1:${await deadPort()}`], faults: [] });
    const out = await wsConnect(proxy.url, '/ws');
    expect(out).toMatchObject({ kind: 'rejected', status: 502 });
    // The proxy survived: the next request is answered too.
    expect((await fetch(`${proxy.url}/poll`)).status).toBe(502);
  });

  it('answers 502 when the upstream hangs up on a handshake', async () => {
    upstream = await startUpstream({ upgrade: (_req, socket) => socket.destroy() });
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [] });
    const out = await wsConnect(proxy.url, '/ws');
    expect(out).toMatchObject({ kind: 'rejected', status: 502 });
  });

  it('closes the client when the upstream resets an open tunnel', async () => {
    upstream = await startUpstream({
      upgrade: (req, socket) => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + `Sec-WebSocket-Accept: ${acceptKey(String(req.headers['sec-websocket-key']))}\r\n\r\n`);
        setTimeout(() => socket.resetAndDestroy(), 100);
      },
    });
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [] });
    const out = await wsConnect(proxy.url, '/ws');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const closed = await wsClosed(out.ws, 3000);
    expect(closed.how).toBe('closed');
    expect(closed.code).toBe(1006);
    expect((await fetch(`${proxy.url}/`)).status).toBe(200);
  });

  it('truncates the response when the upstream dies mid-body', async () => {
    upstream = await startUpstream({
      request: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part\n');
        setTimeout(() => res.socket?.destroy(), 100);
      },
    });
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [] });
    const rec = await rawGet(proxy.url, '/', { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.body.toString()).toContain('first part');
    // Closed without the chunked terminator: the client can tell it was cut.
    expect(rec.how).toBe('fin');
    expect(rec.body.toString()).not.toContain('\r\n0\r\n\r\n');
  });

  it('stops the upstream request when the client vanishes mid-stream', async () => {
    let upstreamClosed: (ms: number) => void = () => {};
    const closedAt = new Promise<number>((resolve) => (upstreamClosed = resolve));
    upstream = await startUpstream({
      request: (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const t = setInterval(() => res.write('data: tick\n\n'), 50);
        req.socket.once('close', () => {
          clearInterval(t);
          upstreamClosed(Date.now());
        });
      },
    });
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [] });
    const { port } = new URL(proxy.url);
    const client = net.connect(Number(port), '127.0.0.1');
    client.on('error', () => {});
    client.write('GET /sse HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    const goneAt = Date.now();
    client.destroy();
    const at = await Promise.race([closedAt, deadline(3000, -1)]);
    expect(at).toBeGreaterThan(0);
    expect(at - goneAt).toBeLessThan(2000);
    expect((await fetch(`${proxy.url}/other`)).status).toBe(200);
  });

  it('answers 400 to garbage and survives', async () => {
    upstream = await startUpstream({});
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [] });
    const { port } = new URL(proxy.url);
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1');
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
      s.write('\x00\x01 not http at all\r\n\r\n');
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${proxy.url}/`)).status).toBe(200);
  });
});

describe('clients that vanish at awkward moments', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /** Sends `request` on a raw socket and kills it (RST) `afterMs` later. */
  function hitAndRun(url: string, request: string, afterMs: number): Promise<void> {
    const { port } = new URL(url);
    return new Promise((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => resolve());
      s.write(request);
      setTimeout(() => s.resetAndDestroy(), afterMs);
    });
  }

  const HANDSHAKE =
    'GET /ws?silentMs=5000 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

  it('survives handshakes and requests abandoned while faults still hold them', async () => {
    stack = await startStack([{ name: 'latency', params: { delayMs: 150 } }, { name: 'buffer', params: { mode: 'until-end' } }]);
    await Promise.all([
      hitAndRun(stack.proxy.url, HANDSHAKE, 0),
      hitAndRun(stack.proxy.url, HANDSHAKE, 100),
      hitAndRun(stack.proxy.url, HANDSHAKE, 400),
      hitAndRun(stack.proxy.url, 'GET /sse?intervalMs=50 HTTP/1.1\r\nHost: x\r\n\r\n', 100),
      hitAndRun(stack.proxy.url, 'GET /long-poll?count=0&hold=3000 HTTP/1.1\r\nHost: x\r\n\r\n', 400),
      hitAndRun(stack.proxy.url, 'GET /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort', 50),
    ]);
    // Still serving, still tunnelling.
    expect((await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`)).status).toBe(200);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind === 'open') out.ws.terminate();
  });

  it('survives a client that sends half a handshake and leaves', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 200 } }]);
    await hitAndRun(stack.proxy.url, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConn', 50);
    expect((await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`)).status).toBe(200);
  });
});

describe('proxy close()', () => {
  it('destroys open client connections (a stream in progress ends at once)', async () => {
    const stack = await startStack([]);
    const { port } = new URL(stack.proxy.url);
    const client = net.connect(Number(port), '127.0.0.1');
    client.on('error', () => {});
    client.write('GET /sse?intervalMs=100 HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    const ended = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
    const closedAt = Date.now();
    await stack.close();
    const at = await Promise.race([ended, deadline(3000, -1)]);
    expect(at).toBeGreaterThan(0);
    expect(at - closedAt).toBeLessThan(2000);
  });
});

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}
