/**
 * A load run through one setup: the origin in a process of its own (it holds
 * one socket per stream, and a process may hold 20,000 open files here),
 * the setup brought up in front of it as for the matrix, the generators
 * forked by src/measure/load.ts, then everything stopped. Or straight at a
 * URL someone deployed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runLoad, type LoadMeasurement, type LoadOptions } from '../measure/load';
import type { RunningOrigin } from '../origin/server';
import type { Setup } from '../setup/types';
import { signalGroup } from '../util/process-group';
import { runRegistry } from '../util/run-registry';
import { nginxCapacity, type CapacityFact } from '../verdict/load';
import { bringUp } from './bring-up';

export interface LoadRun {
  measurement: LoadMeasurement;
  /** what stood in the path: the product and its version, when a real one */
  product?: string;
  /** what its configuration says it holds, where pushthrough can read it */
  capacity?: CapacityFact;
}

const CLI = path.join(__dirname, '..', 'cli', 'main.js');

/** `pushthrough origin` in a process group of its own, with room for every stream's channel reader. */
async function originProcess(streams: number): Promise<RunningOrigin & { pid: number }> {
  const child = spawn(process.execPath, [CLI, 'origin', '--port', '0', '--max-unread-total-mib', String(Math.max(256, Math.ceil(streams / 16)))], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = child.pid ? runRegistry.process(child.pid, 'origin (pushthrough load)') : () => undefined;
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the origin did not start within 10 s: ${out}`)), 10_000);
    // Its stderr is kept for the error message (its own shutdown line is not ours to print).
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4096)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the origin exited (${code}): ${out}`)));
  });
  const u = new URL(url);
  return {
    url,
    instance: 'load-origin',
    host: u.hostname,
    port: Number(u.port),
    pid: child.pid!,
    async close() {
      if (child.exitCode === null && child.pid) {
        signalGroup(child.pid, 'SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            if (child.pid) signalGroup(child.pid, 'SIGKILL');
            resolve();
          }, 3000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      forget();
    },
  };
}

/** What the setup's product configuration says about its capacity, where pushthrough can read it. */
function capacityOf(setup: Setup): CapacityFact | undefined {
  if (setup.real?.product !== 'nginx') return undefined;
  try {
    return nginxCapacity(fs.readFileSync(setup.real.template, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function loadThroughSetup(setup: Setup, o: Omit<LoadOptions, 'url' | 'watch'>): Promise<LoadRun> {
  const origin = await originProcess(o.streams);
  try {
    const active = await bringUp(setup, [origin], {});
    try {
      const measurement = await runLoad({
        ...o,
        url: active.target.baseUrl,
        insecure: (active.target.tls?.ca?.length ?? 0) > 0 || o.insecure,
        watch: [
          { what: 'origin', pid: origin.pid },
          ...(setup.kind === 'simulated' ? [{ what: 'simulated proxy (pushthrough)', pid: process.pid }] : []),
        ],
      });
      const capacity = capacityOf(setup);
      return { measurement, ...(active.product ? { product: active.product } : {}), ...(capacity ? { capacity } : {}) };
    } finally {
      await active.stop().catch(() => undefined);
    }
  } finally {
    await origin.close();
  }
}
