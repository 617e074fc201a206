/**
 * What every grader shares: how to read an HTTP answer the client got, and
 * why a request did not get a normal one. `seen` (what reached the origin,
 * from /_seen) tells a proxy that changed the request from one that never
 * forwarded it.
 */
import type { Arrival, HttpAnswer, Observation, SeenRequest, Transport } from '../observation/types';
import type { CutHow } from '../observation/limits';
import { isCertificateError } from '../util/tls-errors';
import { BROWSER_NETWORK_ERROR, BROWSER_WS_FAILED, CONNECT_REFUSED } from '../vocabulary';
import { CAPACITY_STATUSES, GATEWAY_STATUSES } from './thresholds';
import type { CheckResult, Reason } from './types';

export const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A check result with the observation's duration among its measured numbers. */
export function result(obs: Observation, status: CheckResult['status'], reason: Reason, detail: string, measured: Record<string, unknown> = {}, id = obs.check): CheckResult {
  return { id, status, reason, detail, measured: { durationMs: Math.round(obs.durationMs), ...measured } };
}

export function describeAnswer(a: HttpAnswer | undefined): string {
  if (!a) return 'no answer';
  if (a.error) return a.error.code === 'TIMEOUT' ? a.error.message : `${a.error.code} (${a.error.message})`;
  const server = a.headers?.server ? ` from ${a.headers.server}` : '';
  const body = a.bodySnippet ? `: "${a.bodySnippet.slice(0, 80)}"` : '';
  return `HTTP ${a.status}${server}${body}`;
}

/** An answer as evidence in `measured`: status, headers, the first bytes of the body, the error. */
export function answerEvidence(a: HttpAnswer | undefined): Record<string, unknown> {
  if (!a) return {};
  return { status: a.status, headers: a.headers, body: a.bodySnippet, error: a.error };
}

export const isSessionUnknown = (a: HttpAnswer | undefined): boolean => a?.status === 400 && /session-unknown|session unknown/i.test(a.bodySnippet ?? '');

