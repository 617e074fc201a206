/**
 * The simulated proxy as a TLS front (`tls: true` in a setup file): https and
 * wss with a throwaway certificate, HTTP/1.1 said by ALPN, and its faults
 * acting on the TCP connection under the TLS session (a reset is a reset).
 */
import https from 'node:https';
import tls from 'node:tls';
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../../../src/origin/server';
import { startSimulatedProxy, type RunningSimulatedProxy } from '../../../../src/proxy/simulated/simulated-proxy';
import { makeThrowawayTls, type ThrowawayTls } from '../../../../src/util/certs';
import type { FaultSpec } from '../../../../src/setup/types';

let origin: RunningOrigin;
let made: ThrowawayTls;
let proxy: RunningSimulatedProxy | undefined;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
  made = await makeThrowawayTls();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});
afterAll(() => origin.close());

const start = async (faults: FaultSpec[]): Promise<RunningSimulatedProxy> =>
  (proxy = await startSimulatedProxy({ targets: [origin.url], faults, tls: { cert: made.cert, key: made.key } }));

function get(url: string): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    let status: number | undefined;
    const req = https.get(url, { ca: made.ca, agent: false }, (res) => {
      status = res.statusCode;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: res.statusCode, body, error: err.code }));
    });
    // A reset in the middle of the body surfaces on the request.
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status, body: '', error: err.code }));
  });
}

it('serves https with the certificate it was given, and a WebSocket opens over wss', async () => {
  const p = await start([]);
  expect(p.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const health = await get(`${p.url}/health`);
  expect(health).toMatchObject({ status: 200 });
  expect(JSON.parse(health.body).tool).toBe('pushthrough');
  const ws = new WebSocket(`${p.url.replace(/^https/, 'wss')}/ws?count=1`, { ca: made.ca });
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d.toString('utf8')));
    ws.once('error', reject);
  });
  ws.terminate();
  expect(JSON.parse(first).seq).toBe(1);
});

it('says HTTP/1.1 by ALPN to a client that offers HTTP/2 as well', async () => {
  const p = await start([]);
  const { port } = new URL(p.url);
  const alpn = await new Promise<string | false | null>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: Number(port), ca: made.ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => (resolve(s.alpnProtocol), s.destroy()));
    s.once('error', reject);
  });
  expect(alpn).toBe('http/1.1');
});

it('a reset fault resets the TCP connection under the TLS session (ECONNRESET), not a close_notify and FIN', async () => {
  const p = await start([{ name: 'reset', params: { afterMs: 300 } }]);
  const { port } = new URL(p.url);
  // A raw TLS socket tells the two apart: a FIN is 'end', an RST is an ECONNRESET error.
  const how = await new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: Number(port), ca: made.ca }, () => s.write('GET /sse?intervalMs=100 HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', () => undefined);
    s.once('end', () => resolve('end (FIN)'));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  expect(how).toBe('ECONNRESET');
});
