/**
 * Observations: what a client saw, as plain data. Nothing here judges; the
 * verdict module (src/verdict) turns observations into check results.
 *
 * Times are client-side milliseconds relative to the check's own start
 * (`startedAt`, client epoch). Origin times appear only as offsets the origin
 * computed on its own clock (`offsetMs` since its channel started), so no
 * judgement depends on the two clocks agreeing.
 */

export { CHECK_IDS, TRANSPORTS, type CheckId, type Transport, type WireProtocol } from '../vocabulary';
import type { CheckId, Library, Transport, WireProtocol } from '../vocabulary';
import type { SeenRequest } from '../protocol/seen';

export type { SeenRequest } from '../protocol/seen';

/** One HTTP answer (or WebSocket handshake answer) as the client saw it. */
export interface HttpAnswer {
  /** ms after the check started */
  atMs: number;
  status?: number;
  /** a few response headers, lower-cased names */
  headers?: Record<string, string>;
  /** first bytes of the body, for error pages */
  bodySnippet?: string;
  /** a transport-level failure instead of an answer: ECONNRESET, ECONNREFUSED, timeout... */
  error?: { code: string; message: string };
}

/** One event as it reached the client. */
export interface Arrival {
  seq: number;
  /** when the origin emitted it, in ms since its channel started (origin clock) */
  offsetMs: number;
  /** when the client received it, ms after the check started (client clock) */
  arrivedMs: number;
  bytes: number;
  /** which connection (0 = first, 1 = after the first reconnect...) */
  connection: number;
  /** payload matched the origin's length and fill pattern */
  intact: boolean;
}

/** How a stream or connection ended, as far as the client can tell. */
export type EndHow =
  | 'complete' // the origin ended it after its last event (expected end)
  | 'clean-close' // FIN / end of body / WebSocket close frame before the origin was done
  | 'reset' // ECONNRESET or 1006 without close frame
  | 'error-status' // a reconnect or retry answered with an error status
  | 'silent' // nothing more arrived and nothing closed: dropped silently
  | 'open'; // still open when the check stopped waiting (for checks that expect that)

export interface StreamEnd {
  atMs: number;
  how: EndHow;
  connection: number;
  /** WebSocket close code, HTTP status of a retry, error code... */
  code?: string | number;
  detail?: string;
}

/** The scenario the origin was asked to play, echoed into the observation. */
export interface Scenario {
  channel: string;
  count: number;
  intervalMs: number;
  payloadBytes?: number;
  silentMs?: number;
  /** one more event this long after the series' last (the libraries' scenario) */
  tailMs?: number;
  heartbeatMs?: number;
  holdMs?: number;
  endAfter?: number;
  mitigations?: string[];
}

/**
 * Everything one check of one transport observed. Fields are optional because
 * each check fills the part it measures; `payload` is the check's own typed
 * data (its type lives beside the check, in src/checks/<id>.ts).
 */
export interface Observation<P = unknown> {
  transport: Transport;
  check: CheckId;
  /** client epoch ms when the check started */
  startedAt: number;
  durationMs: number;
  scenario?: Scenario;
  /** every HTTP/handshake answer in order (first = initial connect) */
  answers: HttpAnswer[];
  arrivals: Arrival[];
  ends: StreamEnd[];
  /** what the origin recorded for this check's requests */
  seen?: SeenRequest[];
  /** requests (or connections) the check made */
  requests?: number;
  /** connections a stream used (1 = never reconnected) */
  connections?: number;
  /** bytes received, headers excluded */
  bytes?: number;
  /** when the last byte (event, heartbeat, ping) arrived, ms after the check started: where a stream fed with heartbeats went quiet */
  lastByteAtMs?: number;
  /** a poll came back with another channel's data (only a cache that ignores the query string does that) */
  foreignChannel?: string;
  /** what the client spoke to the front: TLS or not, HTTP/1.1 or HTTP/2, the WebSocket handshake */
  protocol?: WireProtocol;
  /** the check's own measured data */
  payload?: P;
  /** set when the tester itself could not run the check (never the proxy's fault) */
  testerError?: string;
}

/** One transport a library used, from when (the first, then each switch: an upgrade, a fallback). */
export interface LibraryTransportUse {
  atMs: number;
  /** the library's own name for it: polling, websocket, xhr-streaming… */
  name: string;
  /** the transport of the four it amounts to */
  transport: Transport;
}

/** A transport a library tried and gave up on before it connected, and why. */
export interface LibraryAttempt extends LibraryTransportUse {
  /** the close code and reason the library gave itself */
  code: number;
  reason: string;
  /** the library's own timer ran out (it had not seen the transport open in time), not the path closing it */
  timedOut: boolean;
  /** that timer, where the library derives one */
  timeoutMs?: number;
  /** how long after it was due that timer fired: a busy event loop on the tester's side */
  lateMs?: number;
}

/**
 * What a real-time library's own client saw through a path (src/client/libraries):
 * when it connected, which transports it used and when it switched, every
 * event in the same Arrival shape as the transports', its disconnects and the
 * errors it reported, in its own words. `since` reconnects resume from the
 * last event received (as an app would), so a duplicate is the path's doing.
 */
export interface LibraryObservation {
  library: Library;
  /** client epoch ms when it started */
  startedAt: number;
  durationMs: number;
  scenario: Scenario;
  /** ms after the start when it first connected */
  connectedAtMs?: number;
  transports: LibraryTransportUse[];
  /** transports it tried and gave up on before it connected (SockJS's fallback chain), where its client tells */
  abandoned?: LibraryAttempt[];
  arrivals: Arrival[];
  disconnects: Array<{ atMs: number; reason: string }>;
  /** connection errors the library reported: its message, and the HTTP status and body where it gave them */
  errors: Array<{ atMs: number; message: string; status?: number; body?: string }>;
  /** sessions after the first */
  reconnects: number;
  seen?: SeenRequest[];
  /** set when the tester could not run the library's client (never the path's fault) */
  testerError?: string;
}
