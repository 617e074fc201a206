/**
 * The wire contract between the origin and every client: one event is the
 * same JSON object on every transport (a poll's `events[]` item, an SSE
 * `data:` line, a WebSocket text message), and its payload is a deterministic
 * fill so a client can tell a large event arrived whole.
 *
 *   { "seq": 3, "offsetMs": 500.2, "emittedAt": 1764250000000, "channel": "c-1", "payload": "#3:pushthrough-…" }
 *
 * `offsetMs` is the origin's own clock (ms since its channel started), so a
 * client on another host compares arrival gaps with the schedule without the
 * two clocks agreeing.
 */

export interface WireEvent {
  seq: number;
  /** ms since the channel started, origin clock */
  offsetMs: number;
  /** origin wall clock (epoch ms), for people reading a trace; never used to judge */
  emittedAt: number;
  payload: string;
}

const FILL = 'pushthrough-0123456789abcdefghijklmnopqrstuvwxyz-';

/**
 * Heartbeats that are data but not events: the SSE `event: heartbeat` the
 * origin sends (EventSource hands it only to a `heartbeat` listener), and the
 * WebSocket text message either side sends. The origin never echoes the
 * client's, so a client heartbeat is traffic in one direction only.
 */
export const SSE_HEARTBEAT_EVENT = 'event: heartbeat\ndata: {}\n\n';
export const WS_HEARTBEAT_TEXT = '{"type":"heartbeat"}';

/** Deterministic payload of `bytes` characters for event `seq`. */
export function makePayload(bytes: number, seq: number): string {
  if (bytes <= 0) return '';
  const head = `#${seq}:`;
  const repeats = Math.ceil(Math.max(0, bytes - head.length) / FILL.length);
  return (head + FILL.repeat(repeats)).slice(0, bytes);
}

/** True when `payload` is exactly what makePayload(bytes, seq) produced. */
export function payloadIntact(payload: string, bytes: number, seq: number): boolean {
  return payload.length === bytes && payload === makePayload(bytes, seq);
}

/** The wire form of an event. */
export function eventJson(channel: string, e: WireEvent): string {
  return JSON.stringify({ seq: e.seq, offsetMs: e.offsetMs, emittedAt: e.emittedAt, channel, payload: e.payload });
}

/** FILL repeated from its first character: one buffer shared by every event's payload, grown to the largest asked. */
let filler = Buffer.alloc(0);

function fillOf(bytes: number): Buffer {
  if (filler.length < bytes) {
    let size = 64 * 1024;
    while (size < bytes) size *= 2;
    filler = Buffer.alloc(size, FILL, 'latin1');
  }
  return filler.subarray(0, bytes);
}

const TAIL = Buffer.from('"}', 'latin1');

/**
 * The same bytes as eventJson with makePayload's payload, as the pieces it is
 * sent in: its JSON head (ending with the payload's `#seq:`), a slice of the
 * one shared fill, its tail. No event copies its payload: an 8 MiB event
 * costs a few bytes to make, and every reader of every transport is sent the
 * same pieces. (Filling a fresh 8 MiB buffer per event held the origin's
 * event loop for tens of ms under the hostile suite's 8 MiB polls.)
 */
export function encodeEvent(channel: string, e: Omit<WireEvent, 'payload'>, payloadBytes: number): Buffer[] {
  const before = `${JSON.stringify({ seq: e.seq, offsetMs: e.offsetMs, emittedAt: e.emittedAt, channel }).slice(0, -1)},"payload":"`;
  const bytes = Math.max(0, payloadBytes);
  const head = `#${e.seq}:`.slice(0, bytes);
  const pieces: Buffer[] = [Buffer.from(before + head)];
  if (bytes > head.length) pieces.push(fillOf(bytes - head.length));
  pieces.push(TAIL);
  return pieces;
}

/** What a client reads from one event on the wire. */
export interface ParsedEvent {
  seq: number;
  offsetMs: number;
  bytes: number;
  /** the payload matched the origin's length and fill */
  intact: boolean;
}

/** Parses one event's JSON; undefined when it is not an origin event. */
export function parseEvent(raw: string, expectedPayloadBytes: number): ParsedEvent | undefined {
  let ev: { seq?: unknown; offsetMs?: unknown; payload?: unknown };
  try {
    ev = JSON.parse(raw) as typeof ev;
  } catch {
    return undefined;
  }
  if (typeof ev.seq !== 'number' || typeof ev.offsetMs !== 'number') return undefined;
  const payload = typeof ev.payload === 'string' ? ev.payload : '';
  return { seq: ev.seq, offsetMs: ev.offsetMs, bytes: Buffer.byteLength(raw), intact: payloadIntact(payload, expectedPayloadBytes, ev.seq) };
}
