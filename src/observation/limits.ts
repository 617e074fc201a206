/**
 * The limits of a path as `probe --measure` observed them: plain data, JSON
 * as it is in the report (`SetupResult.measurement`). Fields may be added,
 * never renamed. The searches that produce them live in src/measure; the
 * advice drawn from them in src/verdict/recommend.ts.
 *
 * Times are milliseconds on the client's clock. A stream's silence is counted
 * from the last byte it received (the idle timers of nginx, HAProxy, ALB are
 * "between two successive reads": docs/proxy-behaviour.md#heartbeats-and-what-counts-as-activity),
 * so the cut time of a stream is how long it had been quiet when the path ended it.
 */
import type { Transport } from './types';

/** The two long-lived transports whose limits are searched. */
export type StreamTransport = Extract<Transport, 'sse' | 'websocket'>;

/**
 * How the path ended a stream, as the client saw it:
 * close = FIN / end of body / WebSocket close (with or without a close frame);
 * reset = TCP RST (ECONNRESET); silent = nothing more arrived and nothing
 * closed (an expired NAT or firewall flow); status = an error status instead
 * of the stream.
 */
export type CutHow = 'close' | 'reset' | 'silent' | 'status';

/** One silent stream of the idle search. */
export interface IdleTrial {
  /** the silence the origin was asked to keep between its two events */
  silenceMs: number;
  /** search round (0 = the geometric ladder) */
  round: number;
  outcome: 'survived' | 'cut' | 'not-started' | 'stopped';
  /** cut: how long the stream had been quiet when it was cut (measured, not implied) */
  cutAfterMs?: number;
  how?: CutHow;
  /** WebSocket close code, HTTP status, error code */
  code?: string | number;
  /** not-started / stopped: why */
  detail?: string;
  /** cut or survived by implication from a shorter / longer stream of the same round, not observed */
  implied?: boolean;
}

/**
 * The longest silence a stream survives. `outcome`:
 * cut = a limit was found below `searchedToMs`; none = every silence up to
 * `searchedToMs` survived; unknown = could not be measured (see `error`).
 */
export interface IdleLimit {
  transport: StreamTransport;
  outcome: 'cut' | 'none' | 'unknown';
  /** best estimate of the idle timeout: the median measured cut time, else the middle of the bracket */
  timeoutMs?: number;
  /** the bracket: the longest silence that survived… */
  survivedMs?: number;
  /** …and the shortest at which a stream was cut (its measured cut time when the client saw the cut) */
  cutAtMs?: number;
  /** true when `cutAtMs` is a measured cut time; false when only the silence of a cut stream is known (silent drops) */
  cutMeasured?: boolean;
  how?: CutHow;
  code?: string | number;
  /** how far the search went (the --max-idle) */
  searchedToMs: number;
  /** cutAtMs / survivedMs - 1, the relative width of the bracket */
  precision?: number;
  rounds: number;
  trials: IdleTrial[];
  /** the search was interrupted before it reached its precision */
  partial?: boolean;
  error?: string;
}

/** A stream kept busy with heartbeats up to the search limit: survives, or is cut anyway (a maximum duration). */
export interface LifetimeResult {
  transport: StreamTransport;
  outcome: 'survived' | 'cut' | 'unknown';
  heartbeatMs: number;
  /** how long the stream was watched */
  searchedToMs: number;
  /** cut: ms after the stream opened */
  cutAtMs?: number;
  how?: CutHow;
  code?: string | number;
  partial?: boolean;
  error?: string;
}

/** One size trial of a size search. */
export interface SizeTrial {
  bytes: number;
  ok: boolean;
  how?: CutHow | 'truncated' | 'corrupted';
  code?: string | number;
  detail?: string;
  ms: number;
}

/**
 * The largest message that passes. websocket = a binary message client → origin
 * → echoed back; sse = one event of that payload size from the origin.
 */
export interface SizeLimit {
  transport: StreamTransport;
  /** limit = a size failed; none = the largest size tried passed; unknown = even the smallest failed or nothing answered */
  outcome: 'limit' | 'none' | 'unknown';
  /** the largest size that passed */
  largestOkBytes?: number;
  /** the smallest size that failed */
  smallestFailedBytes?: number;
  how?: SizeTrial['how'];
  code?: string | number;
  searchedToBytes: number;
  trials: SizeTrial[];
  partial?: boolean;
  error?: string;
}

/** How many simultaneous streams the path accepts. */
export interface ConcurrencyLimit {
  transport: StreamTransport;
  /** limit = a stream was refused; none = all `searchedTo` were accepted */
  outcome: 'limit' | 'none' | 'unknown';
  /** streams that were open at the same time (each had delivered its first event) */
  accepted: number;
  searchedTo: number;
  /** the first refusal */
  refused?: { how: CutHow; status?: number; code?: string | number; detail?: string };
  partial?: boolean;
  error?: string;
}


export type { KeepaliveKind, KeepaliveTransport } from '../vocabulary';
import type { KeepaliveKind, KeepaliveTransport } from '../vocabulary';

/**
 * One silent stream (or held long poll) kept busy by exactly one kind of
 * keepalive traffic. kept = its second event came (the hold ended with the
 * origin's answer); cut = the path ended it first; not-started = it never
 * got going (the reason is in `detail`); stopped = interrupted or no outcome
 * in time (heartbeats arrived but the final event did not).
 */
export interface KeepaliveTrial {
  kind: KeepaliveKind;
  outcome: 'kept' | 'cut' | 'not-started' | 'stopped';
  /** cut: ms from the first event (long poll: from the request) to the cut */
  cutAtMs?: number;
  how?: CutHow;
  code?: string | number;
  detail?: string;
}

/** Which kinds of keepalive traffic kept a transport's silent streams open through the path. */
export interface KeepaliveResult {
  transport: KeepaliveTransport;
  /** how long each stream went without events (long poll: the hold) */
  silenceMs: number;
  /** each kind's interval */
  everyMs: number;
  /** one per kind, `none` (the control) first */
  trials: KeepaliveTrial[];
  partial?: boolean;
  error?: string;
}

/** Advice applied through the path: a stream fed only by `kind` every `everyMs` survived `silenceMs` (past the cut), or not. */
export interface KeepaliveVerification {
  kind: KeepaliveKind;
  everyMs: number;
  silenceMs: number;
  kept: boolean;
  /** not kept: what happened instead */
  detail?: string;
}
