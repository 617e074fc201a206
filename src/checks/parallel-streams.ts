/**
 * A browser's own limit, not the path's: over HTTP/1.1 a browser opens at
 * most 6 connections per host (Chromium's per-group limit; Firefox's
 * network.http.max-persistent-connections-per-server is 6 too), and every
 * open EventSource holds one, so a 7th stream — a 7th tab of the same app —
 * waits without an error. Over HTTP/2 all streams share one connection.
 * MDN names the limit on its EventSource page:
 * https://developer.mozilla.org/en-US/docs/Web/API/EventSource
 *
 * Only browsers run it (web/probe.js opens the streams); Node's clients have
 * no such limit, so the check has no Node runner.
 */
import { result, s } from '../verdict/answers';
import type { Check } from './check';

export interface ParallelStreamsPayload {
  /** streams opened at once, each on its own channel */
  streams: number;
  /** how long the page waited for every stream's first event */
  windowMs: number;
  /** per stream, ms after the check started when its first event arrived; null when none did in the window */
  firstEventAtMs: Array<number | null>;
}

export const PARALLEL_STREAMS = 7;

export const parallelStreams: Check<ParallelStreamsPayload> = {
  id: 'parallel-streams',
  description: 'Browsers only: seven EventSource streams to the same host at once, as seven tabs of one app open them.',
  expectation: 'Every stream delivers its first event within the window; over HTTP/1.1 a browser’s 6 connections per host hold the 7th back.',
  runners: {},
  transports: ['sse'],
  waits: true,
  grade(obs) {
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError);
    const p = obs.payload;
    if (!p) return undefined;
    const got = p.firstEventAtMs.filter((t) => t !== null).length;
    const wire = obs.protocol?.http === 'h2' ? 'HTTP/2' : 'HTTP/1.1';
    const base = { streams: p.streams, delivered: got, windowMs: p.windowMs, firstEventAtMs: p.firstEventAtMs, http: obs.protocol?.http };
    // Nothing at all says nothing about the browser's limit: the delivery check tells why the stream did not work.
    if (got === 0) return result(obs, 'skip', 'not-run', `none of ${p.streams} streams delivered an event, so the browser's connection limit could not be told apart from the path (see the delivery check)`, base);
    if (got === p.streams) return result(obs, 'pass', 'none', `all ${p.streams} streams to one host delivered their first event at once over ${wire}`, base);
    return result(
      obs,
      'fail',
      'browser-connection-limit',
      `${got} of ${p.streams} streams to one host delivered within ${s(p.windowMs)}; the others waited with no error: over ${wire} the browser opens at most ${got} connections per host and every open EventSource holds one — a ${got + 1}th tab of the app gets no events`,
      base,
    );
  },
};
