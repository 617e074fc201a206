/**
 * The infrastructure report (`pushthrough probe <url> --measure`): the limits
 * of a real path (src/observation/limits.ts), the product guess and the advice
 * drawn from them (src/verdict). Plain data, JSON as it is in the report
 * (`SetupResult.measurement`). Fields may be added, never renamed.
 */
import type { AnswerEvidence } from '../client/http';
import type { ConcurrencyLimit, IdleLimit, KeepaliveResult, KeepaliveTransport, KeepaliveVerification, LifetimeResult, SizeLimit, StreamTransport } from '../observation/limits';
import type { ProductGuess } from '../verdict/product-guess';
import type { Recommendations } from '../verdict/recommend';

export type { AnswerEvidence } from '../client/http';
export type { ConcurrencyLimit, CutHow, IdleLimit, IdleTrial, KeepaliveKind, KeepaliveResult, KeepaliveTransport, KeepaliveTrial, KeepaliveVerification, LifetimeResult, SizeLimit, SizeTrial, StreamTransport } from '../observation/limits';
export type { ProductGuess } from '../verdict/product-guess';
export type { Recommendations, TransportAdvice } from '../verdict/recommend';
export type { KeepaliveAdvice } from '../verdict/keepalive';
export type { Confidence } from '../proxy/real/product';

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
  /** which keepalive traffic kept silent streams open past the idle cut (absent when nothing was cut) */
  keepalive?: Partial<Record<KeepaliveTransport, KeepaliveResult>>;
  /** the advised keepalive applied through the path */
  keepaliveVerified?: Partial<Record<KeepaliveTransport, KeepaliveVerification>>;
  product: ProductGuess;
  /** answers that identify the path (kept small) */
  answers: AnswerEvidence[];
  recommendations: Recommendations;
  /** phases not run or interrupted, and other caveats */
  notes: string[];
}
