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
  /** polls and SSE speak HTTP/1.1 even where the front offers HTTP/2 (`--http1`); by default they take HTTP/2 when ALPN offers it, as browsers do */
  http1?: boolean;
  /**
   * Requests with the same group share HTTP/2 connections; each check runs in
   * its own, as it has its own connections over HTTP/1.1. Checks run side by
   * side, and a path's timeouts act on whole connections too: on one shared
   * session the duration check's heartbeats would keep the idle check's
   * connection busy, and a cut meant for one check would end them all.
   */
  connectionGroup?: string;
}

export interface TlsTrust {
  /** CA certificates (PEM) trusted besides Node's store and NODE_EXTRA_CA_CERTS */
  ca?: string[];
  /** no verification at all (probe --insecure) */
  insecure?: boolean;
}

/** One string per distinct trust (the CAs and --insecure); '' for Node's defaults. */
export function trustKey(target: ProbeTarget): string {
  const t = target.tls;
  if (!t || (!t.ca?.length && !t.insecure)) return '';
  return JSON.stringify([t.ca ?? [], t.insecure === true]);
}

const secureContexts = new Map<string, tls.SecureContext>();

/**
 * TLS options for a client of the target; undefined where Node's defaults
 * apply (its CA store, which already includes NODE_EXTRA_CA_CERTS). Giving
 * CAs replaces Node's store, so the store and NODE_EXTRA_CA_CERTS are passed
 * along with the added CAs, in a secure context made once per trust: parsing
 * the 140-odd root certificates again for every connection costs the
 * tester's CPU (measured: 60 TLS long polls at once, each making its own,
 * saw 22 of them miss a 1.5 s margin on this 2-core machine).
 */
export function tlsOptionsFor(target: ProbeTarget): { secureContext?: tls.SecureContext; rejectUnauthorized?: boolean } | undefined {
  const key = trustKey(target);
  if (key === '') return undefined;
  const t = target.tls!;
  const opts: { secureContext?: tls.SecureContext; rejectUnauthorized?: boolean } = {};
  if (t.ca?.length) {
    let context = secureContexts.get(key);
    if (!context) {
      context = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extraCaCertificates(), ...t.ca] });
      secureContexts.set(key, context);
    }
    opts.secureContext = context;
  }
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
