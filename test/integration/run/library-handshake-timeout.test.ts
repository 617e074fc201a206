/**
 * A path that carries WebSocket, but slowly: a TCP relay in front of the
 * origin holds each WebSocket handshake 2 s before it passes it on, while
 * every other request goes straight through. SockJS times its transports
 * from one quick round trip (to /info), so it gives up its WebSocket first
 * and falls back to streaming; the websocket cell, which waits, passes. The
 * library's cell says it was SockJS's own timer (with the timer), agrees
 * with the websocket cell, and gives SockJS's `timeout` option as the fix.
 * In the browser too, whose websocket cell passes although its page opens
 * several handshakes at once and the browser lets one through at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import type { Report } from '../../../src/report/types';
import { fieldRoutes } from '../../../src/run/field';
import { validateReport } from '../../../src/report/validate';
import { LATE_TIMER_MS } from '../../../src/verdict/thresholds';
import { runCli } from '../../helpers/cli';
import { startSlowRelay, type SlowRelay } from '../../helpers/slow-relay';
import { describeWith, needChromium } from '../../helpers/needs';

/**
 * How long the relay holds a WebSocket handshake: above SockJS's timer on
 * loopback (2 × (300 ms + the /info round trip), ~0.6 s; 8 × the round trip
 * past 100 ms, so still below 2 s with a round trip up to 250 ms on a busy
 * machine), and short enough that the websocket cell's own checks (a resume
 * reconnects within its window) still pass.
 */
const UPGRADE_DELAY_MS = 2000;

let origin: RunningOrigin;
let relay: SlowRelay;
let relayUrl: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-hs-timeout-'));
  // As `pushthrough origin --libraries sockjs` serves it: with its page, for the browser's clients.
  origin = await startOrigin({ port: 0, libraries: ['sockjs'], routes: fieldRoutes({ libraries: ['sockjs'] }) });
  // WebSocket handshakes held, every other request straight through.
  relay = await startSlowRelay({ host: '127.0.0.1', port: origin.port }, (head) => (/^upgrade:\s*websocket/im.test(head.toString('latin1')) ? UPGRADE_DELAY_MS : 0));
  relayUrl = relay.url;
});

afterAll(async () => {
  await relay.close();
  await origin.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * `probe` through the relay, as a user runs it. A SockJS cell whose timer
 * fired late (the machine running the test was busy: the tester's error,
 * said so) is measured once more, as a user would re-run it.
 */
async function probe(name: string, extra: string[] = []): Promise<Report> {
  let report: Report | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const out = path.join(tmp, `${name}-${attempt}.json`);
    const res = await runCli(['probe', relayUrl, '--libraries', 'sockjs', '--transports', 'websocket', '--no-mitigations', ...extra, '--format', 'json', '--out', out], { timeoutMs: 120_000 });
    // Exit 1: probe says so when a cell is not a pass, and the SockJS cell is degraded (or, spoiled, the tester's error beside it).
    expect([res.code, res.stderr]).toEqual([1, expect.not.stringMatching(/error|Error/)]);
    report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
    expect(validateReport(report)).toBeNull();
    const late = report.setups.flatMap((s) => s.cells).some((c) => c.library === 'sockjs' && c.verdict === 'error' && /ms after it was due/.test(c.explanation));
    if (!late) break;
  }
  return report!;
}

it('SockJS gives up a slow WebSocket on its own timer: degraded handshake-timeout, consistent with the passing websocket cell, with SockJS’s timeout option as the fix', async () => {
  const report = await probe('node');
  const cells = report.setups[0].cells;
  const ws = cells.find((c) => c.transport === 'websocket' && !c.library)!;
  const sockjs = cells.find((c) => c.library === 'sockjs')!;
  expect(relay.held()).toBeGreaterThan(0);
  expect([ws.verdict, ws.explanation]).toEqual(['pass', expect.any(String)]);
  expect(sockjs).toMatchObject({ verdict: 'degraded', reason: 'handshake-timeout', transport: 'sse', measured: { reachedWebsocket: false, consistentWithTransports: true, missing: [], abandoned: [{ name: 'websocket', transport: 'websocket', code: 2007, timedOut: true }] } });
  const { timeoutMs: timer, lateMs } = (sockjs.measured as { abandoned: Array<{ timeoutMs: number; lateMs: number }> }).abandoned[0];
  expect(timer).toBeLessThan(UPGRADE_DELAY_MS);
  expect(lateMs).toBeLessThanOrEqual(LATE_TIMER_MS);
  expect(sockjs.explanation).toMatch(new RegExp(`it gave up its WebSocket when its own ${timer} ms timer ran out, though this path carries WebSocket`));
  expect(sockjs.fix?.app).toMatch(/SockJS’s `timeout` option/);
}, 260_000);

describeWith([needChromium()], 'in a browser', () => {
  it('SockJS’s browser client gives up the same slow WebSocket on the same kind of timer, and its cell says so too', async () => {
    const report = await probe('chromium', ['--clients', 'node,chromium']);
    const browser = report.setups.find((s) => s.id.endsWith('@chromium'))!;
    expect(browser.cells.find((c) => c.transport === 'websocket' && !c.library)).toMatchObject({ verdict: 'pass' });
    const sockjs = browser.cells.find((c) => c.library === 'sockjs')!;
    expect(sockjs).toMatchObject({ verdict: 'degraded', reason: 'handshake-timeout', client: 'chromium', measured: { reachedWebsocket: false, consistentWithTransports: true, abandoned: [{ name: 'websocket', code: 2007, timedOut: true }] } });
    expect((sockjs.measured as { abandoned: Array<{ timeoutMs: number }> }).abandoned[0].timeoutMs).toBeLessThan(UPGRADE_DELAY_MS);
  }, 260_000);
});
