/**
 * A held long poll's deadline counts from when the request was sent: a
 * CONNECT that takes a while (a busy corporate proxy) is not the path dropping
 * the request, and a path that does drop it is still caught a grace after the
 * hold ends. A real forward proxy on a socket, slow to answer CONNECT.
 */
import net from 'node:net';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';
import { closeAgents } from '../../../src/client/http';
import type { ProbeTarget } from '../../../src/client/target';
import { runThrowawayTls } from '../../../src/util/certs';
import { startSlowRelay, type SlowRelay } from '../../helpers/slow-relay';

let origin: RunningOrigin;
/** the same over plain HTTP, behind the slow relay */
let plainOrigin: RunningOrigin;
let ca: string;
let proxy: net.Server;
let connectDelayMs = 0;
/** reads requests and never answers them: a path that drops a held request */
let blackhole: net.Server;
/** takes the request at once and forwards it to the origin a second later: a relay slow to pass it on */
let slowRelay: SlowRelay;
const RELAY_DELAY_MS = 1000;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  // https: the client asks the proxy for a CONNECT tunnel, and sends the request once it stands.
  const tls = await runThrowawayTls();
  ca = tls.ca;
  origin = await startOrigin({ port: 0, tls: { cert: tls.cert, key: tls.key } });
  plainOrigin = await startOrigin({ port: 0 });
  proxy = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.once('data', (head) => {
      const m = /^CONNECT ([^:\s]+):(\d+) /.exec(head.toString('latin1'));
      if (!m) return client.destroy();
      // The delay is the proxy's own, as a busy one's: a timer is the behaviour under test, not synchronisation.
      setTimeout(() => {
        const upstream = net.connect(Number(m[2]), m[1], () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          client.pipe(upstream);
          upstream.pipe(client);
        });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      }, connectDelayMs);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  blackhole = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.resume();
  });
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  slowRelay = await startSlowRelay({ host: '127.0.0.1', port: plainOrigin.port }, () => RELAY_DELAY_MS);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
  await new Promise((r) => blackhole.close(r));
  await slowRelay.close();
  await plainOrigin.close();
  await origin.close();
  await closeAgents();
});

const options = { ...DEFAULT_PROBE_OPTIONS, holdMs: 1000, graceMs: 500, connectTimeoutMs: 4000 };
const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;
const hold = async (target: ProbeTarget, originUrl = origin.url) => {
  const obs = await probeTransport({ target, transport: 'long-poll', options, checks: ['hold'], originUrl });
  return gradeTransport('long-poll', obs).checks.find((c) => c.id === 'hold')!;
};

it('a CONNECT slower than the grace still sees the origin’s 204 after the hold', async () => {
  connectDelayMs = 2000;
  const r = await hold({ baseUrl: origin.url, via: `http://127.0.0.1:${portOf(proxy)}`, tls: { ca: [ca] } });
  expect([r.status, r.reason, r.measured.status]).toEqual(['pass', 'none', 204]);
  // Answered after the CONNECT's delay and the hold: more than hold + grace after the call.
  expect(r.measured.answeredAtMs as number).toBeGreaterThan(options.holdMs + options.graceMs);
});

it('a request the path never answers is a silent drop, a grace after the hold from when it was sent', async () => {
  const r = await hold({ baseUrl: `http://127.0.0.1:${portOf(blackhole)}` });
  expect([r.status, r.reason, r.measured.how]).toEqual(['fail', 'idle-timeout', 'silent']);
  expect(r.detail).toContain('no answer within 1500 ms of the request being sent');
  expect(r.measured.answeredAtMs as number).toBeGreaterThanOrEqual(options.holdMs + options.graceMs);
});

it('a request relayed to the origin late is due a hold after it reached the origin, not after it was sent', async () => {
  // Sent at 0, at the origin at 1.0 s, its 204 at 2.0 s: past the 1.5 s counted from sending.
  const r = await hold({ baseUrl: slowRelay.url }, plainOrigin.url);
  expect([r.status, r.reason, r.measured.status]).toEqual(['pass', 'none', 204]);
  expect(r.measured.answeredAtMs as number).toBeGreaterThan(RELAY_DELAY_MS + options.holdMs);
});
