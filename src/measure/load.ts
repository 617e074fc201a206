/**
 * `pushthrough load`: holds many streams open through a path for a while and
 * records, second by second, how many are open, how many failed to open or
 * were cut and how (refused, reset, a status, silence), and their events'
 * delivery latency. The streams live in forked generator processes
 * (src/client/load-worker.ts), at most STREAMS_PER_WORKER each, because a
 * process here may hold 20,000 open files; each binds its own loopback source
 * address when the target is on loopback. Data only: thresholds and the
 * limit found are src/verdict/load.ts's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { percentile } from '../verdict/timing';
import { PROJECT_ROOT } from '../util/paths';
import type { WorkerStart, WorkerTick } from '../client/load-worker';
import type { LoadFailure, LoadMeasurement, LoadSecond, ProcessUse } from '../observation/load';
import type { LoadTransport } from '../vocabulary';

export type { LoadFailure, LoadMeasurement, LoadSecond, ProcessUse } from '../observation/load';
export type { LoadTransport } from '../vocabulary';

/** Streams one generator process holds: two files each at most (a socket, and its DNS/TLS bits), well under 20,000. */
export const STREAMS_PER_WORKER = 4000;

export interface LoadOptions {
  url: string;
  transports: LoadTransport[];
  /** streams in all, spread evenly over the transports */
  streams: number;
  rampMs: number;
  /** how long to hold them once the ramp is done */
  durationMs: number;
  /** the channel's emit interval: each open stream gets an event this often */
  intervalMs?: number;
  token?: string;
  insecure?: boolean;
  openTimeoutMs?: number;
  /** processes of ours to watch (the origin, the simulated proxy): memory and open files each second */
  watch?: Array<{ what: string; pid: number }>;
  onSecond?: (s: LoadSecond) => void;
  signal?: AbortSignal;
}

