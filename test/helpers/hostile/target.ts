/**
 * The processes under attack, started as a user starts them (`pushthrough
 * origin`, `pushthrough proxy --setup …`), and what the kernel says about
 * them: resident size, peak resident size (VmHWM, reset per attack through
 * /proc/<pid>/clear_refs), and whether they are still alive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChildProcess } from 'node:child_process';
import { killGroup, startCli, waitExit } from '../cli';

export interface Target {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stderr: () => string;
}

export async function startTarget(name: string, args: string[]): Promise<Target> {
  const { child, match } = await startCli(args, /listening on (http:\/\/127\.0\.0\.1:(\d+))/, 20_000);
  let err = '';
  child.stderr?.on('data', (d) => {
    // Keep the tail only: a hostile run logs a lot of cut readers.
    err = (err + String(d)).slice(-20_000);
  });
  return { name, url: match[1]!, port: Number(match[2]), pid: child.pid!, child, stderr: () => err };
}

export async function stopTarget(t: Target): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  killGroup(t.child, 'SIGTERM');
  try {
    await waitExit(t.child, 5_000);
  } catch {
    killGroup(t.child, 'SIGKILL');
    await waitExit(t.child, 5_000);
  }
}

export function alive(t: Target): boolean {
  return t.child.exitCode === null && t.child.signalCode === null;
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Starts a fresh peak (VmHWM) for the process; false where the kernel does not allow it. */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const peakRssBytes = (pid: number): number => statusKb(pid, 'VmHWM') * 1024;

export interface Watched {
  samples: number;
  peakRssBytes: number;
  healthMs: number[];
  failures: number;
}

/** Samples RSS and /health latency of a target from a worker thread until the returned stop() is called. */
export function watch(t: Target, healthUrl: string, everyMs = 50): () => Promise<Watched> {
  const worker = new Worker(path.join(__dirname, 'watch-worker.js'), { workerData: { pid: t.pid, healthUrl, everyMs } });
  const result = new Promise<Watched>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return async () => {
    worker.postMessage('stop');
    const r = await result;
    await worker.terminate();
    return r;
  };
}
