/**
 * Query parameters drive every scenario, so one origin serves every check,
 * also when it is deployed behind someone's real infrastructure. Each
 * parameter is validated; a bad one becomes a 400 with a JSON error naming it.
 */

export class BadParameter extends Error {
  constructor(
    readonly param: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`invalid parameter '${param}': expected ${expected}, got '${got.slice(0, 40)}'`);
  }
}

export interface ScenarioParams {
  channel?: string;
  since: number;
  count: number;
  intervalMs: number;
  payloadBytes: number;
  silentMs?: number;
  /** after a finite series, one more event this long after its last: a silence the series ends with (the libraries' scenario) */
  tailMs?: number;
  heartbeatMs?: number;
  /**
   * what the origin sends every heartbeatMs: an SSE `comment` line (default)
   * or a named `event: heartbeat`; a WebSocket `ping` (default) or a text
   * `message`; on a held long-poll, a `trickle` of one space into the body
   */
  keepalive?: ServerKeepalive;
  holdMs: number;
  /** close the stream right after sending this seq */
  endAfter?: number;
  /** close the stream after the channel's last event */
  closeWhenDone: boolean;
  retryMs: number;
  probe?: string;
  /** mitigation: send `X-Accel-Buffering: no` (nginx's per-response switch) */
  noBuffering: boolean;
  /** mitigation: a 2 KiB comment first, to push small-buffer proxies to flush */
  pad: boolean;
  /** mitigation: `Cache-Control: no-store` on poll answers */
  noStore: boolean;
}

export const SERVER_KEEPALIVES = ['comment', 'event', 'ping', 'message', 'trickle'] as const;
export type ServerKeepalive = (typeof SERVER_KEEPALIVES)[number];

/** Which keepalive each endpoint can send (with heartbeatMs alone, SSE sends comments and WebSocket pings). */
export const KEEPALIVES_OF: Record<string, readonly ServerKeepalive[]> = {
  '/sse': ['comment', 'event'],
  '/ws': ['ping', 'message'],
  '/long-poll': ['trickle'],
};

export const PAD_BYTES = 2048;
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const ID_RE = /^[A-Za-z0-9._:-]{1,80}$/;

function int(q: URLSearchParams, name: string, min: number, max: number, fallback: number): number;
function int(q: URLSearchParams, name: string, min: number, max: number): number | undefined;
function int(q: URLSearchParams, name: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadParameter(name, `an integer from ${min} to ${max}`, raw);
  const n = Number(raw);
  if (n < min || n > max) throw new BadParameter(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

function flag(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new BadParameter(name, '1, true, 0 or false', raw);
}

function oneOf<T extends string>(q: URLSearchParams, name: string, values: readonly T[]): T | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!(values as readonly string[]).includes(raw)) throw new BadParameter(name, `one of ${values.join(', ')}`, raw);
  return raw as T;
}

function id(q: URLSearchParams, name: string): string | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!ID_RE.test(raw)) throw new BadParameter(name, 'up to 80 characters of A-Z a-z 0-9 . _ : -', raw);
  return raw;
}

/** Parses and validates a request's query for `route`; throws BadParameter. */
export function parseScenario(q: URLSearchParams, route: string): ScenarioParams {
  const channel = id(q, 'channel');
  const p: ScenarioParams = {
    channel,
    since: int(q, 'since', 0, Number.MAX_SAFE_INTEGER, 0),
    // Without a count the channel is an endless ticker, handy for curl.
    count: int(q, 'count', 0, 1_000_000) ?? Infinity,
    intervalMs: int(q, 'intervalMs', 10, 3_600_000, 1000),
    payloadBytes: int(q, 'payloadBytes', 0, MAX_PAYLOAD_BYTES, 16),
    silentMs: int(q, 'silentMs', 0, 3_600_000),
    tailMs: int(q, 'tailMs', 0, 3_600_000),
    heartbeatMs: int(q, 'heartbeatMs', 10, 3_600_000),
    keepalive: oneOf(q, 'keepalive', SERVER_KEEPALIVES),
    holdMs: int(q, 'hold', 0, 3_600_000, 25_000),
    endAfter: int(q, 'endAfter', 1, 1_000_000),
    closeWhenDone: flag(q, 'close'),
    retryMs: int(q, 'retryMs', 0, 3_600_000, 1000),
    probe: id(q, 'probe'),
    noBuffering: flag(q, 'noBuffering'),
    pad: flag(q, 'pad'),
    noStore: flag(q, 'noStore'),
  };
  if (p.tailMs !== undefined && !Number.isFinite(p.count)) throw new BadParameter('tailMs', 'a count to follow (an endless ticker has no last event)', String(p.tailMs));
  if (p.keepalive !== undefined) {
    const allowed = KEEPALIVES_OF[route] ?? [];
    if (!allowed.includes(p.keepalive)) throw new BadParameter('keepalive', allowed.length ? `on ${route}: ${allowed.join(' or ')}` : `nothing on ${route}`, p.keepalive);
  }
  return p;
}
