import type { CheckId, Transport } from '../observation/types';

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

export type CheckStatus = 'pass' | 'fail' | 'skip' | 'error';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** 'none' when the check passed */
  reason: Reason;
  /** the numbers and evidence the check measured */
  measured: Record<string, unknown>;
  /** one sentence a person can read */
  detail: string;
}

export interface Expectation {
  verdict: Verdict;
  reason: Reason;
}

/** The result of trying an app-side fix on a degraded or failed cell. */
export interface MitigationResult {
  id: string;
  /** e.g. "heartbeat every 1.0 s" */
  description: string;
  rescued: boolean;
  /** verdict and reason of the transport with the mitigation applied */
  verdict: Verdict;
  reason: Reason;
  detail: string;
  /** for fallbacks: the transport the client lands on */
  landsOn?: Transport;
}

export interface Fix {
  /** proxy-side config, when the product is known */
  proxy?: { product: string; snippet: string };
  /** app-side change */
  app: string;
}

export interface Cell {
  transport: Transport;
  verdict: Verdict;
  reason: Reason;
  explanation: string;
  expected?: Expectation;
  matches?: boolean;
  checks: CheckResult[];
  mitigations?: MitigationResult[];
  fix?: Fix;
}
