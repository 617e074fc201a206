/**
 * A channel is one scheduled feed of events, shared by every transport that
 * reads it: a poll, a long-poll, an SSE stream and a WebSocket naming the same
 * channel see the same sequence. That is what makes resume checks real: events
 * keep being produced while a client is disconnected, and a reconnect with
 * Last-Event-ID / ?since= must pick up exactly where it left off.
 *
 * Events are a function of time (event n is due at its scheduled offset), so
 * a channel runs timers only while someone is subscribed; a poll, or a new
 * subscriber, first catches up with every event due by now. A channel nobody
 * reads therefore costs nothing, and a request that names a channel and walks
 * away leaves nothing running (ChannelRegistry drops it after `idleMs`).
 *
 * Bounded, because the origin may face the internet: the history is a ring
 * (the newest `events`, at most `bytes`, within a budget shared by all
 * channels); asking for older events is a clear "gone".
 *
 * Times inside a channel are the origin's own monotonic clock (`offsetMs` since
 * the channel started), so a prober on another host can compare arrival gaps
 * against the schedule without the two clocks agreeing.
 */
import { encodeEvent } from '../protocol/events';
import { SharedBudget } from '../util/shared-budget';

/** An event as the origin keeps it: encoded once (src/protocol/events.ts), sent as is to every reader. */
export class OriginEvent {
  /** the event's JSON, the same on every transport, in pieces (the payload's is shared by every event) */
  readonly pieces: readonly Buffer[];
  readonly bytes: number;
  private whole: Buffer | undefined;

  constructor(
    readonly seq: number,
    readonly offsetMs: number,
    pieces: Buffer[],
  ) {
    this.pieces = pieces;
    this.bytes = pieces.reduce((n, p) => n + p.length, 0);
  }

  /** The event in one buffer, for a transport that sends one (a WebSocket message): joined once, when first asked. */
  get joined(): Buffer {
    this.whole ??= Buffer.concat(this.pieces, this.bytes);
    return this.whole;
  }
}

export interface ChannelSchedule {
  /** events to emit; Infinity for an endless ticker */
  count: number;
  intervalMs: number;
  payloadBytes: number;
  /** when set: one event, then silence for silentMs, then one more (count is ignored) */
  silentMs?: number;
  /** when set (with a finite count): one more event, tailMs after the series' last */
  tailMs?: number;
}

export { SharedBudget };

/** How much of its past a channel keeps. */
export interface HistoryLimits {
  events: number;
  bytes: number;
  /** payload bytes kept by all channels of an origin: a channel over it trims its own oldest events */
  shared?: SharedBudget;
}

/** A client asked for events the ring no longer holds. */
export class EventsGone extends Error {
  constructor(
    readonly since: number,
    /** the oldest seq still kept */
    readonly oldest: number,
  ) {
    super(`gone: events after ${since} are no longer kept (the oldest kept is ${oldest}); resume from ${oldest - 1} or later`);
  }
}

/** The events a request was granted when it was admitted (`Channel.backlog`). */
export interface Backlog {
  since: number;
  events: OriginEvent[];
}

export class Channel {
  /** the ring: events[0] has seq firstSeq */
  private readonly events: OriginEvent[] = [];
  private keptBytes = 0;
  private firstSeq = 1;
  private emitted = 0;
  private readonly listeners = new Set<(e: OriginEvent) => void>();
  private readonly doneListeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAtMs = performance.now();
  private closed = false;
  /** last time anyone read this channel (ms, Date.now()) */
  lastUsedAt = Date.now();

  constructor(
    readonly id: string,
    readonly schedule: ChannelSchedule,
    private readonly history: HistoryLimits = { events: 10_000, bytes: 64 * 1024 * 1024 },
  ) {
    // An event due at once exists as soon as the channel does, so the first
    // poll of a new channel already sees it.
    this.advance();
  }

  /** Offsets (ms since start) at which event seq (1-based) is due. */
  private offsetFor(seq: number): number {
    const s = this.schedule;
    if (s.silentMs !== undefined) return seq === 1 ? 0 : s.silentMs;
    if (s.tailMs !== undefined && seq > s.count) return (s.count - 1) * s.intervalMs + s.tailMs;
    return (seq - 1) * s.intervalMs;
  }

  get total(): number {
    return this.schedule.silentMs !== undefined ? 2 : this.schedule.count + (this.schedule.tailMs !== undefined ? 1 : 0);
  }

  get done(): boolean {
    this.advance();
    return this.emitted >= this.total;
  }

  get lastSeq(): number {
    this.advance();
    return this.emitted;
  }

  /** Nobody is subscribed (polls read without subscribing). */
  get idle(): boolean {
    return this.listeners.size === 0 && this.doneListeners.size === 0;
  }

  /** The last seq due by now. */
  private dueSeq(nowOffsetMs: number): number {
    const s = this.schedule;
    if (s.silentMs !== undefined) return nowOffsetMs >= s.silentMs ? 2 : 1;
    if (this.total === 0) return 0;
    return Math.min(this.total, Math.floor(nowOffsetMs / s.intervalMs) + 1);
  }

