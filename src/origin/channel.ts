/**
 * A channel is one scheduled feed of events, shared by every transport that
 * reads it: a poll, a long-poll, an SSE stream and a WebSocket naming the same
 * channel see the same sequence. That is what makes resume checks real: events
 * keep being produced while a client is disconnected, and a reconnect with
 * Last-Event-ID / ?since= must pick up exactly where it left off.
 *
 * Times inside a channel are the origin's own monotonic clock (`offsetMs` since
 * the channel started), so a prober on another host can compare arrival gaps
 * against the schedule without the two clocks agreeing.
 */
import { performance } from 'node:perf_hooks';
import { makePayload, type WireEvent } from '../protocol/events';

/** An event as the origin keeps it (the wire form, src/protocol/events.ts). */
export type OriginEvent = WireEvent;

export interface ChannelSchedule {
  /** events to emit; Infinity for an endless ticker */
  count: number;
  intervalMs: number;
  payloadBytes: number;
  /** when set: one event, then silence for silentMs, then one more (count is ignored) */
  silentMs?: number;
}

export class Channel {
  readonly events: OriginEvent[] = [];
  private readonly listeners = new Set<(e: OriginEvent) => void>();
  private readonly doneListeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAtMs = performance.now();
  private closed = false;
  /** last time anyone read this channel, for garbage collection */
  lastUsedAt = Date.now();

  constructor(
    readonly id: string,
    readonly schedule: ChannelSchedule,
  ) {
    // An event due at once exists as soon as the channel does, so the first
    // poll of a new channel already sees it.
    if (this.total > 0 && this.offsetFor(1) === 0) this.emit(1);
    else this.scheduleNext();
  }

  /** Offsets (ms since start) at which event seq (1-based) is due. */
  private offsetFor(seq: number): number {
    const s = this.schedule;
    if (s.silentMs !== undefined) return seq === 1 ? 0 : s.silentMs;
    return (seq - 1) * s.intervalMs;
  }

  get total(): number {
    return this.schedule.silentMs !== undefined ? 2 : this.schedule.count;
  }

  get done(): boolean {
    return this.events.length >= this.total;
  }

  get lastSeq(): number {
    return this.events.length;
  }

  private scheduleNext(): void {
    if (this.closed || this.done) return;
    const seq = this.events.length + 1;
    const due = this.startedAtMs + this.offsetFor(seq);
    // Aim at the absolute due time so timer drift does not accumulate.
    const waitMs = Math.max(0, due - performance.now());
    this.timer = setTimeout(() => this.emit(seq), waitMs);
    this.timer.unref();
  }

  private emit(seq: number): void {
    const event: OriginEvent = {
      seq,
      offsetMs: Math.round((performance.now() - this.startedAtMs) * 10) / 10,
      emittedAt: Date.now(),
      payload: makePayload(this.schedule.payloadBytes, seq),
    };
    this.events.push(event);
    for (const l of [...this.listeners]) l(event);
    if (this.done) for (const l of [...this.doneListeners]) l();
    this.scheduleNext();
  }

  /** Events with seq > since, oldest first. */
  since(since: number): OriginEvent[] {
    this.lastUsedAt = Date.now();
    return this.events.slice(Math.max(0, since));
  }

  /**
   * Backlog after `since`, then every new event, then `onDone` once the
   * schedule is finished. Returns the unsubscribe function.
   */
  subscribe(since: number, onEvent: (e: OriginEvent) => void, onDone?: () => void): () => void {
    this.lastUsedAt = Date.now();
    for (const e of this.since(since)) onEvent(e);
    if (this.done) {
      onDone?.();
      return () => {};
    }
    this.listeners.add(onEvent);
    if (onDone) this.doneListeners.add(onDone);
    return () => {
      this.listeners.delete(onEvent);
      if (onDone) this.doneListeners.delete(onDone);
      this.lastUsedAt = Date.now();
    };
  }

  get idle(): boolean {
    return this.listeners.size === 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
    this.doneListeners.clear();
  }
}

/**
 * All channels of one origin. Named channels are created by the first request
 * that names them (with that request's schedule) and dropped a while after
 * they finish; requests that name none get a private channel.
 */
export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private readonly sweeper: NodeJS.Timeout;
  private anon = 0;

  constructor(private readonly keepMs = 5 * 60_000) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(keepMs, 30_000));
    this.sweeper.unref();
  }

  has(id: string): boolean {
    return this.channels.has(id);
  }

  get(id: string | undefined, schedule: ChannelSchedule): Channel {
    if (id === undefined) return new Channel(`private-${++this.anon}`, schedule);
    let ch = this.channels.get(id);
    if (!ch) {
      ch = new Channel(id, schedule);
      this.channels.set(id, ch);
    }
    return ch;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, ch] of this.channels) {
      if (ch.idle && now - ch.lastUsedAt > this.keepMs) {
        ch.close();
        this.channels.delete(id);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }
}
