import type { OriginEvent } from './channel';

/** The wire form of an event, identical on every transport. */
export function eventJson(channel: string, e: OriginEvent): string {
  return JSON.stringify({ seq: e.seq, offsetMs: e.offsetMs, emittedAt: e.emittedAt, channel, payload: e.payload });
}
