/**
 * One load-generator process (`pushthrough load`): holds its share of streams
 * open through the path and reports, once a second over IPC, what happened
 * to them. Forked by src/measure/load.ts, several at once, because one
 * process may hold at most 20,000 open files here; each can bind its own
 * loopback source address (127.0.0.N) to get past one address's ephemeral
 * ports. It judges nothing: counts, kinds and latency samples only.
 *
 * Latency of an event is its arrival (this host's clock) minus the origin's
 * `emittedAt` (the origin's clock): right when both run on one machine, as
 * the load mode's origin does; against a remote origin it includes their
 * clock offset.
 */
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';

import type { LoadTransport } from '../vocabulary';

export type { LoadTransport } from '../vocabulary';

export interface WorkerStart {
  type: 'start';
  /** base URL of the origin through the path */
  url: string;
  transport: LoadTransport;
  streams: number;
  /** spread the opens over this long */
  rampMs: number;
  channel: string;
  intervalMs: number;
  localAddress?: string;
  token?: string;
  insecure?: boolean;
  /** a stream with no answer in this long failed (silently) */
  openTimeoutMs: number;
}

export type FailKind = 'refused' | 'reset' | 'status' | 'timeout' | 'closed';

export interface WorkerTick {
  type: 'tick';
  transport: LoadTransport;
  /** streams opened since the last tick */
  opened: number;
  /** streams open now */
  open: number;
  /** streams asked for that have neither opened nor failed yet: a path that holds their answers (a buffered response head) keeps them here */
  pending: number;
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
const TESTER_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'EADDRINUSE', 'ENOBUFS']);

function kindOf(err: NodeJS.ErrnoException): FailKind {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'reset';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  return 'closed';
}

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
  const base = new URL(start.url);
  const secure = base.protocol === 'https:';
  const query = `channel=${encodeURIComponent(start.channel)}&intervalMs=${start.intervalMs}${start.token ? `&token=${encodeURIComponent(start.token)}` : ''}`;
  const sample = (list: number[], v: number): void => {
    if (list.length < SAMPLE) list.push(v);
    else list[Math.floor(Math.random() * SAMPLE)] = v;
  };
  /** An event's latency; events emitted before the stream asked for them are the channel's history replayed, not delivery. */
  const onEventText = (text: string, since: number): void => {
    try {
      const e = JSON.parse(text) as { emittedAt?: number };
      if (typeof e.emittedAt === 'number' && e.emittedAt >= since) sample(latencies, Date.now() - e.emittedAt);
    } catch {
      // not an event
    }
  };
  const fail = (kind: string, detail: string): void => {
    failed[kind] = (failed[kind] ?? 0) + 1;
    firstFailure ??= { open, held: open + pending, kind, detail };
  };
  const tester = (err: NodeJS.ErrnoException): boolean => {
    if (!err.code || !TESTER_CODES.has(err.code)) return false;
    testerError ??= `the load generator ran out of ${err.code === 'EMFILE' || err.code === 'ENFILE' ? 'open files' : 'local ports'} (${err.code}) with ${open} streams open in one process: use fewer --streams per process (the limit here is 20,000 open files each)`;
    return true;
  };

  /** One stream; calls its callbacks, and returns how to close it. */
  const openOne = (): void => {
    const t0 = Date.now();
    let isOpen = false;
    let done = false;
    pending++;
    const opening = setTimeout(() => {
      if (isOpen || done) return;
      done = true;
      pending--;
      fail('timeout', `no answer within ${start.openTimeoutMs} ms`);
      close();
    }, start.openTimeoutMs);
    const becameOpen = (): void => {
      isOpen = true;
      pending--;
      open++;
      opened++;
      sample(openMs, Date.now() - t0);
      clearTimeout(opening);
    };
    const ended = (kind: string, detail: string): void => {
      if (done || stopped) return;
      done = true;
      clearTimeout(opening);
      if (isOpen) {
        open--;
        cut[kind] = (cut[kind] ?? 0) + 1;
      } else {
        pending--;
        fail(kind, detail);
      }
    };
    let close: () => void = () => undefined;
    if (start.transport === 'websocket') {
      const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://${base.host}${base.pathname.replace(/\/$/, '')}/ws?${query}`, { localAddress: start.localAddress, rejectUnauthorized: !start.insecure, perMessageDeflate: false });
      close = () => ws.terminate();
      ws.on('open', becameOpen);
      ws.on('message', (d) => onEventText(String(d), t0));
      ws.on('unexpected-response', (_req, res) => {
        ended(`status ${res.statusCode}`, `HTTP ${res.statusCode} instead of 101`);
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err: NodeJS.ErrnoException) => {
        if (!tester(err)) ended(kindOf(err), err.code ?? err.message);
      });
      ws.on('close', (code) => ended(code === 1006 ? 'reset' : 'closed', `close ${code}`));
    } else {
      const lib = secure ? https : http;
      let since = 0;
      const request = (): void => {
        const path = `${base.pathname.replace(/\/$/, '')}/${start.transport === 'sse' ? 'sse' : 'long-poll'}?${query}${start.transport === 'long-poll' ? `&hold=25000&since=${since}` : ''}`;
        const req = lib.request(
          { host: base.hostname, port: base.port || (secure ? 443 : 80), path, localAddress: start.localAddress, agent: false, rejectUnauthorized: !start.insecure, headers: { Accept: start.transport === 'sse' ? 'text/event-stream' : 'application/json' } },
          (res) => {
            if (res.statusCode !== 200 && res.statusCode !== 204) {
              ended(`status ${res.statusCode}`, `HTTP ${res.statusCode}`);
              res.resume();
              return;
            }
            if (!isOpen) becameOpen();
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buf += chunk;
              if (start.transport !== 'sse') return;
              let i: number;
              while ((i = buf.indexOf('\n\n')) >= 0) {
                const block = buf.slice(0, i);
                buf = buf.slice(i + 2);
                for (const line of block.split('\n')) if (line.startsWith('data: ')) onEventText(line.slice(6), t0);
              }
            });
            res.on('end', () => {
              if (start.transport === 'long-poll' && !stopped && !done) {
                try {
                  const body = JSON.parse(buf || '{}') as { events?: Array<{ seq: number; emittedAt: number }> };
                  for (const e of body.events ?? []) {
                    since = Math.max(since, e.seq);
                    onEventText(JSON.stringify(e), t0);
                  }
                } catch {
                  // an answer that is not ours
                }
                request();
                return;
              }
              ended('closed', 'the response ended');
            });
            res.on('error', (err: NodeJS.ErrnoException) => ended(kindOf(err), err.code ?? err.message));
          },
        );
        close = () => req.destroy();
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (!tester(err)) ended(kindOf(err), err.code ?? err.message);
        });
        req.end();
      };
      request();
    }
    closers.add(() => close());
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
    send({ type: 'tick', transport: start.transport, opened, open, pending, failed, cut, latencies, openMs, firstFailure, testerError });
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
      send({ type: 'tick', transport: start.transport, opened, open, pending, failed, cut, latencies, openMs, firstFailure, testerError });
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
