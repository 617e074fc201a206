/**
 * Where a probe sends its requests. A probe does not care whether a proxy,
 * which one, or none sits in front of the origin: it only knows this base URL
 * (and optionally a forward proxy to go through, the corporate-proxy case).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { pemCertificates } from '../util/certs';

export interface ProbeTarget {
  /** base URL of the origin as the client reaches it, e.g. http://127.0.0.1:8080 or https://lb.example.com/rt */
  baseUrl: string;
  /** forward proxy every client goes through (HTTP proxy for http/ws, CONNECT for https/wss) */
  via?: string;
  /** the origin's --token, when it was started with one; sent as X-Pushthrough-Token, never in the URL */
  token?: string;
  /** what https/wss clients trust beyond Node's own store (probe --ca, --insecure) */
  tls?: TlsTrust;
}

export interface TlsTrust {
  /** CA certificates (PEM) trusted besides Node's store and NODE_EXTRA_CA_CERTS */
  ca?: string[];
  /** no verification at all (probe --insecure) */
  insecure?: boolean;
}

/**
 * TLS options for a client of the target; undefined where Node's defaults
 * apply (its CA store, which already includes NODE_EXTRA_CA_CERTS). Giving
 * `ca` replaces Node's store, so the store and NODE_EXTRA_CA_CERTS are
 * passed along with the added CAs.
 */
export function tlsOptionsFor(target: ProbeTarget): { ca?: string[]; rejectUnauthorized?: boolean } | undefined {
  const t = target.tls;
  if (!t || (!t.ca?.length && !t.insecure)) return undefined;
  const opts: { ca?: string[]; rejectUnauthorized?: boolean } = {};
  if (t.ca?.length) opts.ca = [...tls.rootCertificates, ...extraCaCertificates(), ...t.ca];
  if (t.insecure) opts.rejectUnauthorized = false;
  return opts;
}

let extraCa: string[] | undefined;

/** NODE_EXTRA_CA_CERTS' certificates, read once (Node itself reads the file once, at startup). */
function extraCaCertificates(): string[] {
  if (extraCa) return extraCa;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  try {
    extraCa = file ? pemCertificates(fs.readFileSync(file, 'utf8')) : [];
  } catch {
    // Node warned about it at startup already.
    extraCa = [];
  }
  return extraCa;
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
