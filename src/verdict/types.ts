import type { CheckId, Client, Expectation, KeepaliveKind, Library, Reason, Transport, Verdict, WireProtocol } from '../vocabulary';
import type { LibraryMeasured } from './library';

export { REASONS, VERDICTS, type Expectation, type Reason, type Verdict } from '../vocabulary';

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

/** A proxy-side config change: everything a renderer shows, so reports render from the JSON alone. */
export interface ProxyFix {
  /** product id (src/proxy/real/products) */
  product: string;
  /** how people name the product */
  label?: string;
  /** language of the snippet, for syntax hints */
  language?: string;
  /** documentation URL of the setting */
  doc?: string;
  /** the config lines, the documentation URL as a comment on the first */
  snippet: string;
}

export interface Fix {
  /** proxy-side config, when the product is known */
  proxy?: ProxyFix;
  /** app-side change */
  app: string;
}

export interface Cell {
  transport: Transport;
  /** who made the requests; absent = pushthrough's Node.js clients */
  client?: Client;
  /** a library's cell (`--libraries`): which library; `transport` is then the one it ended on */
  library?: Library;
  /** a library's cell: what its own client measured (src/verdict/library.ts) */
  measured?: LibraryMeasured;
  verdict: Verdict;
  reason: Reason;
  explanation: string;
  expected?: Expectation;
  /** run --keepalive: the kinds the setup's expectations say keep this transport alive */
  expectedKeepalive?: KeepaliveKind[];
  /** the verdict and reason (and, with --keepalive, the kinds kept alive) are what the setup expects */
  matches?: boolean;
  /** what the client spoke to the front: TLS or not, HTTP/1.1 or HTTP/2, the WebSocket handshake */
  protocol?: WireProtocol;
  checks: CheckResult[];
  mitigations?: MitigationResult[];
  fix?: Fix;
  /** when the product in front is unknown: the change for every product that has one for this reason */
  fixAlternatives?: Fix[];
  /** a browser cell whose verdict differs from the Node client's on the same setup: that verdict, and why */
  differsFromNode?: { verdict: Verdict; reason: Reason; why: string };
}
