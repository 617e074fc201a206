/**
 * A real-time library's own client, run through a path for a while: it
 * records a LibraryObservation (src/observation/types.ts) and judges nothing.
 * One file per library in this folder, registered in index.ts.
 */
import { performance } from 'node:perf_hooks';
import type { LibraryAttempt, LibraryObservation, Scenario, Transport } from '../../observation/types';
import type { Library } from '../../vocabulary';
import { parseEvent } from '../../protocol/events';
import type { ProbeTarget } from '../target';

export interface LibraryRunOptions {
  /** the scenario every library is fed: count events intervalMs apart */
  count: number;
  intervalMs: number;
  /** a silence after the series, ended by one more event: disconnects, reconnects and switches in it are flapping, and a lost last event a silent drop */
  watchMs: number;
  connectTimeoutMs: number;
  channel: string;
  probeId: string;
}

export interface LibraryClient {
  id: Library;
  /** why this client cannot run against the target (a forward proxy, a CA it cannot be given), or undefined */
  unsupported(target: ProbeTarget): string | undefined;
  run(target: ProbeTarget, opts: LibraryRunOptions): Promise<LibraryObservation>;
}

/** How long a library's client is watched: its events, then the watch; at least long enough to connect. */
export function windowMs(o: LibraryRunOptions): number {
  return Math.max(o.connectTimeoutMs, (o.count - 1) * o.intervalMs + o.watchMs + 2000);
}

/** The origin's scenario for a library's session: the series, then the silence and its last event. */
export function libraryScenario(o: LibraryRunOptions): Scenario {
  return { channel: o.channel, count: o.count, intervalMs: o.intervalMs, tailMs: o.watchMs };
}

/** The scenario as the query of the library's handshake. */
export function libraryQuery(o: LibraryRunOptions): Record<string, string> {
  return { channel: o.channel, count: String(o.count), intervalMs: String(o.intervalMs), tailMs: String(o.watchMs), probe: o.probeId };
}

/** A LibraryObservation under construction, on a clock relative to its start. */
export class LibraryRecorder {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  readonly obs: LibraryObservation;
  private connection = -1;

  constructor(library: Library, scenario: Scenario) {
    this.obs = { library, startedAt: this.startedAt, durationMs: 0, scenario, transports: [], arrivals: [], disconnects: [], errors: [], reconnects: 0 };
  }

  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  connected(): void {
    this.connection++;
    if (this.connection > 0) this.obs.reconnects++;
    this.obs.connectedAtMs ??= this.now();
  }

  uses(name: string, transport: Transport): void {
    const last = this.obs.transports.at(-1);
    if (last?.name !== name) this.obs.transports.push({ atMs: this.now(), name, transport });
  }

  /** a transport it tried and gave up on before it connected */
  abandoned(attempt: Omit<LibraryAttempt, 'atMs'>): void {
    (this.obs.abandoned ??= []).push({ atMs: this.now(), ...attempt });
  }

  message(raw: string, payloadBytes = 16): void {
    const ev = parseEvent(raw, payloadBytes);
    if (ev) this.obs.arrivals.push({ ...ev, arrivedMs: this.now(), connection: Math.max(0, this.connection) });
  }

  disconnected(reason: string): void {
    this.obs.disconnects.push({ atMs: this.now(), reason });
  }

  error(message: string, status?: number, body?: string): void {
    if (this.obs.errors.length < 50) this.obs.errors.push({ atMs: this.now(), message, ...(status !== undefined ? { status } : {}), ...(body ? { body: body.slice(0, 200) } : {}) });
  }

  /** the series' last event, after the silence, arrived: nothing more to watch */
  hasTail(): boolean {
    return this.obs.arrivals.some((a) => a.seq === this.obs.scenario.count + 1);
  }

  /** the highest seq received: where a reconnect resumes */
  cursor(): number {
    return Math.max(0, ...this.obs.arrivals.map((a) => a.seq));
  }

  finish(): LibraryObservation {
    this.obs.durationMs = this.now();
    return this.obs;
  }
}
