/**
 * Shared helpers for the simulated-proxy tests: start origin + proxy, and
 * clients that record what happened (status, timing, FIN vs RST, silence)
 * instead of throwing — every wait races a deadline, nothing sleeps to
 * synchronise.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../src/origin/server';
import { startSimulatedProxy, type FaultSpec, type RunningSimulatedProxy } from '../../src/proxy/simulated/simulated-proxy';
import { until } from './until';
import { tryKeepalives } from '../../src/checks/keepalive';

export interface Stack {
  origin: RunningOrigin;
  origins: RunningOrigin[];
  proxy: RunningSimulatedProxy;
  close(): Promise<void>;
}

/** Origin(s) from src/origin and a simulated proxy with `faults` in front. */
export async function startStack(faults: FaultSpec[], originCount = 1): Promise<Stack> {
  const origins: RunningOrigin[] = [];
  for (let i = 0; i < originCount; i++) origins.push(await startOrigin({ port: 0 }));
  const proxy = await startSimulatedProxy({ targets: origins.map((o) => o.url), faults });
  return {
    origin: origins[0],
    origins,
    proxy,
    async close() {
      await proxy.close();
      await Promise.all(origins.map((o) => o.close()));
    },
  };
}

/**
 * Resolves with the first log line matching `re`; rejects at the deadline. An
 * exchange's line is written when it ends, which can be a moment after the
 * client saw the end: this waits for it instead of racing it.
 */
export async function logged(proxy: RunningSimulatedProxy, re: RegExp, deadlineMs = 3_000): Promise<string> {
  const line = await until(() => proxy.logs().find((l) => re.test(l)), deadlineMs);
  if (line === undefined) throw new Error(`no log line ${re} within ${deadlineMs} ms; the log:\n${proxy.logs().slice(-20).join('\n')}`);
  return line;
}

let probeCounter = 0;
/** A fresh probe id, so /_seen answers for this test only. */
export function probeId(prefix: string): string {
  probeCounter += 1;
  return `${prefix}-${process.pid}-${probeCounter}`;
}

/** What reached the origin for a probe id. */
export async function seenAt(originUrl: string, probe: string): Promise<{ method: string; path: string; httpVersion: string; headers: Record<string, string>; upgraded: boolean }[]> {
  const r = await fetch(`${originUrl}/_seen?id=${encodeURIComponent(probe)}`);
  const body = (await r.json()) as { requests: { method: string; path: string; httpVersion: string; headers: Record<string, string>; upgraded: boolean }[] };
  return body.requests;
}

export type EndHow = 'end' | 'fin' | 'reset' | 'deadline';

/** One request on a raw socket: the head, the body bytes as they came, and how the connection ended. */
export interface RawRecord {
  status?: number;
  headers: Record<string, string>;
  /** the bytes after the head, raw (chunked framing included) */
  body: Buffer;
  headAtMs?: number;
  /** ms of every data event after the head */
  chunkAtMs: number[];
  endAtMs: number;
  /** 'end': the peer closed (FIN); 'reset': ECONNRESET; 'deadline': still open when we gave up */
  how: EndHow;
  error?: string;
}

/**
 * Sends `GET path` on a fresh TCP connection and records until the peer closes
 * (FIN → 'fin', RST → 'reset') or `deadlineMs` passes ('deadline'). With
 * `untilComplete` it also stops once a Content-Length body or the chunked
 * terminator arrived ('end').
 */
