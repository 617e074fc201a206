/**
 * WebSocket over HTTP/2 (RFC 8441) against a small HTTP/2 front played with
 * node:http2 in front of the real origin: one that offers it and relays an
 * extended CONNECT as an HTTP/1.1 Upgrade to the origin (as HAProxy does),
 * one that offers it and refuses it, one that does not offer it.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';
import { closeAgents } from '../../../src/client/http';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { makeThrowawayTls, type ThrowawayTls } from '../../../src/util/certs';

let origin: RunningOrigin;
let tls: ThrowawayTls;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
  tls = await makeThrowawayTls();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});
afterAll(async () => {
  await origin.close();
  await closeAgents();
});

type Mode = 'relay' | 'refuse' | 'not-offered' | 'goaway';

/** An HTTP/2 front whose extended CONNECT does what `mode` says. */
async function h2Front(mode: Mode): Promise<string> {
  const sockets = new Set<net.Socket>();
  // Streams only (no compat 'request' handler, which answers an extended CONNECT 405 itself).
  const server = http2.createSecureServer({ cert: tls.cert, key: tls.key, settings: { enableConnectProtocol: mode !== 'not-offered' } });
  server.on('connection', (s: net.Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  server.on('stream', (stream, headers) => {
    // Gone before answering: the client sees the stream close, no error and no status.
    if (mode === 'goaway') return void stream.session?.destroy();
    if (headers[':method'] !== 'CONNECT' || mode === 'refuse') {
      stream.respond({ ':status': mode === 'refuse' ? 501 : 404 });
      stream.end('no');
      return;
    }
    // Relay: the extended CONNECT becomes an HTTP/1.1 Upgrade to the origin, then bytes both ways.
    const upstream = net.connect(origin.port, origin.host, () => {
      upstream.write(
        `GET ${headers[':path']} HTTP/1.1\r\nHost: ${origin.host}:${origin.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onHead = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upstream.off('data', onHead);
      stream.respond({ ':status': 200 });
      if (head.length > end + 4) stream.write(head.subarray(end + 4));
      upstream.pipe(stream).pipe(upstream);
    };
    upstream.on('data', onHead);
    upstream.on('error', () => stream.destroy());
    stream.on('error', () => upstream.destroy());
    stream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function extendedConnect(mode: Mode) {
  const baseUrl = await h2Front(mode);
  const observations = await probeTransport({ target: { baseUrl, tls: { ca: [tls.ca] } }, transport: 'websocket', options: DEFAULT_PROBE_OPTIONS, checks: ['extended-connect'], originUrl: origin.url });
  return { observations, cell: gradeTransport('websocket', observations) };
}

it('a front that offers WebSocket over HTTP/2 and carries it: every event arrives through the extended CONNECT, recorded as such', async () => {
  const { observations, cell } = await extendedConnect('relay');
  const check = cell.checks.find((c) => c.id === 'extended-connect')!;
  expect(check).toMatchObject({ status: 'pass', measured: { offered: true, status: 200, received: 8 } });
  expect(observations[0]!.protocol).toEqual({ tls: true, http: 'h2', handshake: 'extended-connect' });
  // The origin saw a WebSocket: the stream really was one, not a page.
  expect(observations[0]!.seen?.some((r) => r.upgraded)).toBe(true);
  // Waiting stops at the last event, with the stream still open; our own teardown after that is not recorded as the path's.
  expect(observations[0]!.ends.map((e) => e.how)).toEqual(['open']);
}, 20_000);

it('a front that offers it and then refuses the extended CONNECT degrades the WebSocket cell: a browser that takes the offer gets no WebSocket', async () => {
  const { cell } = await extendedConnect('refuse');
  // The HTTP/1.1 Upgrade still works for clients that do not take the offer: degraded, not fail.
  expect(cell).toMatchObject({ verdict: 'degraded', reason: 'upgrade-rejected' });
  expect(cell.checks.find((c) => c.id === 'extended-connect')!.detail).toMatch(/offers WebSocket over HTTP\/2 but answered the extended CONNECT with HTTP 501/);
}, 20_000);

it('a front that drops the connection before answering the extended CONNECT: recorded at once, not after the deadline', async () => {
  const started = Date.now();
  const { observations, cell } = await extendedConnect('goaway');
  expect(Date.now() - started).toBeLessThan(DEFAULT_PROBE_OPTIONS.connectTimeoutMs);
  expect(observations[0]!.answers[0]?.error?.code).toBe('ECONNRESET');
  expect(observations[0]!.ends[0]?.how).toBe('reset');
  expect(cell.checks.find((c) => c.id === 'extended-connect')).toMatchObject({ status: 'fail', reason: 'upgrade-rejected' });
}, 20_000);

it('a front that does not offer it: the check says so and judges nothing', async () => {
  const { cell } = await extendedConnect('not-offered');
  expect(cell.checks.find((c) => c.id === 'extended-connect')).toMatchObject({ status: 'skip', measured: { offered: false } });
  expect(cell.verdict).not.toBe('fail');
}, 20_000);

it('over plain HTTP the check does not apply and leaves no result', async () => {
  const observations = await probeTransport({ target: { baseUrl: origin.url }, transport: 'websocket', options: DEFAULT_PROBE_OPTIONS, checks: ['extended-connect'] });
  expect(gradeTransport('websocket', observations).checks.find((c) => c.id === 'extended-connect')).toBeUndefined();
});
