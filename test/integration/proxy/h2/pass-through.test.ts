/**
 * The HTTP/2 pass-through front of the direct-h2 baseline: SSE over HTTP/2
 * arrives event by event (nothing held for the next chunk), the same over
 * HTTP/1.1, and a WebSocket's HTTP/1.1 Upgrade is relayed to the origin.
 */
import http2 from 'node:http2';
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../../../src/origin/server';
import { startH2PassThrough, type RunningH2PassThrough } from '../../../../src/proxy/h2/pass-through';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../../src/checks';
import { closeAgents } from '../../../../src/client/http';
import { makeThrowawayTls, type ThrowawayTls } from '../../../../src/util/certs';

let origin: RunningOrigin;
let made: ThrowawayTls;
let front: RunningH2PassThrough;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
  made = await makeThrowawayTls();
  front = await startH2PassThrough({ target: origin.url, tls: { cert: made.cert, key: made.key } });
});
afterAll(async () => {
  await front.close();
  await origin.close();
  await closeAgents();
});

it('speaks HTTP/2 and hands each SSE event on as it comes', async () => {
  const session = http2.connect(front.url, { ca: made.ca });
  try {
    const arrivals: number[] = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ':path': '/sse?count=4&intervalMs=200&close=1&channel=h2pt' });
      req.setEncoding('utf8');
      req.on('data', (d: string) => {
        for (let i = 0; i < (d.match(/^data:/gm) ?? []).length; i++) arrivals.push(Date.now() - started);
      });
      req.on('end', resolve);
      req.on('error', reject);
    });
    expect(arrivals).toHaveLength(4);
    // 200 ms apart at the origin, so apart here too: not one burst at the end.
    expect(arrivals[3]! - arrivals[0]!).toBeGreaterThanOrEqual(450);
  } finally {
    session.close();
  }
});

it('the probe clients take HTTP/2 through it and every transport passes, the WebSocket by an HTTP/1.1 Upgrade', async () => {
  const target = { baseUrl: front.url, tls: { ca: [made.ca] } };
  for (const transport of ['sse', 'websocket', 'long-poll'] as const) {
    const obs = await probeTransport({ target, transport, options: { ...DEFAULT_PROBE_OPTIONS, idleMs: 1000, holdMs: 1000 }, checks: ['connect', 'delivery'], originUrl: origin.url });
    const cell = gradeTransport(transport, obs);
    expect([transport, cell.verdict, cell.protocol?.http]).toEqual([transport, 'pass', transport === 'websocket' ? 'h1' : 'h2']);
  }
  const ws = new WebSocket(`${front.url.replace(/^https/, 'wss')}/ws?count=1`, { ca: made.ca });
  const first = await new Promise<string>((resolve, reject) => (ws.once('message', (d: Buffer) => resolve(d.toString())), ws.once('error', reject)));
  ws.terminate();
  expect(JSON.parse(first).seq).toBe(1);
}, 30_000);