export function rawGet(
  baseUrl: string,
  path: string,
  opts: { deadlineMs: number; headers?: Record<string, string>; untilComplete?: boolean; httpVersion?: '1.0' | '1.1' },
): Promise<RawRecord> {
  const { hostname, port } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let buf = Buffer.alloc(0);
    const rec: RawRecord = { headers: {}, body: Buffer.alloc(0), chunkAtMs: [], endAtMs: 0, how: 'deadline' };
    let headDone = false;
    let settled = false;
    const finish = (how: EndHow, error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rec.how = how;
      rec.error = error;
      rec.endAtMs = Date.now() - started;
      socket.destroy();
      resolve(rec);
    };
    const timer = setTimeout(() => finish('deadline'), opts.deadlineMs);
    socket.on('connect', () => {
      const extra = Object.entries({ host: `${hostname}:${port}`, ...(opts.headers ?? {}) })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`GET ${path} HTTP/${opts.httpVersion ?? '1.1'}\r\n${extra}\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      if (!headDone) {
        buf = Buffer.concat([buf, d]);
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        headDone = true;
        rec.headAtMs = Date.now() - started;
        const lines = buf.subarray(0, i).toString('latin1').split('\r\n');
        rec.status = Number(lines[0].split(' ')[1]);
        for (const line of lines.slice(1)) {
          const c = line.indexOf(':');
          if (c > 0) rec.headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
        d = buf.subarray(i + 4);
        if (d.length === 0) {
          checkComplete();
          return;
        }
      }
      rec.chunkAtMs.push(Date.now() - started);
      rec.body = Buffer.concat([rec.body, d]);
      checkComplete();
    });
    const checkComplete = (): void => {
      if (!opts.untilComplete) return;
      const cl = rec.headers['content-length'];
      if (cl !== undefined && rec.body.length >= Number(cl)) finish('end');
      else if (rec.headers['transfer-encoding'] === 'chunked' && rec.body.includes('\r\n0\r\n\r\n')) finish('end');
      else if (rec.headers['transfer-encoding'] === 'chunked' && rec.body.subarray(0, 5).toString() === '0\r\n\r\n') finish('end');
    };
    socket.on('end', () => finish('fin'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNRESET' ? 'reset' : 'fin', err.code ?? err.message));
    socket.on('close', () => finish('fin'));
  });
}

/** Decodes a chunked body (possibly truncated); returns the payload bytes. */
export function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  while (off < raw.length) {
    const eol = raw.indexOf('\r\n', off);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(off, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, Math.min(raw.length, eol + 2 + size)));
    off = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export interface SseRecord {
  status?: number;
  headers: http.IncomingHttpHeaders;
  headAtMs?: number;
  /** client ms at which each complete `data:` event arrived */
  eventsAtMs: number[];
  events: string[];
  endAtMs?: number;
  how: 'end' | 'error' | 'deadline';
  error?: string;
}

/**
 * Reads an event stream with http.get (optionally sending Accept-Encoding:
 * gzip and decoding it on the fly) and notes when each event arrives.
 */
export function readSse(baseUrl: string, path: string, opts: { deadlineMs: number; gzip?: boolean; headers?: Record<string, string> }): Promise<SseRecord> {
  const started = Date.now();
  return new Promise((resolve) => {
    const rec: SseRecord = { headers: {}, eventsAtMs: [], events: [], how: 'deadline' };
    let settled = false;
    const finish = (how: SseRecord['how'], error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rec.how = how;
      rec.error = error;
      rec.endAtMs = Date.now() - started;
      req.destroy();
      resolve(rec);
    };
    const timer = setTimeout(() => finish('deadline'), opts.deadlineMs);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...(opts.headers ?? {}) };
    if (opts.gzip) headers['accept-encoding'] = 'gzip';
    const req = http.get(`${baseUrl}${path}`, { headers, agent: false }, (res) => {
      rec.status = res.statusCode;
      rec.headers = res.headers;
      rec.headAtMs = Date.now() - started;
      let stream: NodeJS.ReadableStream = res;
      if (res.headers['content-encoding'] === 'gzip') {
        const gunzip = zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH });
        gunzip.on('error', (e) => finish('error', e.message));
        res.pipe(gunzip);
        stream = gunzip;
      }
      let text = '';
      stream.on('data', (d: Buffer) => {
        text += d.toString('utf8');
        let i: number;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (data) {
            rec.events.push(data);
            rec.eventsAtMs.push(Date.now() - started);
          }
        }
      });
      stream.on('end', () => finish('end'));
      res.on('error', (e) => finish('error', e.message));
      res.on('aborted', () => finish('error', 'aborted'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish('error', e.code ?? e.message));
  });
}

/**
 * A WebSocket client that queues messages from the moment it exists (the
 * origin pushes right after the 101, often in the same TCP segment, before a
 * test could attach a listener).
 */
export class WsClient {
  private readonly queue: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const b = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(b);
      } else this.queue.push(b);
    });
  }

  /** The next message, or undefined at the deadline. */
  next(deadlineMs: number): Promise<Buffer | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, deadlineMs);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  }
}

export type WsOutcome =
  | { kind: 'open'; ws: WebSocket; client: WsClient; atMs: number }
  | { kind: 'rejected'; status: number; body: string; atMs: number }
  | { kind: 'error'; message: string; atMs: number };

/** Opens a WebSocket through `baseUrl`; resolves with open, the refusal status, or the error. */
export function wsConnect(baseUrl: string, path: string, deadlineMs = 5000, options: WebSocket.ClientOptions = {}): Promise<WsOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { handshakeTimeout: deadlineMs, ...options });
    const client = new WsClient(ws);
    ws.on('open', () => resolve({ kind: 'open', ws, client, atMs: Date.now() - started }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        resolve({ kind: 'rejected', status: res.statusCode ?? 0, body, atMs: Date.now() - started });
        ws.terminate();
      });
      res.on('error', () => resolve({ kind: 'rejected', status: res.statusCode ?? 0, body, atMs: Date.now() - started }));
    });
    ws.on('error', (err) => resolve({ kind: 'error', message: err.message, atMs: Date.now() - started }));
  });
}

/** How an open WebSocket ended, or that it was still open at the deadline. */
export function wsClosed(ws: WebSocket, deadlineMs: number): Promise<{ code?: number; reason?: string; atMs: number; how: 'closed' | 'deadline'; error?: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let error: string | undefined;
    const timer = setTimeout(() => resolve({ how: 'deadline', atMs: Date.now() - started }), deadlineMs);
    timer.unref();
    ws.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString(), atMs: Date.now() - started, how: 'closed', error });
    });
  });
}

/** Resolves `value` after `ms` without keeping the process alive: the losing side of a race. */
export function deadline<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** Closes a client WebSocket without caring how the far side reacts. */
export function wsDispose(ws: WebSocket): void {
  ws.on('error', () => {});
  ws.terminate();
}

/**
 * Which keepalive kinds keep a transport's silent streams open through `proxyUrl`
 * (src/checks/keepalive.ts, over real sockets): the kinds kept, the kinds cut,
 * and the control's fate. Streams stay silent `silenceMs`, each kind every `everyMs`.
 */
export async function keepaliveThrough(
  proxyUrl: string,
  transport: 'sse' | 'websocket' | 'long-poll',
  opts: { silenceMs: number; everyMs: number },
): Promise<{ kept: string[]; cut: string[]; control: string; trials: { kind: string; outcome: string; how?: string }[] }> {
  const { result } = await tryKeepalives({ target: { baseUrl: proxyUrl }, transport, ...opts, connectTimeoutMs: 3000, graceMs: 800 });
  const of = (o: string): string[] => result.trials.filter((t) => t.kind !== 'none' && t.outcome === o).map((t) => t.kind);
  return { kept: of('kept'), cut: of('cut'), control: result.trials.find((t) => t.kind === 'none')!.outcome, trials: result.trials };
}
