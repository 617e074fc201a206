/**
 * One held stream of the load mode: an SSE response, a chain of long polls or
 * a WebSocket, kept open on a channel that sends an event every interval.
 * What happens to it is told through callbacks: it opened (and how long that
 * took), an event arrived (its latency), it never opened (and how), the path
 * cut it once open, or the tester ran out of files or ports. It judges
 * nothing. Used by the load generator processes (src/client/load-worker.ts)
 * and by the Artillery engine shipped in artillery/ (the same streams, run
 * by Artillery's workers).
 *
 * Latency of an event is its arrival (this host's clock) minus the origin's
 * `emittedAt` (the origin's clock): right when both run on one machine; against
 * a remote origin it includes their clock offset.
 */
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';
import type { LoadTransport } from '../vocabulary';

export type FailKind = 'refused' | 'reset' | 'status' | 'timeout' | 'closed';

export interface LoadStreamSpec {
  /** base URL of the origin through the path */
  url: string;
  transport: LoadTransport;
  channel: string;
  intervalMs: number;
  /** a stream with no answer in this long failed (silently) */
  openTimeoutMs: number;
  localAddress?: string;
  token?: string;
  insecure?: boolean;
}

export interface LoadStreamEvents {
  opened(openMs: number): void;
  /** an event emitted after the stream asked for it arrived, this late */
  event(latencyMs: number): void;
  /** it never opened: `kind` is a FailKind or `status NNN` */
  failed(kind: string, detail: string): void;
  /** the path ended it after it had opened */
  cut(kind: string, detail: string): void;
  /** this process ran out of open files or local ports: the tester's limit, never the path's */
  testerLimit(err: NodeJS.ErrnoException): void;
}

/** Errors that are this machine's limits, not the path's. */
export const TESTER_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'EADDRINUSE', 'ENOBUFS']);

function kindOf(err: NodeJS.ErrnoException): FailKind {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'reset';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  return 'closed';
}

/** Opens the stream; returns how to close it (after which no callback fires). */
export function openLoadStream(spec: LoadStreamSpec, on: LoadStreamEvents): () => void {
  const base = new URL(spec.url);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const prefix = base.pathname.replace(/\/$/, '');
  const query = `channel=${encodeURIComponent(spec.channel)}&intervalMs=${spec.intervalMs}${spec.token ? `&token=${encodeURIComponent(spec.token)}` : ''}`;
  const t0 = Date.now();
  let isOpen = false;
  let done = false;
  let close: () => void = () => undefined;
  /** An event's latency; events emitted before the stream asked for them are the channel's history replayed, not delivery. */
  const onEventText = (text: string): void => {
    if (done) return;
    try {
      const e = JSON.parse(text) as { emittedAt?: number };
      if (typeof e.emittedAt === 'number' && e.emittedAt >= t0) on.event(Date.now() - e.emittedAt);
    } catch {
      // not an event
    }
  };
  const opening = setTimeout(() => {
    if (isOpen || done) return;
    done = true;
    on.failed('timeout', `no answer within ${spec.openTimeoutMs} ms`);
    close();
  }, spec.openTimeoutMs);
  const becameOpen = (): void => {
    if (isOpen || done) return;
    isOpen = true;
    clearTimeout(opening);
    on.opened(Date.now() - t0);
  };
  const ended = (kind: string, detail: string): void => {
    if (done) return;
    done = true;
    clearTimeout(opening);
    if (isOpen) on.cut(kind, detail);
    else on.failed(kind, detail);
  };
  const onError = (err: NodeJS.ErrnoException): void => {
    if (done) return;
    if (err.code && TESTER_CODES.has(err.code)) {
      done = true;
      clearTimeout(opening);
      on.testerLimit(err);
    } else ended(kindOf(err), err.code ?? err.message);
  };
  if (spec.transport === 'websocket') {
    const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://${base.host}${prefix}/ws?${query}`, { localAddress: spec.localAddress, rejectUnauthorized: !spec.insecure, perMessageDeflate: false });
    close = () => ws.terminate();
    ws.on('open', becameOpen);
    ws.on('message', (d) => onEventText(String(d)));
    ws.on('unexpected-response', (_req, res) => {
      ended(`status ${res.statusCode}`, `HTTP ${res.statusCode} instead of 101`);
      res.resume();
      ws.terminate();
    });
    ws.on('error', onError);
    ws.on('close', (code) => ended(code === 1006 ? 'reset' : 'closed', `close ${code}`));
  } else {
    const lib = secure ? https : http;
    let since = 0;
    const request = (): void => {
      const path = `${prefix}/${spec.transport === 'sse' ? 'sse' : 'long-poll'}?${query}${spec.transport === 'long-poll' ? `&hold=25000&since=${since}` : ''}`;
      const req = lib.request(
        { host: base.hostname, port: base.port || (secure ? 443 : 80), path, localAddress: spec.localAddress, agent: false, rejectUnauthorized: !spec.insecure, headers: { Accept: spec.transport === 'sse' ? 'text/event-stream' : 'application/json' } },
        (res) => {
          if (res.statusCode !== 200 && res.statusCode !== 204) {
            ended(`status ${res.statusCode}`, `HTTP ${res.statusCode}`);
            res.resume();
            return;
          }
          becameOpen();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            if (spec.transport !== 'sse') return;
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              for (const line of block.split('\n')) if (line.startsWith('data: ')) onEventText(line.slice(6));
            }
          });
          res.on('end', () => {
            if (spec.transport === 'long-poll' && !done) {
              try {
                const body = JSON.parse(buf || '{}') as { events?: Array<{ seq: number; emittedAt: number }> };
                for (const e of body.events ?? []) {
                  since = Math.max(since, e.seq);
                  onEventText(JSON.stringify(e));
                }
              } catch {
                // an answer that is not ours
              }
              request();
              return;
            }
            ended('closed', 'the response ended');
          });
          res.on('error', onError);
        },
      );
      close = () => req.destroy();
      req.on('error', onError);
      req.end();
    };
    request();
  }
  return () => {
    done = true;
    clearTimeout(opening);
    close();
  };
}
