/**
 * The infrastructure report (`pushthrough probe <url> --measure`): the LIMITS
 * of a real path, measured rather than judged. Plain data, JSON as it is in the
 * report (`SetupResult.measurement`). Fields may be added, never renamed.
 *
 * Times are milliseconds on the client's clock. A stream's silence is counted
 * from the last byte it received (the idle timers of nginx, HAProxy, ALB... are
 * "between two successive reads", catalog B1/B3/D1), so the cut time of a
 * stream is how long it had been quiet when the path ended it.
 */
import type { Transport } from '../observation/types';
import type { Fix, Reason } from '../verdict/types';

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

/** One answer kept as evidence for the product guess. */
export interface AnswerEvidence {
  /** what was asked, e.g. "GET /health" or "SSE stream refused" */
  request: string;
  status?: number;
  /** lower-case names; cookies left out */
  headers?: Record<string, string>;
  bodySnippet?: string;
  /** no answer: the transport error instead (ECONNRESET, timeout…) */
  error?: string;
}

export type Confidence = 'high' | 'medium' | 'low';

/** Which product answered, from what came back. */
export interface ProductGuess {
  /** human name, e.g. "nginx", "Cloudflare"; absent when nothing points anywhere */
  product?: string;
  /** the fix catalog's id (src/verdict/fixes.ts FIX_PRODUCTS), when it has one */
  fixProduct?: string;
  version?: string;
  confidence?: Confidence;
  /** one line per signature found, e.g. `Server: nginx/1.22.1 (GET /health → 200)` */
  evidence: string[];
  /** other products that something pointed at, weaker than the guess */
  alternatives?: Array<{ product: string; confidence: Confidence; evidence: string[] }>;
}

export type TransportAdvice = 'use' | 'use-with-care' | 'avoid' | 'unknown';

export interface Recommendations {
  /** per transport: whether to use it through this path, and why */
  transports: Array<{ transport: Transport; advice: TransportAdvice; why: string }>;
  /** SSE comment / WebSocket ping interval that fits the idle timeouts measured */
  heartbeatMs?: number;
  /** how long to hold a long-poll request */
  longPollHoldMs?: number;
  /** reconnect streams before this (a maximum duration was measured) */
  reconnectBeforeMs?: number;
  /** keep messages below this */
  maxMessageBytes?: number;
  /** keep at most this many streams open at once through this path */
  maxStreams?: number;
  /** one fix per limit that bites, with the guessed product's config when known */
  fixes: Array<{ transport: Transport; reason: Reason; fix: Fix }>;
  /** sentences a person reads: how each number was derived */
  notes: string[];
}

/** The measurement of one path, as stored in `SetupResult.measurement`. */
export interface Measurement {
  /** true when Ctrl-C (or an error) cut the measurement short; what is present was measured */
  partial: boolean;
  startedAt: string;
  durationMs: number;
  /** the search bounds used */
  limits: { maxIdleMs: number; maxStreams: number; maxMessageBytes: number; idlePrecision: number };
  /** what the phases were; absent ones did not run */
  idle: Partial<Record<StreamTransport, IdleLimit>>;
  lifetime: Partial<Record<StreamTransport, LifetimeResult>>;
  largestMessage: Partial<Record<StreamTransport, SizeLimit>>;
  concurrency: Partial<Record<StreamTransport, ConcurrencyLimit>>;
  product: ProductGuess;
  /** answers that identify the path (kept small) */
  answers: AnswerEvidence[];
  recommendations: Recommendations;
  /** phases not run or interrupted, and other caveats */
  notes: string[];
}
