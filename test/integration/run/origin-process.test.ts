/**
 * The matrix's and the load mode's origin runs in a process of its own: it
 * answers, it stops on close(), and it stops when the process that started
 * it dies without cleaning up (SIGKILL).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOriginProcess } from '../../../src/run/origin-process';
import { TesterError } from '../../../src/util/errors';
import { REPO_ROOT } from '../../helpers/paths';
import { until } from '../../helpers/until';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('answers in its own process and is gone after close()', async () => {
  const origin = await startOriginProcess({ label: 'origin (test)' });
  try {
    expect(origin.pid).not.toBe(process.pid);
    const res = await fetch(`${origin.url}/health`);
    expect(res.status).toBe(200);
  } finally {
    await origin.close();
  }
  expect(await until(() => !alive(origin.pid), 5000)).toBe(true);
});

it('stops by itself when the process that started it is killed', async () => {
  // The starter's run records (left behind by its SIGKILL) in a directory of the test's own.
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-test-runs-'));
  const starter = spawn(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'run', 'origin-process.js'))}).startOriginProcess({ label: 'origin (test)' }).then((o) => console.log(o.pid)); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PUSHTHROUGH_RUNS_DIR: runsDir } },
  );
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    starter.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^\d+\n/.test(out)) resolve(Number(out.trim()));
    });
    starter.once('exit', (code) => reject(new Error(`the starter exited (${code}) before its origin started`)));
  });
  try {
    expect(alive(pid)).toBe(true);
    starter.kill('SIGKILL');
    expect(await until(() => !alive(pid), 5000)).toBe(true);
  } finally {
    if (alive(pid)) process.kill(-pid, 'SIGKILL');
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

it('an origin that does not start in time is the tester’s problem, said in one line', async () => {
  const err = await startOriginProcess({ label: 'origin (test)', startTimeoutMs: 1 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TesterError);
  expect((err as Error).message).toMatch(/^pushthrough's origin \(origin \(test\)\) did not start here: the origin did not start within 0\.001 s/);
});
