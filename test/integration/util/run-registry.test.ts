/**
 * Nothing survives a SIGKILL: a process that recorded what it started
 * (src/util/run-registry.ts) is killed with SIGKILL, which runs no handler;
 * reapLeftovers() then stops its process group and the helper that left the
 * group, and removes its temp dir — but never a process whose PID was reused,
 * and never a dir pushthrough did not make.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';
import { isRunning } from '../../helpers/ps';
import { until } from '../../helpers/until';
import { runCli, waitExit } from '../../helpers/cli';

const REGISTRY = path.join(REPO_ROOT, 'dist', 'util', 'run-registry.js');

let runsDir: string;
const spawned: number[] = [];
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-runs-test-'));
  process.env.PUSHTHROUGH_RUNS_DIR = runsDir;
});
afterEach(() => {
  delete process.env.PUSHTHROUGH_RUNS_DIR;
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(runsDir, { recursive: true, force: true });
});

/** A pretend run: records a temp dir and a process group it leads, starts a helper that leaves the group, then waits to be killed. */
function pretendRun(): Promise<{ child: ChildProcess; dir: string; group: number; helper: number }> {
  const script = `
    const { runRegistry } = require(${JSON.stringify(REGISTRY)});
    const { spawn } = require('node:child_process');
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-regtest-'));
    runRegistry.tempDir(dir, 'a test dir');
    const group = spawn('sleep', ['600'], { detached: true, stdio: 'ignore', cwd: dir });
    runRegistry.process(group.pid, 'sleep');
    const helper = spawn('sleep', ['601'], { detached: true, stdio: 'ignore', cwd: dir });
    console.log(JSON.stringify({ dir, group: group.pid, helper: helper.pid }));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, PUSHTHROUGH_RUNS_DIR: runsDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d) => {
      const info = JSON.parse(String(d)) as { dir: string; group: number; helper: number };
      spawned.push(info.group, info.helper);
      resolve({ child, ...info });
    });
    child.once('exit', (code) => reject(new Error(`the pretend run exited ${code} before it was ready`)));
  });
}

it('reaps the group, the helper that left it and the temp dir of a SIGKILLed run', async () => {
  const { reapLeftovers } = require(REGISTRY) as typeof import('../../../src/util/run-registry');
  const run = await pretendRun();
  // While the run lives, nothing of it is a leftover.
  expect(reapLeftovers()).toEqual([]);
  expect(isRunning(run.group)).toBe(true);

  run.child.kill('SIGKILL');
  await waitExit(run.child);
  expect([isRunning(run.group), isRunning(run.helper), fs.existsSync(run.dir)]).toEqual([true, true, true]);

  const reaped = reapLeftovers();
  expect(reaped).toHaveLength(1);
  expect(reaped[0]!.killed).toEqual(expect.arrayContaining([`sleep (pid ${run.group})`, `a helper of a test dir (pid ${run.helper})`]));
  expect(reaped[0]!.removed).toEqual([run.dir]);
  expect(await until(() => !isRunning(run.group) && !isRunning(run.helper), 5_000)).toBe(true);
  expect(fs.existsSync(run.dir)).toBe(false);
  expect(fs.readdirSync(runsDir)).toEqual([]);
});

it('leaves alone a PID that now names another process, and a dir pushthrough did not make', async () => {
  const { reapLeftovers } = require(REGISTRY) as typeof import('../../../src/util/run-registry');
  const other = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  spawned.push(other.pid!);
  const notOurs = fs.mkdtempSync(path.join(os.tmpdir(), 'someone-else-'));
  const dead = path.join(runsDir, '999999999-1');
  fs.mkdirSync(dead);
  fs.writeFileSync(path.join(dead, 'process-1.json'), JSON.stringify({ kind: 'process', pid: other.pid, startTime: '1', bootId: 'x', what: 'nginx' }));
  fs.writeFileSync(path.join(dead, 'dir-2.json'), JSON.stringify({ kind: 'dir', path: notOurs, what: 'nginx' }));
  fs.writeFileSync(path.join(dead, 'dir-3.json'), JSON.stringify({ kind: 'dir', path: '/tmp', what: 'nginx' }));
  try {
    const reaped = reapLeftovers();
    expect(reaped).toEqual([{ run: '999999999-1', killed: [], removed: [], reused: [other.pid] }]);
    expect(isRunning(other.pid!)).toBe(true);
    expect(fs.existsSync(notOurs)).toBe(true);
  } finally {
    fs.rmSync(notOurs, { recursive: true, force: true });
  }
});

it('pushthrough cleanup reaps a SIGKILLed run and says what it did; with nothing left over it says so', async () => {
  const run = await pretendRun();
  run.child.kill('SIGKILL');
  await waitExit(run.child);
  const env = { PUSHTHROUGH_RUNS_DIR: runsDir };
  const first = await runCli(['cleanup'], { env });
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(new RegExp(`an earlier run \\(${run.child.pid}-\\d+\\) ended without cleaning up: stopped sleep \\(pid ${run.group}\\)`));
  expect(first.stdout).toContain(`removed ${run.dir}`);
  const second = await runCli(['cleanup'], { env });
  expect(second.stdout).toBe(`nothing left over by earlier runs (records in ${runsDir})\n`);
});
