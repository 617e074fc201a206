/**
 * `kill -9` of a run, then another run: nothing is left. The killed run's
 * nginx (its own process group) and temp dir are recorded under the runs
 * directory; the next run reaps them and says so. And a ^C'd Squid takes its
 * pinger along, although the pinger leaves Squid's process group.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CLI, killGroup, runCli, startCli, waitExit } from '../../helpers/cli';
import { isRunning } from '../../helpers/ps';
import { until } from '../../helpers/until';
import { itWith, needProduct } from '../../helpers/needs';
import { processesMentioning } from '../../../src/util/process-group';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';

let runsDir: string;
let origin: RunningOrigin;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterAll(() => origin.close());
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-runs-lab-'));
});
/** Whatever a test started is stopped even when an expectation fails first. */
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGINT');
  fs.rmSync(runsDir, { recursive: true, force: true });
});

const records = (): Array<{ kind: string; pid?: number; path?: string; what?: string }> =>
  fs.readdirSync(runsDir).flatMap((run) => fs.readdirSync(path.join(runsDir, run)).map((f) => JSON.parse(fs.readFileSync(path.join(runsDir, run, f), 'utf8'))));

itWith([needProduct('nginx')], 'kill -9 of a run with nginx, then another run: no nginx and no temp dir remain', async () => {
  const env = { ...process.env, NO_COLOR: '1', PUSHTHROUGH_RUNS_DIR: runsDir };
  const killed = spawn(process.execPath, [CLI, 'run', '--real', `nginx=${path.resolve('proxies/nginx/naive.conf.tmpl')}`, '--idle', '20', '--hold', '20'], { env, stdio: 'ignore', detached: true });
  started.push(killed);
  // nginx is recorded as soon as it is spawned (after the run's origin, a process of its own too).
  const isNginx = (r: { kind: string; what?: string }): boolean => r.kind === 'process' && /nginx/.test(r.what ?? '');
  expect(await until(() => records().some(isNginx), 30_000)).toBe(true);
  const nginx = records().find(isNginx)!.pid!;
  const workDir = records().find((r) => r.kind === 'dir')!.path!;
  killed.kill('SIGKILL');
  await waitExit(killed);
  expect([isRunning(nginx), fs.existsSync(workDir)]).toEqual([true, true]);

  const next = await runCli(['run', '--setups', 'direct', '--idle', '1', '--hold', '1', '--format', 'json', '--out', path.join(runsDir, '..', `r-${process.pid}.json`)], { env, timeoutMs: 60_000 });
  fs.rmSync(path.join(runsDir, '..', `r-${process.pid}.json`), { force: true });
  expect(next.code).toBe(0);
  // Its origin stopped by itself when the run died (its IPC channel closed); nginx waited for this reaping.
  expect(next.stderr).toMatch(new RegExp(`an earlier run \\(${killed.pid}-\\d+\\) ended without cleaning up: stopped [^\\n]*nginx \\(pid ${nginx}\\)`));
  expect(await until(() => !isRunning(nginx) && processesMentioning(workDir).length === 0, 5_000)).toBe(true);
  expect(fs.existsSync(workDir)).toBe(false);
  expect(fs.readdirSync(runsDir)).toEqual([]);
}, 120_000);

itWith([needProduct('squid')], 'SIGINT of a proxy command stops Squid and its pinger, which left Squid’s process group', async () => {
  const { child, match } = await startCli(['proxy', '--real', `squid=${path.resolve('proxies/squid/naive.conf.tmpl')}`, '--target', origin.url, '--port', '0'], /squid \S+ from .*squid\/naive\.conf\.tmpl/, 30_000);
  started.push(child);
  expect(match[0]).toMatch(/^squid \d+\.\d+\S* from .*proxies\/squid\/naive\.conf\.tmpl/);
  const squidDirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('pushthrough-squid-')).map((d) => path.join(os.tmpdir(), d));
  const ours = squidDirs.filter((d) => processesMentioning(d).length > 0);
  expect(ours.length).toBeGreaterThan(0);
  process.kill(child.pid!, 'SIGINT');
  expect(await waitExit(child, 15_000)).toBe(130);
  for (const dir of ours) {
    expect(processesMentioning(dir)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  }
}, 60_000);
