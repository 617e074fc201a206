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
export const CHECK_IDS = ['connect', 'delivery', 'latency', 'idle', 'hold', 'duration', 'resume', 'large', 'echo', 'freshness'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

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
  'proxy-error',
  'tester-error',
  'not-run',
] as const;
export type Reason = (typeof REASONS)[number];

export interface Expectation {
  verdict: Verdict;
  reason: Reason;
}
