/**
 * The stable vocabulary every part of pushthrough and every report shares:
 * transports, check ids, verdicts and reason codes. Users' expectation files
 * and CI gates match on these strings, so they are added to, never renamed
 * (schema/*.schema.json lists the same values; a unit test keeps them equal).
 */

export const TRANSPORTS = ['short-poll', 'long-poll', 'sse', 'websocket'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * The checks a probe can run, in report order. Each is one file under
 * src/checks/ (its runners, its payload type and its grader); this list is the
 * stable vocabulary of check ids that reports and the schema use.
 */
export const CHECK_IDS = ['connect', 'delivery', 'latency', 'idle', 'hold', 'duration', 'resume', 'large', 'echo', 'freshness', 'keepalive', 'extended-connect', 'parallel-streams'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * Who made a cell's requests: pushthrough's Node.js clients (`ws`,
 * `eventsource`, fetch), headless Chromium driven by the run
 * (`--clients node,chromium`), or whatever browser opened the origin's field
 * page. The browsers run the same checks with their own fetch, EventSource
 * and WebSocket (web/probe.js), and record the same observations.
 */
export const CLIENTS = ['node', 'chromium', 'browser'] as const;
export type Client = (typeof CLIENTS)[number];

/**
 * Real-time libraries pushthrough runs through a setup beside the four
 * transports (`--libraries socket.io,sockjs`): their own servers mounted on
 * the origin and their own clients, each falling back from WebSocket in its
 * own way, so a report shows which transport each one ended on.
 */
export const LIBRARIES = ['socket.io', 'sockjs'] as const;
export type Library = (typeof LIBRARIES)[number];

/** The transports `pushthrough load` holds open: the ones that are streams (a short poll holds nothing). */
export const LOAD_TRANSPORTS = ['sse', 'websocket', 'long-poll'] as const;
export type LoadTransport = (typeof LOAD_TRANSPORTS)[number];
/** What `pushthrough load` writes: html draws streams and latency over time. */
export const LOAD_FORMATS = ['table', 'json', 'html'] as const;

/**
 * The error code a browser's client records for a WebSocket that closed
 * before it opened: a page sees close code 1006 and never the handshake's
 * status (WHATWG WebSocket standard, "fail the WebSocket connection"), so
 * the origin's record of the request is the only evidence of what happened.
 */
export const BROWSER_WS_FAILED = 'WS_HANDSHAKE_FAILED';

/** The error code a browser records for a request that failed before any answer (fetch's TypeError, an EventSource error): it names no cause. */
export const BROWSER_NETWORK_ERROR = 'NETWORK_ERROR';

/**
 * The kinds of keepalive traffic, each tried alone on a silent stream to learn
 * which ones a path counts as activity (`run --keepalive`, `probe --measure`):
 * `none` is the control. `server-*` come from the origin, `client-*` from the
 * client; `trickle` is a body byte the origin writes into a held long-poll.
 */
export const KEEPALIVE_KINDS = ['none', 'server-event', 'server-comment', 'server-message', 'server-ping', 'client-message', 'client-ping', 'trickle'] as const;
export type KeepaliveKind = (typeof KEEPALIVE_KINDS)[number];

/** The transports a keepalive can be tried on, and the kinds each one has. */
export const KEEPALIVE_KINDS_FOR = {
  sse: ['none', 'server-event', 'server-comment'],
  websocket: ['none', 'server-message', 'server-ping', 'client-message', 'client-ping'],
  'long-poll': ['none', 'trickle'],
} as const satisfies Partial<Record<Transport, readonly KeepaliveKind[]>>;
export type KeepaliveTransport = keyof typeof KEEPALIVE_KINDS_FOR;

export const VERDICTS = ['pass', 'degraded', 'fail', 'skipped', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Stable reason codes: renames break users' expectations files; add, never rename. */
export const REASONS = [
  'none',
  'upgrade-rejected',
  'upgrade-stripped',
  'buffered',
  'compressed',
  'idle-timeout',
  'max-duration',
  'first-byte-timeout',
  'cached',
  'protocol-downgrade',
  'message-loss',
  'reordered',
  'no-resume',
  'message-too-large',
  'connection-limit',
  'not-sticky',
  'blocked',
  'proxy-error',
  'tester-error',
  'not-run',
  'browser-connection-limit',
  'handshake-timeout',
] as const;
export type Reason = (typeof REASONS)[number];

export interface Expectation {
  verdict: Verdict;
  reason: Reason;
}

/**
 * The error code a client records for an answer that never came because the
 * forward proxy it goes through refused the CONNECT tunnel (RFC 9110 §9.3.6).
 */
export const CONNECT_REFUSED = 'CONNECT_REFUSED';

/** The HTTP version a client spoke to the front: HTTP/1.x, or HTTP/2 (negotiated with ALPN over TLS). */
export const HTTP_VERSIONS = ['h1', 'h2'] as const;
export type HttpVersion = (typeof HTTP_VERSIONS)[number];

/**
 * How a WebSocket was opened: an HTTP/1.1 Upgrade (RFC 6455 §4), or an
 * extended CONNECT on an HTTP/2 stream (RFC 8441).
 */
export const WS_HANDSHAKES = ['upgrade', 'extended-connect'] as const;
export type WsHandshake = (typeof WS_HANDSHAKES)[number];

/** What a cell's client spoke to the front. */
export interface WireProtocol {
  /** the connection to the front (or, through a forward proxy's CONNECT, to the origin) was TLS */
  tls: boolean;
  /** the HTTP version spoken; absent when no connection was made */
  http?: HttpVersion;
  /** WebSocket cells: how the WebSocket was opened */
  handshake?: WsHandshake;
}
