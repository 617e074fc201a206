/**
 * HTTP for every client: Node's fetch (undici) with a dispatcher that has no
 * timeouts of its own — undici's default 300 s body timeout would otherwise
 * cut a silent stream itself and be mistaken for the path's idle timeout —
 * optionally through a forward proxy. Checks and measurements set their own
 * deadlines.
 */
import { Agent, buildConnector, Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { SeenRequest } from '../protocol/seen';
import type { Transport, WireProtocol } from '../observation/types';
import { classifyError, evidenceHeaders, snippet } from './recorder';
import { endpointUrl, targetHeaders, tlsOptionsFor, trustKey, type ProbeTarget } from './target';

const dispatchers = new Map<string, Dispatcher>();

/** The protocol each https front's connections negotiated with ALPN, by host:port. */
const negotiated = new Map<string, string>();

function dispatcherKey(target: ProbeTarget, allowH2: boolean): string {
  return JSON.stringify([target.via ?? '', trustKey(target), allowH2, allowH2 ? (target.connectionGroup ?? '') : '']);
}

/** Closes the HTTP/2 connections of a target's connection group (a check that ended). */
export async function closeConnectionGroup(target: ProbeTarget): Promise<void> {
  if (target.connectionGroup === undefined) return;
  const key = dispatcherKey(target, true);
  const d = dispatchers.get(key);
  if (!d) return;
  dispatchers.delete(key);
  await d.destroy().catch(() => undefined);
}

/**
 * Polls and SSE offer HTTP/2 over TLS unless the target says HTTP/1.1 only,
 * as browsers do (ALPN, RFC 7301); the connector notes what each front chose.
 * Through a forward proxy they stay on HTTP/1.1.
 */
function dispatcherFor(target: ProbeTarget): Dispatcher {
  const { via } = target;
  const tls = tlsOptionsFor(target);
  const allowH2 = !via && !target.http1 && new URL(target.baseUrl).protocol === 'https:';
  const key = dispatcherKey(target, allowH2);
  let d = dispatchers.get(key);
  if (!d) {
    if (via) {
      d = new ProxyAgent({
        uri: via,
        bodyTimeout: 0,
        headersTimeout: 0,
        ...(tls ? { requestTls: tls } : {}),
        // As browsers do: http:// requests go to the proxy in absolute form
        // (GET http://host/path), so it sees, caches and buffers them as HTTP;
        // only https:// asks for a CONNECT tunnel. undici tunnels both by default.
        proxyTunnel: false,
        // The connections to the proxy (absolute form) and through its tunnels: no timeouts of undici's own either.
        factory: (origin: string | URL, opts: object) => new Pool(origin, { ...opts, bodyTimeout: 0, headersTimeout: 0 }),
      });
    } else {
      const connect = buildConnector({ ...tls, allowH2 });
      d = new Agent({
        bodyTimeout: 0,
        headersTimeout: 0,
        allowH2,
        connect: (opts, callback) =>
          connect(opts, (err, socket) => {
            const alpn = (socket as { alpnProtocol?: string | false } | null)?.alpnProtocol;
            if (!err && alpn) negotiated.set(`${opts.hostname}:${opts.port || '443'}`, alpn);
            callback(err as Error, socket as never);
          }),
      });
    }
    dispatchers.set(key, d);
  }
  return d;
}

/**
 * What a transport's client spoke to the target's front: polls and SSE the
 * protocol the front chose by ALPN (HTTP/1.1 without TLS, or without a
 * connection made yet: then `http` is absent over TLS), WebSocket always an
 * HTTP/1.1 Upgrade (the ws client does not offer RFC 8441).
 */
export function wireProtocol(target: ProbeTarget, transport: Transport): WireProtocol {
  const url = new URL(target.baseUrl);
  const tls = url.protocol === 'https:';
  if (transport === 'websocket') return { tls, http: 'h1', handshake: 'upgrade' };
  if (!tls || target.via || target.http1) return { tls, http: 'h1' };
  const alpn = negotiated.get(`${url.hostname}:${url.port || '443'}`);
  return alpn === undefined ? { tls } : { tls, http: alpn === 'h2' ? 'h2' : 'h1' };
}

/** A fetch bound to the target: its forward proxy (if any) and its token header. */
export function fetchFor(target: ProbeTarget): typeof fetch {
  const dispatcher = dispatcherFor(target);
  const extra = targetHeaders(target);
  return (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(extra)) headers.set(k, v);
    return fetch(input, { ...init, headers, dispatcher } as unknown as RequestInit);
  };
}

/** Destroys the connection pools (end of a run): no held stream may keep the process alive. */
export async function closeAgents(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  negotiated.clear();
  await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
}

/**
 * Asks the origin what reached it for one probe id. `originUrl` (the origin
 * itself, when the tester started it) is preferred: through a caching proxy
 * the answer could be stale. Records are filtered on the probe id in their
 * path, so even a cache that ignores the query string cannot mix them up.
 */
export async function fetchSeen(target: ProbeTarget, probeId: string, originUrl?: string): Promise<SeenRequest[] | undefined> {
  const t: ProbeTarget = originUrl ? { baseUrl: originUrl, token: target.token, tls: target.tls } : target;
  const url = endpointUrl(t, '/_seen', { id: probeId, nocache: Date.now() });
  try {
    const res = await fetchFor(t)(url, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const body = (await res.json()) as { requests?: SeenRequest[] };
    return (body.requests ?? []).filter((r) => r.path.includes(`probe=${probeId}`));
  } catch {
    return undefined;
  }
}

/** One answer kept as evidence of who is in the path. */
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

const MAX_BODY_BYTES = 4096;

async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short is still evidence.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One GET on the target, recorded as evidence; never throws. */
export async function fetchEvidence(target: ProbeTarget, request: string, path: string, opts: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<AnswerEvidence> {
  const url = endpointUrl(target, path, { nocache: Date.now() });
  try {
    const res = await fetchFor(target)(url, { headers: opts.headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
    const text = await readSome(res);
    const a: AnswerEvidence = { request, status: res.status, headers: evidenceHeaders(res.headers.entries()) };
    if (text) a.bodySnippet = snippet(text);
    return a;
  } catch (err) {
    const timedOut = (err as Error)?.name === 'TimeoutError';
    return { request, error: timedOut ? 'no answer in time' : classifyError(err).code };
  }
}
