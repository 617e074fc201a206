/**
 * The JS API (src/index.ts, the package's main): the same setups and faults
 * as the CLI, validated the same way, with a typed error for bad input; and
 * probe() returning the report.
 */
import { probe, startOrigin, startProxy, UsageError, type RunningOrigin, type RunningProxy } from '../../../src/index';
import { validateReport } from '../../../src/report/validate';
import { closeAgents } from '../../../src/client/http';

let origin: RunningOrigin;
const proxies: RunningProxy[] = [];
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await origin.close();
  await closeAgents();
});

async function started(...args: Parameters<typeof startProxy>): Promise<RunningProxy> {
  const p = await startProxy(...args);
  proxies.push(p);
  return p;
}

it('startProxy runs a built-in setup with the products’ real timeouts, and its faults can change', async () => {
  const p = await started({ setup: 'aws-alb-like', target: origin.url });
  expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(p.faults()).toEqual([{ name: 'idle-timeout', params: { idleMs: 60_000, statusBeforeHeaders: 504, afterHeaders: 'close', beforeHeaders: 'answer', resetBy: 'either', scope: 'all' } }]);
  expect(p.realWorld).toEqual(['idle-timeout idleMs 60000 (the matrix runs 1200)']);
  p.setFaults([{ name: 'strip-upgrade' }]);
  expect(p.faults()).toEqual([{ name: 'strip-upgrade', params: {} }]);
  expect(p.explanation[0]).toMatch(/WebSocket handshakes without Upgrade/);
  expect(() => p.setFaults([{ name: 'idle-timeout', params: { idleMs: 'soon' } }])).toThrow(new UsageError("faults[0] 'idle-timeout': idleMs must be an integer (got \"soon\")"));
  expect(p.faults()).toEqual([{ name: 'strip-upgrade', params: {} }]);
});

it('takes a setup object, and scale', async () => {
  const p = await started({
    setup: { id: 'mine', kind: 'simulated', description: 'mine', faults: [{ name: 'idle-timeout', params: { idleMs: 1000 }, realWorld: { idleMs: 30_000 } }] },
    target: origin.url,
    scale: 0.1,
  });
  expect(p.faults()[0]!.params).toMatchObject({ idleMs: 3000 });
});

it.each([
  [{ setup: 'nope', target: 'http://127.0.0.1:9' }, /setup: unknown setup 'nope'/],
  [{ target: 'http://127.0.0.1:9' }, /give exactly one of setup and real/],
  [{ setup: 'passthrough', target: 'not a url' }, /target: 'not a url' is not a URL/],
  [{ setup: 'passthrough', target: 'http://127.0.0.1:9', waitMs: 100 }, /target: nothing accepts connections at 127\.0\.0\.1:9/],
  [{ setup: 'passthrough', target: 'ORIGIN', scale: 0 }, /scale must be a number above 0/],
  [{ setup: { id: 'bad', kind: 'simulated', description: 'bad', faults: [{ name: 'warp-drive' }] }, target: 'ORIGIN' }, /unknown fault 'warp-drive'/],
])('bad input is a UsageError: %j', async (opts, message) => {
  const withOrigin = { ...opts, target: opts.target === 'ORIGIN' ? origin.url : opts.target } as Parameters<typeof startProxy>[0];
  const err = await startProxy(withOrigin).then(
    (p) => {
      proxies.push(p);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(message);
});

it('probe() returns the report of an origin: straight to it every transport passes; through a proxy the fault shows', async () => {
  const direct = await probe(origin.url, { idleMs: 1000, holdMs: 1000 });
  expect(validateReport(direct)).toBeNull();
  expect(direct.setups[0]!.cells.map((c) => [c.transport, c.verdict])).toEqual([
    ['short-poll', 'pass'],
    ['long-poll', 'pass'],
    ['sse', 'pass'],
    ['websocket', 'pass'],
  ]);
  const p = await started({ setup: 'nginx-default-like', target: origin.url });
  const through = await probe(p.url, { transports: ['websocket'], idleMs: 1000, holdMs: 1000, mitigations: false });
  expect(through.setups[0]!.cells.map((c) => [c.transport, c.verdict, c.reason])).toEqual([['websocket', 'fail', 'upgrade-stripped']]);
  await expect(probe('http://127.0.0.1:9')).rejects.toThrow(UsageError);
}, 60_000);

it('probe() with keepalive: learns which traffic the path counts, and the heartbeat it advises, tried through the path, keeps the stream open', async () => {
  // Only bytes from the origin restart this 1 s timer (lighttpd's and Caddy's upstream read timeouts, as measured).
  const p = await started({ setup: 'upstream-read-timeout-like', target: origin.url });
  const report = await probe(p.url, { transports: ['sse', 'websocket'], idleMs: 2500, holdMs: 2500, keepalive: true });
  expect(validateReport(report)).toBeNull();
  const ws = report.setups[0]!.cells.find((c) => c.transport === 'websocket')!;
  expect([ws.verdict, ws.reason]).toEqual(['degraded', 'idle-timeout']);
  const ka = ws.checks.find((c) => c.id === 'keepalive')!;
  expect(ka.measured).toMatchObject({ controlCut: true, cut: ['client-message'] });
  expect([...(ka.measured.kept as string[])].sort()).toEqual(['client-ping', 'server-message', 'server-ping']);
  // The heartbeat mitigation is the advised kind at half the cut, applied through the path: the silent stream survives.
  const heartbeat = ws.mitigations?.find((m) => m.id === 'heartbeat');
  expect(heartbeat).toMatchObject({ rescued: true, verdict: 'pass' });
  expect(heartbeat!.description).toMatch(/^a server→client ping every 0\.[3-5] s \(below the 1\.0 s cut\); a client→server data message did not count$/);
  expect(ws.fix?.app).toMatch(/^Send a server→client ping every \d+ ms .*that is what kept streams open through this path, and a client→server data message did not\.$/);
  const sse = report.setups[0]!.cells.find((c) => c.transport === 'sse')!;
  expect(sse.mitigations?.find((m) => m.id === 'heartbeat')).toMatchObject({ rescued: true, description: expect.stringMatching(/^an SSE comment line/) });
}, 60_000);
