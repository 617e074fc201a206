/**
 * The failures pushthrough tells apart:
 *
 *   UsageError    the user asked for something wrong (a bad option, a broken
 *                 setup file, an unreachable URL): one line, exit 2
 *   TesterError   the tester could not run something (a proxy that never
 *                 started, a helper that crashed, a file limit): an `error`
 *                 cell with the fix in its reason, never a transport `fail`
 *   anything else a bug in pushthrough: an internal error with its stack, exit 70
 *
 * What a proxy does — refuse, cut, buffer — is never an exception: it is
 * observed and graded.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class TesterError extends Error {
  constructor(
    message: string,
    /** what the proxy or helper printed, for the report */
    readonly logs: string[] = [],
  ) {
    super(message);
    this.name = 'TesterError';
  }
}

/** Exit codes, documented in the README. */
export const EXIT = {
  /** every cell as expected (or, for probe, every transport passes) */
  ok: 0,
  /** a cell not as expected, a transport that does not pass, or something got worse (diff) */
  mismatch: 1,
  /** a usage or configuration error */
  usage: 2,
  /** the tester could not run some checks (error cells): the result is incomplete */
  testerError: 4,
  /** a bug in pushthrough (EX_SOFTWARE) */
  internal: 70,
  /** interrupted by SIGINT / SIGTERM (128 + signal) */
  sigint: 130,
  sigterm: 143,
} as const;
