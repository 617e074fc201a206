/**
 * `pushthrough probe <url> --measure` as a user runs it: the built CLI in its
 * own process group, in front of a real origin behind a simulated proxy with a
 * 3 s idle timeout (both started here on OS ports).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, killGroup, runCli, waitExit } from '../../helpers/cli';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { startSimulatedProxy, type RunningSimulatedProxy } from '../../../src/proxy/simulated/simulated-proxy';
import { validateReport } from '../../../src/report/validate';
import type { Report } from '../../../src/report/types';

let tmp: string;
let origin: RunningOrigin;
let proxy: RunningSimulatedProxy;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-measure-cli-'));
  origin = await startOrigin({ port: 0 });
  proxy = await startSimulatedProxy({ targets: [origin.url], faults: [{ name: 'idle-timeout', params: { idleMs: 3000 } }] });
});
afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});
afterAll(async () => {
  await proxy.close();
  await origin.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('probe --measure --max-idle 8: the idle timeout within 10 % of 3 s, a heartbeat below it, a valid report, exit 1 as probe', async () => {
  const out = path.join(tmp, 'measure.json');
  const res = await runCli(['probe', proxy.url, '--measure', '--max-idle', '8', '--max-streams', '8', '--format', 'json', '--out', out], { timeoutMs: 90_000 });
  // The normal probe ran too: SSE and WebSocket fail their 5 s idle check behind a 3 s timeout, so exit 1 as for probe.
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/sse idle: round 0/);
  expect(res.stderr).toMatch(/survived \d+(\.\d)? s, cut at 3\.\d s/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  expect(validateReport(report)).toBeNull();
  const setup = report.setups[0];
  expect(setup.cells.map((c) => c.transport)).toEqual(['short-poll', 'long-poll', 'sse', 'websocket']);
  const m = setup.measurement!;
  expect(m.partial).toBe(false);
  for (const t of ['sse', 'websocket'] as const) {
    const idle = m.idle[t]!;
    expect(idle.outcome).toBe('cut');
    expect(idle.timeoutMs).toBeGreaterThanOrEqual(2700);
    expect(idle.timeoutMs).toBeLessThanOrEqual(3300);
    expect(idle.survivedMs).toBeLessThanOrEqual(idle.cutAtMs!);
    expect(m.lifetime[t]!.outcome).toBe('survived');
  }
  const hb = m.recommendations.heartbeatMs!;
  expect(hb).toBeGreaterThan(0);
  expect(hb).toBeLessThan(Math.min(m.idle.sse!.timeoutMs!, m.idle.websocket!.timeoutMs!));
  expect(m.recommendations.fixes.map((f) => `${f.transport}:${f.reason}`)).toEqual(expect.arrayContaining(['sse:idle-timeout', 'websocket:idle-timeout']));
  expect(report.options).toMatchObject({ measure: true, maxIdleMs: 8000, maxStreams: 8 });
}, 100_000);

it('SIGINT during the measurement: the partial report is written and the process exits', async () => {
  const out = path.join(tmp, 'partial.json');
  const child = spawn(
    process.execPath,
    [CLI, 'probe', proxy.url, '--transports', 'short-poll', '--measure', '--max-idle', '60', '--max-streams', '4', '--format', 'json', '--out', out],
    { detached: true, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  // Interrupt once the long phase has started (its first round is under way).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the idle search never started:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/websocket idle: round 0/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before the idle search:\n${stderr}`)));
  });
  child.kill('SIGINT');
  const code = await waitExit(child, 10_000);
  expect(code).toBe(130);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  expect(validateReport(report)).toBeNull();
  const m = report.setups[0].measurement!;
  expect(m.partial).toBe(true);
  // What ran before the interrupt was kept…
  expect(m.concurrency.sse?.accepted).toBe(4);
  expect(m.largestMessage.websocket?.outcome).toBe('none');
  // …and the interrupted search says so.
  expect(m.idle.sse?.partial).toBe(true);
  expect(m.notes[0]).toMatch(/partial/);
}, 60_000);

it('a bad --max-streams is one line and exit 2, before anything runs', async () => {
  const res = await runCli(['probe', proxy.url, '--measure', '--max-streams', 'lots']);
  expect(res.code).toBe(2);
  expect(res.stderr.trim()).toBe("pushthrough: --max-streams must be an integer from 1 to 1024, got 'lots'");
});