/** The status a forward proxy answered a refused CONNECT with (the clients put it in the message, "(HTTP 403)"). */
export function connectStatus(a: HttpAnswer | undefined): number | undefined {
  const m = a?.error?.code === CONNECT_REFUSED ? /\(HTTP (\d{3})\)/.exec(a.error.message) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The tester's own problem behind a first answer, in one sentence, or
 * undefined when the answer says something about the path: nothing accepts
 * connections at the target (wrong URL, nothing started), the client does
 * not trust the certificate presented (a CA it was not given), or the forward
 * proxy wants credentials the client was not given. Each is an `error` cell,
 * never a transport `fail`.
 */
export function testerProblem(a: HttpAnswer | undefined): string | undefined {
  const code = a?.error?.code;
  if (code === CONNECT_REFUSED && connectStatus(a) === 407) return `the forward proxy asks for credentials (HTTP 407): give them in --via http://user:password@host:port`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return `nothing accepts connections at the target (${a?.error?.message}); start the origin or proxy, or check the URL`;
  if (isCertificateError(code)) {
    return `the client does not trust the certificate the front presented (${code}): give --ca FILE with its CA certificate (or NODE_EXTRA_CA_CERTS), or --insecure`;
  }
  return undefined;
}

/** The answer the transport expects: 101 for WebSocket, 200 (or 204 for a long poll) otherwise. */
export function expectedOk(transport: Transport, a: HttpAnswer | undefined): boolean {
  if (!a || a.error || a.status === undefined) return false;
  if (transport === 'websocket') return a.status === 101;
  if (transport === 'long-poll') return a.status === 200 || a.status === 204;
  return a.status === 200;
}

export function firstBadAnswer(obs: Observation): HttpAnswer | undefined {
  return obs.answers.find((a) => !expectedOk(obs.transport, a));
}

export function timeline(arrivals: Arrival[]): Array<Pick<Arrival, 'seq' | 'offsetMs' | 'arrivedMs' | 'connection'>> {
  return arrivals.map(({ seq, offsetMs, arrivedMs, connection }) => ({ seq, offsetMs, arrivedMs, connection }));
}

/**
 * Why a request did not get a normal answer. In a check of several requests,
 * fewer arrivals at the origin than answers at the client means some answers
 * came from the proxy alone.
 */
export function failedAnswerReason(transport: Transport, a: HttpAnswer | undefined, seen: SeenRequest[] | undefined, answered = 1): { reason: Reason; detail: string } {
  const what = describeAnswer(a);
  if (isSessionUnknown(a)) {
    return { reason: 'not-sticky', detail: `${what}: the request reached an origin instance that does not know this client's session — the balancer is not sticky` };
  }
  const reached = seen !== undefined && seen.length >= Math.max(1, answered);
  const http10 = seen?.find((r) => r.httpVersion === '1.0');
  if (transport === 'websocket' && a?.status !== undefined) {
    if (http10) {
      return {
        reason: 'protocol-downgrade',
        detail: `the handshake reached the origin over HTTP/1.0${http10.headers.upgrade ? '' : ' without its Upgrade header'}, which cannot upgrade; the client got ${what}`,
      };
    }
    const plain = seen?.find((r) => !r.upgraded);
    if (plain) {
      const saw = plain.headers.upgrade ? `Upgrade: ${plain.headers.upgrade} but Connection: ${plain.headers.connection ?? 'none'}` : 'no Upgrade header';
      return { reason: 'upgrade-stripped', detail: `the proxy forwarded the handshake as a plain GET (the origin saw ${saw}), so the client got ${what}` };
    }
    if ((seen !== undefined && !reached && a.status >= 400 && a.status < 500) || a.status === 501) {
      return { reason: 'upgrade-rejected', detail: `the proxy answered the upgrade itself with ${what}; the origin never saw it` };
    }
  }
  // A browser's WebSocket that closed before it opened: the page never sees the handshake's status, so what reached the origin tells.
  if (transport === 'websocket' && a?.error?.code === BROWSER_WS_FAILED && seen !== undefined) {
    const blind = 'the browser saw only close code 1006, never the handshake’s status';
    if (http10) return { reason: 'protocol-downgrade', detail: `the handshake reached the origin over HTTP/1.0, which cannot upgrade (${blind})` };
    const plain = seen.find((r) => !r.upgraded);
    if (plain) {
      const saw = plain.headers.upgrade ? `Upgrade: ${plain.headers.upgrade} but Connection: ${plain.headers.connection ?? 'none'}` : 'no Upgrade header';
      return { reason: 'upgrade-stripped', detail: `the proxy forwarded the handshake as a plain GET (the origin saw ${saw}); ${blind}` };
    }
    // A refused upgrade, a connection limit and a blocked port all look the same to a page.
    if (seen.length === 0) return { reason: 'upgrade-rejected', detail: `the handshake never reached the origin: something on the path refused it (${blind}, so a refused upgrade, a full connection limit and a blocked port look alike)` };
    return { reason: 'proxy-error', detail: `the origin accepted the upgrade, but the connection failed on its way back to the browser (${blind})` };
  }
  // The forward proxy would not open a tunnel to the origin: no https or wss client gets through it.
  if (a?.error?.code === CONNECT_REFUSED) {
    // 502/503/504: it tried and could not reach the origin (a wrong host, nothing listening), not a policy.
    if ((connectStatus(a) ?? 0) >= 500) return { reason: 'proxy-error', detail: `${a.error.message}: the forward proxy could not reach the origin's host and port through its tunnel` };
    return {
      reason: 'blocked',
      detail: `${a.error.message}, so no https or wss client gets through it to the origin's host and port (many corporate proxies allow CONNECT to port 443 only)`,
    };
  }
  // Reset before any answer, and nothing reached the origin: the path refuses this connection outright.
  if (a?.error && a.status === undefined && (/ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(a.error.code) || a.error.code === BROWSER_NETWORK_ERROR) && seen !== undefined && seen.length === 0) {
    return {
      reason: 'blocked',
      detail: `the connection was reset before any answer and the origin never saw the request: something on the path refuses connections here — an egress firewall that lets only some ports out (often 80 and 443), or a proxy that drops this connection (${what})`,
    };
  }
  if (a?.status !== undefined && CAPACITY_STATUSES.includes(a.status) && seen && !reached) {
    return { reason: 'connection-limit', detail: `the proxy refused the request with ${what} without forwarding it${answered > 1 ? ` (the origin saw ${seen.length} of ${answered} requests)` : ''}` };
  }
  if (a?.status !== undefined && GATEWAY_STATUSES.includes(a.status) && reached) {
    return { reason: 'proxy-error', detail: `the origin got the request but the client got ${what} from the proxy` };
  }
  return { reason: 'proxy-error', detail: `the client got ${what}` };
}

/** The failure of a check whose requests were not answered normally, graded from its first bad answer. */
export function badAnswerResult(obs: Observation, a: HttpAnswer, prefix = '', measured: Record<string, unknown> = {}): CheckResult {
  const r = failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length);
  return result(obs, 'fail', r.reason, `${prefix}${r.detail}`, { ...measured, ...answerEvidence(a) });
}

/** Why a measuring stream never got going: the status it was answered instead, or how it ended before its first event. */
export function startFailure(transport: Transport, how: CutHow, code: string | number | undefined, detail: string | undefined): string {
  if (how === 'status') return `the ${transport === 'websocket' ? 'handshake' : 'stream'} was answered ${code}${detail ? ` (${detail})` : ''} instead of ${transport === 'websocket' ? '101 Switching Protocols' : 'an event stream'}`;
  return `the stream ended before its first event (${how}${code !== undefined ? ` ${code}` : ''}${detail ? `: ${detail}` : ''})`;
}
