import * as http from 'node:http';
import { rewriteRequestLine } from '../../../../src/proxy/simulated/faults/http10';
import { startSimulatedProxy, type RunningSimulatedProxy } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, rawGet, readSse, seenAt, startStack, wsConnect, type Stack } from '../../../helpers/simulated';
import { startUpstream, type ScriptedUpstream } from '../../../helpers/upstream';

describe('http10', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ name: 'http10' }]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('reaches the origin as HTTP/1.0 with Connection: close', async () => {
    const probe = probeId('http10');
    const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`);
    expect(r.status).toBe(200);
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen).toHaveLength(1);
    expect(seen[0].httpVersion).toBe('1.0');
    expect(seen[0].headers['connection']).toBe('close');
  });

  it('gets a close-delimited body from the origin and still streams SSE', async () => {
    const rec = await readSse(stack.proxy.url, '/sse?count=4&intervalMs=150&close=1', { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(4);
    expect(rec.eventsAtMs[3] - rec.eventsAtMs[0]).toBeGreaterThanOrEqual(300);
  });

  it('turns a WebSocket handshake into a plain HTTP/1.0 GET (the client sees 426)', async () => {
    const probe = probeId('http10-ws');
    const out = await wsConnect(stack.proxy.url, `/ws?probe=${probe}`);
    expect(out).toMatchObject({ kind: 'rejected', status: 426 });
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0]).toMatchObject({ httpVersion: '1.0', upgraded: false });
    expect(seen[0].headers['upgrade']).toBeUndefined();
  });

  it('rewrites only the request line', () => {
    expect(rewriteRequestLine('GET /a HTTP/1.1\r\nX: HTTP/1.1\r\n\r\n')).toBe('GET /a HTTP/1.0\r\nX: HTTP/1.1\r\n\r\n');
    const out = rewriteRequestLine(Buffer.from('POST / HTTP/1.1\r\n\r\nbody'));
    expect(Buffer.from(out as Uint8Array).toString()).toBe('POST / HTTP/1.0\r\n\r\nbody');
  });
});

describe('http10 with a request body', () => {
  let upstream: ScriptedUpstream;
  let proxy: RunningSimulatedProxy;
  beforeAll(async () => {
    upstream = await startUpstream({
      request: (req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          res.end(JSON.stringify({ httpVersion: req.httpVersion, contentLength: req.headers['content-length'] ?? null, te: req.headers['transfer-encoding'] ?? null, body }));
        });
      },
    });
    proxy = await startSimulatedProxy({ targets: [upstream.url], faults: [{ name: 'http10' }] });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('sends a chunked body with Content-Length instead (HTTP/1.0 has no chunked coding)', async () => {
    const { port } = new URL(proxy.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('hello ');
      req.end('world');
    });
    expect(JSON.parse(answer)).toEqual({ httpVersion: '1.0', contentLength: '11', te: null, body: 'hello world' });
  });

  it('still answers a raw HTTP/1.1 client with a complete response', async () => {
    const rec = await rawGet(proxy.url, '/x', { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(200);
    expect(rec.how === 'end' || rec.how === 'fin').toBe(true);
  });
});
