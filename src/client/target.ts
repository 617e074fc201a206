/**
 * Where a probe sends its requests. A probe does not care whether a proxy,
 * which one, or none sits in front of the origin: it only knows this base URL
 * (and optionally a forward proxy to go through, the corporate-proxy case).
 */
import { randomBytes } from 'node:crypto';

export interface ProbeTarget {
  /** base URL of the origin as the client reaches it, e.g. http://127.0.0.1:8080 or https://lb.example.com/rt */
  baseUrl: string;
  /** forward proxy every client goes through (HTTP proxy for http/ws, CONNECT for https/wss) */
  via?: string;
  /** the origin's --token, when it was started with one; sent as X-Pushthrough-Token, never in the URL */
  token?: string;
}

export type Params = Record<string, string | number | boolean | undefined>;

/** The request header that carries the origin's token (kept out of URLs and so out of access logs). */
export const TOKEN_HEADER = 'x-pushthrough-token';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Headers every request to the target carries: the token, when there is one. */
export function targetHeaders(target: ProbeTarget): Record<string, string> {
  return target.token ? { [TOKEN_HEADER]: target.token } : {};
}

/** Builds an endpoint URL on the target, keeping any path prefix of the base. */
export function endpointUrl(target: ProbeTarget, path: string, params: Params): URL {
  const base = new URL(target.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${prefix}${path}`, base);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === false) continue;
    url.searchParams.set(k, v === true ? '1' : String(v));
  }
  return url;
}

export function wsUrl(url: URL): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
