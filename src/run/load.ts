/**
 * A load run through one setup: the origin in a process of its own (it holds
 * one socket per stream, and a process may hold 20,000 open files here),
 * the setup brought up in front of it as for the matrix, the generators
 * forked by src/measure/load.ts, then everything stopped. Or straight at a
 * URL someone deployed.
 */
import fs from 'node:fs';
import { runLoad, type LoadMeasurement, type LoadOptions } from '../measure/load';
import type { Setup } from '../setup/types';
import { nginxCapacity, type CapacityFact } from '../verdict/load';
import { bringUp } from './bring-up';
import { startOriginProcess } from './origin-process';

export interface LoadRun {
  measurement: LoadMeasurement;
  /** what stood in the path: the product and its version, when a real one */
  product?: string;
  /** what its configuration says it holds, where pushthrough can read it */
  capacity?: CapacityFact;
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
  const origin = await startOriginProcess({ label: 'origin (pushthrough load)', maxUnreadTotalMib: Math.max(256, Math.ceil(o.streams / 16)) });
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
