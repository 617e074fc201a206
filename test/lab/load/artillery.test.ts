/**
 * `pushthrough load <url> --export artillery` as a user runs it: the scenario
 * written, then `npx artillery run` (Artillery installed beside the repository) holding its
 * streams through a simulated setup in front of an origin, pushthrough's
 * engine for SSE and long polls, Artillery's ws engine for WebSocket; the
 * thresholds exported as Artillery's ensure checks gate its exit code.
 * `npm run artillery:install` puts it in .tools/, outside the package's dependencies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_DIR } from '../../../src/measure/artillery';
import { killGroup, runCli, startCli } from '../../helpers/cli';
import { ARTILLERY, describeWith, needArtillery } from '../../helpers/needs';

jest.setTimeout(120_000);

let tmp: string;
const children: ChildProcess[] = [];
let originUrl: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-artillery-'));
  const origin = await startCli(['origin', '--port', '0'], /listening on (http:\/\/\S+)/);
  children.push(origin.child);
  originUrl = origin.match[1];
});
afterAll(() => {
  for (const c of children) killGroup(c);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A simulated setup in front of the test's origin, as `pushthrough proxy` runs it. */
async function proxy(setup: string): Promise<string> {
  const { child, match } = await startCli(['proxy', '--setup', setup, '--target', originUrl, '--port', '0', '--quiet'], /proxy listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000);
  children.push(child);
  return match[1];
}

/** `npx artillery run` as the scenario's header says, with its JSON report. */
function artillery(scenario: string, report: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ARTILLERY, ['run', '--output', report, scenario], {
      cwd: tmp,
      detached: true,
      // Artillery sends usage data home unless told not to; this machine reaches only loopback anyway.
      env: { ...process.env, NODE_PATH: ENGINE_DIR, ARTILLERY_DISABLE_TELEMETRY: 'true', NO_COLOR: '1' },
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

interface ArtilleryReport {
  aggregate: { counters: Record<string, number>; summaries: Record<string, { p99: number; count: number }> };
}

describeWith([needArtillery()], 'Artillery runs the exported load', () => {
  it('exports the load, and Artillery holds every stream through passthrough with pushthrough’s metrics, the thresholds met', async () => {
    const url = await proxy('passthrough');
    const file = path.join(tmp, 'scenario.yml');
    const res = await runCli(['load', url, '--transports', 'sse,long-poll,websocket', '--streams', '30', '--ramp', '2', '--duration', '2', '--interval', '0.5', '--threshold', 'p99<2s', '--threshold', 'failed<1%', '--threshold', 'open>=30', '--export', 'artillery', '--out', file]);
    expect(res.code).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(`NODE_PATH=${ENGINE_DIR} npx artillery run scenario.yml`);
    expect(text).toContain('not exported: open>=30: Artillery has no metric for streams open at once');

    const reportFile = path.join(tmp, 'passthrough.json');
    const run = await artillery(file, reportFile);
    expect({ code: run.code, out: run.code === 0 ? '' : run.out }).toEqual({ code: 0, out: '' });
    const { counters, summaries } = (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ArtilleryReport).aggregate;
    expect(counters['vusers.created']).toBe(30);
    expect(counters['vusers.failed'] ?? 0).toBe(0);
    // Each held its stream to the end: the SSE and long-poll ones in pushthrough's engine, with latency…
    expect((counters['pushthrough.sse.held'] ?? 0) + (counters['pushthrough.long-poll.held'] ?? 0) + (counters['vusers.created_by_name.websocket'] ?? 0)).toBe(30);
    expect(counters['pushthrough.held']).toBe(counters['vusers.created'] - (counters['vusers.created_by_name.websocket'] ?? 0));
    expect(counters['pushthrough.events']).toBeGreaterThan(0);
    expect(summaries['pushthrough.latency'].count).toBe(counters['pushthrough.events']);
    // …the WebSocket ones in Artillery's own engine, which opened them and held them for their time.
    expect(counters['vusers.completed']).toBe(30);
    expect(run.out).toMatch(/ok: .*pushthrough\.latency\.p99 < 2000/);
  });

  it('a path that refuses WebSocket fails those virtual users, and the exported failed<1% breaks Artillery’s exit code', async () => {
    const url = await proxy('reject-upgrade');
    const file = path.join(tmp, 'reject.yml');
    const res = await runCli(['load', url, '--transports', 'sse,websocket', '--streams', '10', '--ramp', '1', '--duration', '1', '--threshold', 'failed<1%', '--export', 'artillery', '--out', file]);
    expect(res.code).toBe(0);
    const reportFile = path.join(tmp, 'reject.json');
    const run = await artillery(file, reportFile);
    expect(run.code).not.toBe(0);
    expect(run.out).toMatch(/fail: .*vusers\.failed \/ vusers\.created < 0\.01/);
    const { counters } = (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ArtilleryReport).aggregate;
    expect(counters['vusers.failed']).toBe(counters['vusers.created_by_name.websocket']);
    expect(counters['pushthrough.sse.held']).toBe(counters['vusers.created_by_name.sse']);
  });
});

it('--export needs a URL: a setup pushthrough starts here is not for Artillery’s runners (one line, exit 2)', async () => {
  const res = await runCli(['load', '--setup', 'passthrough', '--export', 'artillery']);
  expect(res.code).toBe(2);
  expect(res.stderr.trim()).toMatch(/^pushthrough: --export artillery needs a URL/);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
});
