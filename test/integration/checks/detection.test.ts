/**
 * Each failure mode is detected, with its measured evidence: the real origin
 * behind a tiny fault server, probed by the real clients.
 */
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';
import { closeAgents } from '../../../src/client/http';
import type { CheckId, Transport } from '../../../src/observation/types';
import { closeWhenIdle, rejectUpgrade, stripUpgrade, withholdUntilEnd, type TinyServer } from '../../helpers/tiny-faults';

let origin: RunningOrigin;
let tiny: TinyServer | undefined;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterEach(async () => {
  await tiny?.close();
  tiny = undefined;
});
afterAll(async () => {
  await origin.close();
  await closeAgents();
});

const options = { ...DEFAULT_PROBE_OPTIONS, idleMs: 2500, holdMs: 2500 };

async function probe(transport: Transport, checks?: CheckId[]) {
  const observations = await probeTransport({ target: { baseUrl: tiny!.url }, transport, options, checks, originUrl: origin.url });
  return gradeTransport(transport, observations);
}

it('a stream whose events are withheld until the end is buffered: fail, all in one burst at the end', async () => {
  tiny = await withholdUntilEnd(origin.url);
  const cell = await probe('sse', ['connect', 'delivery']);
  expect(cell.verdict).toBe('fail');
  expect(cell.reason).toBe('buffered');
  const latency = cell.checks.find((c) => c.id === 'latency')!;
  // 8 events 250 ms apart: the first was held back for about the whole schedule.
  expect(latency.measured.maxLateMs as number).toBeGreaterThan(1200);
  expect(latency.measured.largestBurst).toBe(8);
  expect(cell.explanation).toMatch(/until the response ended/);
});

it('a path that closes silent connections after 1 s is an idle timeout, cut measured near 1 s', async () => {
  tiny = await closeWhenIdle(origin.url, 1000);
  const cell = await probe('sse', ['connect', 'delivery', 'idle', 'duration']);
  expect(cell.verdict).toBe('degraded');
  expect(cell.reason).toBe('idle-timeout');
  const idle = cell.checks.find((c) => c.id === 'idle')!;
  expect(idle.measured.cutAtMs as number).toBeGreaterThan(900);
  expect(idle.measured.cutAtMs as number).toBeLessThan(1600);
  expect(idle.measured.how).toBe('clean-close');
  // With heartbeats the same path keeps the stream: not a maximum lifetime.
  expect(cell.checks.find((c) => c.id === 'duration')!.status).toBe('pass');
});

it('the same idle cut is seen on a WebSocket and on a held long-poll', async () => {
  tiny = await closeWhenIdle(origin.url, 1000);
  const [ws, lp] = await Promise.all([probe('websocket', ['connect', 'idle', 'duration']), probe('long-poll', ['connect', 'hold'])]);
  expect([ws.verdict, ws.reason]).toEqual(['degraded', 'idle-timeout']);
  const cut = ws.checks.find((c) => c.id === 'idle')!.measured.cutAtMs as number;
  expect(cut).toBeGreaterThan(900);
  expect(cut).toBeLessThan(1600);
  expect([lp.verdict, lp.reason]).toEqual(['degraded', 'idle-timeout']);
  const hold = lp.checks.find((c) => c.id === 'hold')!;
  expect(hold.measured.cutAtMs as number).toBeGreaterThan(900);
  expect(hold.measured.cutAtMs as number).toBeLessThan(1600);
});

it('a 400 to the upgrade is upgrade-rejected, and the origin never saw the handshake', async () => {
  tiny = await rejectUpgrade(origin.url, 400);
  const cell = await probe('websocket', ['connect', 'echo']);
  expect(cell.verdict).toBe('fail');
  expect(cell.reason).toBe('upgrade-rejected');
  const connect = cell.checks.find((c) => c.id === 'connect')!;
  expect(connect.measured.status).toBe(400);
  expect(connect.measured.body).toMatch(/refused by tiny proxy/);
});

it('an upgrade forwarded without its Upgrade header is upgrade-stripped, from what the origin saw', async () => {
  tiny = await stripUpgrade(origin.url);
  const cell = await probe('websocket', ['connect']);
  expect(cell.verdict).toBe('fail');
  expect(cell.reason).toBe('upgrade-stripped');
  expect(cell.explanation).toMatch(/no Upgrade header/);
  expect(cell.checks[0].measured.status).toBe(426);
});
