/**
 * One load-generator process (`pushthrough load`): holds its share of streams
 * open through the path and reports, once a second over IPC, what happened
 * to them. Forked by src/measure/load.ts, several at once, because one
 * process may hold at most 20,000 open files here; each can bind its own
 * loopback source address (127.0.0.N) to get past one address's ephemeral
 * ports. It judges nothing: counts, kinds and latency samples only. Each
 * stream is src/client/load-stream.ts's.
 */
import type { LoadTransport } from '../vocabulary';
import { openLoadStream, type LoadStreamSpec } from './load-stream';

export type { LoadTransport } from '../vocabulary';

/** What one generator holds: `streams` of the stream load-stream.ts opens, started evenly over `rampMs`. */
export interface WorkerStart extends LoadStreamSpec {
  type: 'start';
  streams: number;
  /** spread the opens over this long */
  rampMs: number;
}

export interface WorkerTick {
  type: 'tick';
  transport: LoadTransport;
  /** streams opened since the last tick */
  opened: number;
  /** streams open now */
  open: number;
  /** streams asked for that have neither opened nor failed yet: a path that holds their answers (a buffered response head) keeps them here */
  pending: number;
  /** of those, the ones asked for at least HELD_AFTER_MS ago: held by the path, not still on their way to a refusal */
  waiting: number;
  /** streams that never opened, by kind, since the last tick (a status: its code) */
  failed: Record<string, number>;
  /** open streams the path ended, by kind, since the last tick */
  cut: Record<string, number>;
  /** event latencies since the last tick, ms (sampled) */
  latencies: number[];
  /** time to open, ms (sampled) */
  openMs: number[];
  /** the first failure's words, for the report: how many streams this process held (open or waiting) when it came */
  firstFailure?: { open: number; held: number; kind: string; detail: string };
  /** the worker's own limit (open files, ports): the tester's, never the path's */
  testerError?: string;
}

const SAMPLE = 2000;
/**
 * A stream with no answer this long after it was asked for is held by the
 * path; younger ones may still be on their way to a reset. Measured through
 * nginx-naive (about 512 SSE streams, heads held): counting every unanswered
 * stream said 515 held at once, the ramp's last few in flight.
 */
export const HELD_AFTER_MS = 250;

function run(start: WorkerStart, send: (m: WorkerTick) => void): { stop(): void } {
  let stopped = false;
  let open = 0;
  let pending = 0;
  let opened = 0;
  let failed: Record<string, number> = {};
  let cut: Record<string, number> = {};
  let latencies: number[] = [];
  let openMs: number[] = [];
  let firstFailure: WorkerTick['firstFailure'];
  let testerError: string | undefined;
  const closers = new Set<() => void>();
  /** when each unanswered stream was asked for */
  const askedAt = new Map<number, number>();
  let nextId = 0;
  const waiting = (): number => {
    const before = Date.now() - HELD_AFTER_MS;
    let n = 0;
    for (const at of askedAt.values()) if (at <= before) n++;
    return n;
  };
  const sample = (list: number[], v: number): void => {
    if (list.length < SAMPLE) list.push(v);
    else list[Math.floor(Math.random() * SAMPLE)] = v;
  };

  /** One stream, counted as it goes. */
  const openOne = (): void => {
    pending++;
    const id = nextId++;
    askedAt.set(id, Date.now());
    let isOpen = false;
    const close = openLoadStream(start, {
      opened: (ms) => {
        isOpen = true;
        askedAt.delete(id);
        pending--;
        open++;
        opened++;
        sample(openMs, ms);
      },
      event: (ms) => sample(latencies, ms),
      failed: (kind, detail) => {
        if (stopped) return;
        askedAt.delete(id);
        pending--;
        failed[kind] = (failed[kind] ?? 0) + 1;
        firstFailure ??= { open, held: open + waiting(), kind, detail };
      },
      cut: (kind) => {
        if (stopped) return;
        open--;
        cut[kind] = (cut[kind] ?? 0) + 1;
      },
      testerLimit: (err) => {
        askedAt.delete(id);
        if (isOpen) open--;
        else pending--;
        testerError ??= `the load generator ran out of ${err.code === 'EMFILE' || err.code === 'ENFILE' ? 'open files' : 'local ports'} (${err.code}) with ${open} streams open in one process: use fewer --streams per process (the limit here is 20,000 open files each)`;
      },
    });
    closers.add(close);
  };

  // Open at an even rate over the ramp.
  const everyMs = start.streams > 0 ? start.rampMs / start.streams : 0;
  let started = 0;
  const t0 = Date.now();
  const opener = setInterval(() => {
    const due = everyMs > 0 ? Math.min(start.streams, Math.floor((Date.now() - t0) / everyMs) + 1) : start.streams;
    while (started < due && !stopped && !testerError) {
      started++;
      openOne();
    }
    if (started >= start.streams || testerError) clearInterval(opener);
  }, 20);
  const ticker = setInterval(() => {
    send({ type: 'tick', transport: start.transport, opened, open, pending, waiting: waiting(), failed, cut, latencies, openMs, firstFailure, testerError });
    opened = 0;
    failed = {};
    cut = {};
    latencies = [];
    openMs = [];
  }, 1000);
  return {
    stop() {
      stopped = true;
      clearInterval(opener);
      clearInterval(ticker);
      send({ type: 'tick', transport: start.transport, opened, open, pending, waiting: waiting(), failed, cut, latencies, openMs, firstFailure, testerError });
      for (const c of closers) c();
    },
  };
}

if (require.main === module && process.send) {
  let current: { stop(): void } | undefined;
  const send = (m: unknown): void => {
    if (process.connected) process.send!(m);
  };
  process.on('message', (m: WorkerStart | { type: 'stop' }) => {
    if (m.type === 'start') current = run(m, send);
    else {
      current?.stop();
      send({ type: 'stopped' });
      process.disconnect();
      setTimeout(() => process.exit(0), 200).unref();
    }
  });
  // The parent went away: nothing of ours may outlive it.
  process.on('disconnect', () => process.exit(0));
}
