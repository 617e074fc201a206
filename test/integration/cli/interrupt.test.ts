/**
 * A run stopped by SIGINT or SIGTERM still writes its report: the setups
 * probed so far, marked interrupted, in every output asked for; the exit code
 * is the signal's (130, 143).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import { CLI, killGroup, waitExit } from '../../helpers/cli';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-interrupt-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

it.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-run: the partial report is written, marked interrupted, exit %i', async (signal, code) => {
  const json = path.join(tmp, 'r.json');
  const child = spawn(process.execPath, [CLI, 'run', '--no-real', '--transports', 'short-poll,sse', '--idle', '2', '--hold', '2', '--json', json], {
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
    detached: true,
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  try {
    // Interrupt once the first setup is done, so the report has something in it.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const t = setTimeout(() => reject(new Error(`no setup finished within 30 s: ${err}`)), 30_000);
      child.stderr.on('data', (d) => {
        err += d;
        if (/\[1\/\d+\] \S+ probed/.test(err)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    process.kill(child.pid!, signal);
    expect(await waitExit(child, 15_000)).toBe(code);
  } finally {
    killGroup(child);
  }
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
  expect(validateReport(report)).toBeNull();
  expect(report.interrupted).toBe(true);
  expect(report.setups.length).toBeGreaterThan(0);
  expect(report.setups.length).toBeLessThan((report.options.setups as string[]).length);
  expect(stdout.replace(/\s+/g, ' ')).toContain('INTERRUPTED: setups not probed are missing');
}, 60_000);
