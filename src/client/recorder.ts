/**
 * What every transport client records into: an Observation under
 * construction, on a clock relative to the check's (or stream's) start. The
 * clients (sse.ts, websocket.ts, polling.ts) write answers, arrivals, bytes
 * and ends here; checks and measurements read them back. Nothing here judges.
 */
import { CONNECT_REFUSED } from '../vocabulary';
import { performance } from 'node:perf_hooks';
import type { Arrival, CheckId, HttpAnswer, Observation, Scenario, StreamEnd, Transport } from '../observation/types';
import type { CutHow } from '../observation/limits';
import { parseEvent } from '../protocol/events';

/** Headers never kept as evidence: they identify the user, not the path. */
const PRIVATE_HEADERS = new Set(['set-cookie', 'cookie', 'authorization', 'proxy-authorization']);
const MAX_HEADERS = 40;
const MAX_HEADER_CHARS = 200;
const MAX_SNIPPET_CHARS = 1024;

/** Response headers as evidence: lower-case names, private ones left out, values capped. */
export function evidenceHeaders(entries: Iterable<[string, string | string[] | undefined | null]>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of entries) {
    const name = k.toLowerCase();
    if (v === undefined || v === null || PRIVATE_HEADERS.has(name)) continue;
    out[name] = (Array.isArray(v) ? v.join(', ') : String(v)).slice(0, MAX_HEADER_CHARS);
    if (++n >= MAX_HEADERS) break;
  }
  return out;
}

/** The first bytes of an error page, whitespace folded. */
export function snippet(text: string, max = MAX_SNIPPET_CHARS): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export interface ClassifiedError {
  code: string;
  message: string;
  /** how a stream ended when this error cut it */
  how: 'reset' | 'clean-close';
}

/** Maps Node/undici/ws errors to a stable code; RST and FIN are told apart. */
export function classifyError(err: unknown): ClassifiedError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string; cause?: { code?: string } } };
  const code = e?.cause?.code ?? e?.code ?? e?.cause?.cause?.code ?? 'UNKNOWN';
  const message = [e?.message, e?.cause?.message].filter(Boolean).join(': ') || String(err);
  // A forward proxy that answers CONNECT with anything but 200 refused the tunnel
  // (undici's ProxyAgent says so only in its message; the ws client's agent throws ConnectRefused).
  // fetch wraps it twice (TypeError → DOMException 'Request was cancelled.' → undici's error).
  const tunnel = /Proxy response \((\d+)\) !== 200 when HTTP Tunneling/.exec([message, (e?.cause?.cause as { message?: string } | undefined)?.message].join(' '));
  if (tunnel) return { code: CONNECT_REFUSED, message: `the forward proxy refused CONNECT (HTTP ${tunnel[1]})`, how: 'reset' };
  const refused = [err, e?.cause].find((x) => (x as Error | undefined)?.name === 'ConnectRefused') as Error | undefined;
  if (refused) return { code: CONNECT_REFUSED, message: refused.message, how: 'reset' };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code: 'ECONNRESET', message, how: 'reset' };
  // undici: "other side closed" = FIN in the middle of a chunked body.
  if (code === 'UND_ERR_SOCKET' || /other side closed|terminated/i.test(message)) return { code: 'EOF', message, how: 'clean-close' };
  return { code, message, how: 'reset' };
}

export class CheckRecorder<P = unknown> {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  readonly answers: HttpAnswer[] = [];
  readonly arrivals: Arrival[] = [];
  readonly ends: StreamEnd[] = [];
  /** bytes received (bodies, messages) */
  bytes = 0;
  /** when the last byte (event, heartbeat, ping) arrived, ms since the start */
  lastByteAtMs: number | undefined;
  /** when the first stream head (200 / 101) arrived */
  openedAtMs: number | undefined;
  requests = 0;
  connections = 0;
  foreignChannel: string | undefined;
  payload: P | undefined;
  testerError: string | undefined;

  constructor(
    readonly transport: Transport,
    readonly check: CheckId,
    readonly scenario?: Scenario,
  ) {}

  /** ms since the check started, client clock */
  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  answer(a: Omit<HttpAnswer, 'atMs'>): HttpAnswer {
    const full = { atMs: this.now(), ...a };
    this.answers.push(full);
    return full;
  }

  /** A stream's head arrived (200 event-stream, 101): it is open. */
  opened(): void {
    this.openedAtMs ??= this.now();
    this.lastByteAtMs ??= this.openedAtMs;
  }

  end(e: Omit<StreamEnd, 'atMs'>): void {
    this.ends.push({ atMs: this.now(), ...e });
  }

  /** Bytes arrived (0 for a ping): counts them and marks the stream as not silent. */
  received(bytes: number): void {
    this.bytes += bytes;
    this.lastByteAtMs = this.now();
  }

  /** Records one event's arrival from its wire JSON; undefined when it is not an origin event. */
  arrival(raw: string, connection: number, expectedPayloadBytes: number): Arrival | undefined {
    const ev = parseEvent(raw, expectedPayloadBytes);
    if (!ev) return undefined;
    const a: Arrival = { ...ev, arrivedMs: this.now(), connection };
    this.arrivals.push(a);
    return a;
  }

  hasSeq(seq: number): boolean {
    return this.arrivals.some((a) => a.seq === seq);
  }

  finish(seen?: Observation['seen']): Observation<P> {
    return {
      transport: this.transport,
      check: this.check,
      startedAt: this.startedAt,
      durationMs: this.now(),
      scenario: this.scenario,
      answers: this.answers,
      arrivals: this.arrivals,
      ends: this.ends,
      seen,
      ...(this.requests ? { requests: this.requests } : {}),
      ...(this.connections ? { connections: this.connections } : {}),
      ...(this.bytes ? { bytes: this.bytes } : {}),
      ...(this.lastByteAtMs !== undefined ? { lastByteAtMs: this.lastByteAtMs } : {}),
      ...(this.foreignChannel !== undefined ? { foreignChannel: this.foreignChannel } : {}),
      ...(this.payload !== undefined ? { payload: this.payload } : {}),
      ...(this.testerError !== undefined ? { testerError: this.testerError } : {}),
    };
  }
}

/** How the path ended a stream, as a measurement reports it. */
export interface StreamEndSeen {
  how: CutHow;
  atMs: number;
  code?: string | number;
  detail?: string;
}

/** The end the path caused on a stream, if any (a status instead of the stream, FIN, RST); never one of ours. */
export function endSeen(rec: CheckRecorder): StreamEndSeen | undefined {
  const e = rec.ends.find((x) => x.how !== 'open');
  if (!e) return undefined;
  const how: CutHow = e.how === 'error-status' ? 'status' : e.how === 'reset' ? 'reset' : 'close';
  return { how, atMs: e.atMs, code: e.code, detail: e.detail };
}

/** When event `seq` arrived, ms since the recorder started. */
export function arrivedAt(rec: CheckRecorder, seq: number): number | undefined {
  return rec.arrivals.find((a) => a.seq === seq)?.arrivedMs;
}
