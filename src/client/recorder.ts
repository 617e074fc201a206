/**
 * Helpers every transport probe shares: a clock relative to the check's start,
 * an Observation under construction, deadline-bounded waiting (never a bare
 * sleep as synchronisation), and the classification of transport errors.
 */
import { performance } from 'node:perf_hooks';
import type { Arrival, CheckId, HttpAnswer, Observation, Scenario, StreamEnd, Transport } from '../observation/types';
import { payloadIntact } from '../origin/channel';

/** Headers worth keeping as evidence of who answered and what they did. */
const EVIDENCE_HEADERS = [
  'server', 'via', 'content-type', 'content-encoding', 'content-length', 'transfer-encoding', 'cache-control',
  'age', 'x-cache', 'x-served-by', 'connection', 'upgrade', 'x-accel-buffering', 'retry-after', 'cf-ray', 'x-request-id', 'x-pushthrough-instance',
];

export function pickHeaders(get: (name: string) => string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of EVIDENCE_HEADERS) {
    const v = get(h);
    if (v !== null && v !== undefined && v !== '') out[h] = String(v).slice(0, 200);
  }
  return out;
}

export function snippet(text: string, max = 300): string {
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
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code: 'ECONNRESET', message, how: 'reset' };
  // undici: "other side closed" = FIN in the middle of a chunked body.
  if (code === 'UND_ERR_SOCKET' || /other side closed|terminated/i.test(message)) return { code: 'EOF', message, how: 'clean-close' };
  return { code, message, how: 'reset' };
}

export class CheckRecorder {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  readonly answers: HttpAnswer[] = [];
  readonly arrivals: Arrival[] = [];
  readonly ends: StreamEnd[] = [];
  readonly extra: Record<string, unknown> = {};
  testerError?: string;

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

  end(e: Omit<StreamEnd, 'atMs'>): void {
    this.ends.push({ atMs: this.now(), ...e });
  }

  /** Records one event's arrival from its wire JSON; returns the seq or undefined if unparseable. */
  arrival(raw: string, connection: number, expectedPayloadBytes: number): Arrival | undefined {
    let ev: { seq?: unknown; offsetMs?: unknown; payload?: unknown };
    try {
      ev = JSON.parse(raw) as typeof ev;
    } catch {
      this.extra.unparseable = ((this.extra.unparseable as number) ?? 0) + 1;
      return undefined;
    }
    if (typeof ev.seq !== 'number' || typeof ev.offsetMs !== 'number') return undefined;
    const payload = typeof ev.payload === 'string' ? ev.payload : '';
    const a: Arrival = {
      seq: ev.seq,
      offsetMs: ev.offsetMs,
      arrivedMs: this.now(),
      bytes: Buffer.byteLength(raw),
      connection,
      intact: payloadIntact(payload, expectedPayloadBytes, ev.seq),
    };
    this.arrivals.push(a);
    return a;
  }

  finish(seen?: Observation['seen']): Observation {
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
      extra: Object.keys(this.extra).length ? this.extra : undefined,
      testerError: this.testerError,
    };
  }
}

/**
 * Resolves when `until()` is true (checked on every `poke()`), or when the
 * deadline passes. Event-driven: the caller pokes on every relevant event.
 */
export class Waiter {
  private resolve!: (reason: 'done' | 'deadline') => void;
  private timer: NodeJS.Timeout;
  readonly done: Promise<'done' | 'deadline'>;
  private settled = false;

  constructor(
    private readonly until: () => boolean,
    deadlineMs: number,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
    this.timer = setTimeout(() => this.settle('deadline'), deadlineMs);
  }

  poke(): void {
    if (!this.settled && this.until()) this.settle('done');
  }

  /** Move the deadline: e.g. once the first event arrived, the schedule tells when the rest is due. */
  extend(deadlineMs: number): void {
    if (this.settled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle('deadline'), deadlineMs);
  }

  private settle(r: 'done' | 'deadline'): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(r);
  }
}

/** A bounded pause that is part of a measurement (e.g. the gap between two polls), not synchronisation. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