  /**
   * Emits every event due by now. Events too old to be kept are never made:
   * the ring starts after them.
   */
  private advance(): void {
    if (this.closed || this.emitted >= this.total) return;
    const nowOffset = performance.now() - this.startedAtMs;
    const due = this.dueSeq(nowOffset);
    if (due <= this.emitted) return;
    const from = Math.max(this.emitted + 1, due - this.history.events + 1);
    if (from > this.emitted + 1) this.dropAll(from);
    for (let seq = from; seq <= due; seq++) {
      // A subscribed channel emits on its timer (its offset is when it went out); a caught-up event carries its due time.
      const offsetMs = seq === due && this.timer === undefined && this.listeners.size > 0 ? nowOffset : this.offsetFor(seq);
      // emittedAt is the wall time the event was due, so a late reader measures its own delay, not a made-up zero.
      const emittedAt = Math.round(Date.now() - (nowOffset - offsetMs));
      const stamp = { seq, offsetMs: Math.round(offsetMs * 10) / 10, emittedAt };
      this.push(new OriginEvent(seq, stamp.offsetMs, encodeEvent(this.id, stamp, this.schedule.payloadBytes)));
    }
    if (this.emitted >= this.total) for (const l of [...this.doneListeners]) l();
  }

  private push(event: OriginEvent): void {
    this.emitted = event.seq;
    this.events.push(event);
    this.keep(event.bytes);
    // The ring keeps at least the newest event, whatever its size.
    while (this.events.length > 1 && (this.events.length > this.history.events || this.keptBytes > this.history.bytes || this.overShared())) {
      this.keep(-this.events.shift()!.bytes);
      this.firstSeq++;
    }
    for (const l of [...this.listeners]) l(event);
  }

  private overShared(): boolean {
    const shared = this.history.shared;
    return shared !== undefined && shared.used > shared.max;
  }

  private keep(bytes: number): void {
    this.keptBytes += bytes;
    if (this.history.shared) this.history.shared.used += bytes;
  }

  /** Forgets everything before `seq` (they were never made, or are too old). */
  private dropAll(seq: number): void {
    this.keep(-this.keptBytes);
    this.events.length = 0;
    this.firstSeq = seq;
  }

  private scheduleNext(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.emitted >= this.total || this.idle) return;
    const due = this.startedAtMs + this.offsetFor(this.emitted + 1);
    // Aim at the absolute due time so timer drift does not accumulate.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.advance();
        this.scheduleNext();
      },
      Math.max(0, due - performance.now()),
    );
    this.timer.unref();
  }

  /** Events with seq > since, oldest first. @throws EventsGone when some of them are no longer kept */
  since(since: number): OriginEvent[] {
    this.lastUsedAt = Date.now();
    this.advance();
    if (since < this.firstSeq - 1 && since < this.emitted) throw new EventsGone(since, this.firstSeq);
    return this.events.slice(Math.max(0, since - this.firstSeq + 1));
  }

  /**
   * What a request is granted when it is admitted: the events kept after
   * `since`, taken once. The request then follows from this backlog, so the
   * check cannot fail later (events made by a catch-up in between are
   * delivered from the ring, never re-checked).
   * @throws EventsGone when some of them are no longer kept
   */
  backlog(since: number): Backlog {
    return { since, events: this.since(since) };
  }

  /**
   * The backlog, then every event after it, then `onDone` once the schedule
   * is finished. Never throws. Returns the unsubscribe function.
   */
  follow(backlog: Backlog, onEvent: (e: OriginEvent) => void, onDone?: () => void): () => void {
    const last = backlog.events.at(-1)?.seq ?? backlog.since;
    for (const e of backlog.events) onEvent(e);
    for (const e of this.events) if (e.seq > last) onEvent(e);
    if (this.emitted >= this.total) {
      onDone?.();
      return () => {};
    }
    this.listeners.add(onEvent);
    if (onDone) this.doneListeners.add(onDone);
    this.scheduleNext();
    return () => {
      this.listeners.delete(onEvent);
      if (onDone) this.doneListeners.delete(onDone);
      this.lastUsedAt = Date.now();
      if (this.idle) this.scheduleNext();
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.doneListeners.clear();
    this.dropAll(this.emitted + 1);
  }
}

/** Too many live channels: the request is refused (429). */
export class TooManyChannels extends Error {
  constructor(readonly max: number) {
    super(`too many live channels: at most ${max} (--max-channels); retry when some have expired`);
  }
}

export interface RegistryLimits {
  /** live named channels at most */
  maxChannels: number;
  /** a named channel nobody has read or subscribed to for this long is dropped */
  idleMs: number;
  history: HistoryLimits;
}

/**
 * All channels of one origin. Named channels are created by the first request
 * that names them (with that request's schedule) and dropped once nobody has
 * used them for `idleMs`; requests that name none get a private channel that
 * lives as long as the request.
 */
export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private readonly sweeper: NodeJS.Timeout;
  private anon = 0;

  constructor(private readonly limits: RegistryLimits) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(limits.idleMs / 2, 5_000)));
    this.sweeper.unref();
  }

  has(id: string): boolean {
    return this.channels.has(id);
  }

  get size(): number {
    return this.channels.size;
  }

  /** @throws TooManyChannels */
  get(id: string | undefined, schedule: ChannelSchedule): Channel {
    // Nobody can resume a private channel: it keeps only what catching up needs.
    if (id === undefined) return new Channel(`private-${++this.anon}`, schedule, { ...this.limits.history, events: Math.min(64, this.limits.history.events), bytes: 0 });
    let ch = this.channels.get(id);
    if (!ch) {
      if (this.channels.size >= this.limits.maxChannels) {
        this.sweep();
        if (this.channels.size >= this.limits.maxChannels) throw new TooManyChannels(this.limits.maxChannels);
      }
      ch = new Channel(id, schedule, this.limits.history);
      this.channels.set(id, ch);
    }
    return ch;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, ch] of this.channels) {
      if (ch.idle && now - ch.lastUsedAt > this.limits.idleMs) {
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