function usageOf(what: string, pid: number): ProcessUse | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { what, pid, rssMiB: Math.round(rssKb / 1024), openFiles: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

const add = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** Loopback source addresses for the generators, when the target is on loopback: each its own set of ephemeral ports. */
function sourceAddress(url: string, i: number): string | undefined {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' ? `127.0.0.${2 + (i % 250)}` : undefined;
}

export async function runLoad(o: LoadOptions): Promise<LoadMeasurement> {
  const intervalMs = o.intervalMs ?? 1000;
  const channel = `load-${Date.now().toString(36)}`;
  // Streams per transport, then per worker.
  const shares: Array<{ transport: LoadTransport; streams: number }> = [];
  o.transports.forEach((transport, i) => {
    let n = Math.floor(o.streams / o.transports.length) + (i < o.streams % o.transports.length ? 1 : 0);
    while (n > 0) {
      const take = Math.min(n, STREAMS_PER_WORKER);
      shares.push({ transport, streams: take });
      n -= take;
    }
  });
  // The compiled generator, also when this module runs from src/ (tests): a forked process runs JavaScript.
  const workerPath = __filename.endsWith('.ts') ? path.join(PROJECT_ROOT, 'dist', 'client', 'load-worker.js') : path.join(__dirname, '..', 'client', 'load-worker.js');
  const children: ChildProcess[] = [];
  const timeline: LoadSecond[] = [];
  const openNow = new Map<number, number>();
  const pendingNow = new Map<number, number>();
  /** unanswered streams old enough to be held by the path (load-worker's HELD_AFTER_MS) */
  const waitingNow = new Map<number, number>();
  const openByTransport = new Map<number, LoadTransport>();
  const peakOpen: Record<string, number> = {};
  const peakHeld: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const cut: Record<string, number> = {};
  const latencies: number[] = [];
  const openMs: number[] = [];
  let opened = 0;
  let firstFailure: LoadFailure | undefined;
  let testerError: string | undefined;
  let second: { opened: number; failed: number; cut: number; lat: number[] } = { opened: 0, failed: 0, cut: 0, lat: [] };
  const heaviest = new Map<number, ProcessUse>();
  /** A per-generator count summed over every generator, or over those of one transport. */
  const sumOf = (map: Map<number, number>, t?: LoadTransport): number => [...map].reduce((a, [w, n]) => (t === undefined || openByTransport.get(w) === t ? a + n : a), 0);
  const t0 = Date.now();

  const onTick = (i: number, m: WorkerTick): void => {
    openNow.set(i, m.open);
    pendingNow.set(i, m.pending);
    waitingNow.set(i, m.waiting);
    opened += m.opened;
    second.opened += m.opened;
    add(failed, m.failed);
    add(cut, m.cut);
    second.failed += Object.values(m.failed).reduce((a, b) => a + b, 0);
    second.cut += Object.values(m.cut).reduce((a, b) => a + b, 0);
    for (const l of m.latencies) {
      second.lat.push(l);
      if (latencies.length < 200_000) latencies.push(l);
    }
    for (const v of m.openMs) if (openMs.length < 50_000) openMs.push(v);
    if (m.firstFailure && !firstFailure) {
      // Streams of this transport open at that moment, over every worker.
      const others = (map: Map<number, number>): number => sumOf(map, m.transport) - (map.get(i) ?? 0);
      firstFailure = { transport: m.transport, open: m.firstFailure.open + others(openNow), held: m.firstFailure.held + others(openNow) + others(waitingNow), kind: m.firstFailure.kind, detail: m.firstFailure.detail };
    }
    testerError ??= m.testerError;
  };

  try {
    shares.forEach((share, i) => {
      const child = fork(workerPath, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
      children.push(child);
      openByTransport.set(i, share.transport);
      child.on('message', (m: WorkerTick) => m.type === 'tick' && onTick(i, m));
      const start: WorkerStart = {
        type: 'start',
        url: o.url,
        transport: share.transport,
        streams: share.streams,
        rampMs: o.rampMs,
        channel: `${channel}-${share.transport}`,
        intervalMs,
        localAddress: sourceAddress(o.url, i),
        token: o.token,
        insecure: o.insecure,
        openTimeoutMs: o.openTimeoutMs ?? 10_000,
      };
      child.send(start);
    });
    const endAt = t0 + o.rampMs + o.durationMs;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const open = sumOf(openNow);
        const pending = sumOf(pendingNow);
        peakOpen.all = Math.max(peakOpen.all ?? 0, open);
        for (const t of o.transports) {
          peakOpen[t] = Math.max(peakOpen[t] ?? 0, sumOf(openNow, t));
          peakHeld[t] = Math.max(peakHeld[t] ?? 0, sumOf(openNow, t) + sumOf(waitingNow, t));
        }
        const s: LoadSecond = { t: Math.round((Date.now() - t0) / 1000), open, pending, opened: second.opened, failed: second.failed, cut: second.cut };
        if (second.lat.length) Object.assign(s, { p50: Math.round(percentile(second.lat, 50)), p95: Math.round(percentile(second.lat, 95)), p99: Math.round(percentile(second.lat, 99)) });
        timeline.push(s);
        o.onSecond?.(s);
        second = { opened: 0, failed: 0, cut: 0, lat: [] };
        for (const w of o.watch ?? []) {
          const u = usageOf(w.what, w.pid);
          const prev = heaviest.get(w.pid);
          if (u) heaviest.set(w.pid, { ...u, rssMiB: Math.max(u.rssMiB, prev?.rssMiB ?? 0), openFiles: Math.max(u.openFiles, prev?.openFiles ?? 0) });
        }
        if (Date.now() >= endAt || o.signal?.aborted || testerError) {
          clearInterval(tick);
          resolve();
        }
      }, 1000);
    });
    // Stop: each generator sends its last counts and closes its streams.
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (c.connected) c.send({ type: 'stop' });
            else resolve();
          }),
      ),
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
  return {
    url: o.url,
    transports: o.transports,
    streams: o.streams,
    rampMs: o.rampMs,
    durationMs: o.durationMs,
    intervalMs,
    workers: shares.length,
    timeline,
    peakOpen,
    peakHeld,
    opened,
    failed,
    pending: timeline.at(-1)?.pending ?? 0,
    cut,
    latency: latencies.length ? { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)), samples: latencies.length } : { samples: 0 },
    timeToOpen: openMs.length ? { p50: Math.round(percentile(openMs, 50)), p95: Math.round(percentile(openMs, 95)) } : {},
    ...(firstFailure ? { firstFailure } : {}),
    processes: [...heaviest.values()],
    ...(testerError ? { testerError } : {}),
  };
}
