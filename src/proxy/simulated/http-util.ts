/**
 * HTTP helpers shared by the proxy core and the faults: hop-by-hop header
 * removal (RFC 7230 §6.1), reason phrases, and the small error pages real
 * proxies answer with.
 */
import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Answer } from './fault-types';

/**
 * RFC 7230 §6.1 (the RFC 2616 §13.5.1 list) plus `Proxy-Connection`, which
 * Caddy's list adds. `Upgrade` and `Connection` are kept only on a forwarded
 * upgrade and on its 101.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Reason phrases Node does not know (Cloudflare's 52x family). */
const EXTRA_REASONS: Record<number, string> = {
  520: 'Web Server Returned an Unknown Error',
  521: 'Web Server Is Down',
  522: 'Connection Timed Out',
  524: 'A Timeout Occurred',
};

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? EXTRA_REASONS[status] ?? 'Unknown';
}

/** Names listed in a Connection header (lower-case). */
export function connectionTokens(value: string | string[] | number | undefined): string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

/**
 * Removes hop-by-hop headers from a header object in place: the fixed list and
 * every header named in `Connection`. With `keepUpgrade`, `Upgrade` and
 * `Connection` survive (a handshake forwarded as one, or its 101).
 */
export function removeHopByHop(headers: IncomingHttpHeaders | OutgoingHttpHeaders, keepUpgrade: boolean): void {
  const listed = connectionTokens(headers['connection']);
  for (const name of [...HOP_BY_HOP, ...listed]) {
    if (keepUpgrade && (name === 'upgrade' || name === 'connection')) continue;
    // Options such as `close` name no header; deleting them is harmless.
    delete headers[name];
  }
}

/**
 * A small HTML error page like nginx's ("<center><h1>504 Gateway Time-out</h1>"),
 * naming the fault that produced it so a human reading a probe's body snippet
 * can tell a simulated answer from the origin's.
 */
export function errorPage(status: number, faultName: string, detail?: string): Answer {
  const title = `${status} ${reasonPhrase(status)}`;
  const body =
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
    (detail ? `<p>${escapeHtml(detail)}</p>\r\n` : '') +
    `<hr><center>pushthrough simulated proxy (${faultName})</center>\r\n</body>\r\n</html>\r\n`;
  return {
    status,
    statusMessage: reasonPhrase(status),
    headers: { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' },
    body,
  };
}

/** A one-line text/plain answer (refused handshakes, connection limits). */
export function textAnswer(status: number, text: string, extra: OutgoingHttpHeaders = {}): Answer {
  const body = `${text}\n`;
  return {
    status,
    statusMessage: reasonPhrase(status),
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra },
    body,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** Appends a value to a header that may already hold one or several. */
export function appendHeader(headers: OutgoingHttpHeaders, name: string, value: string): void {
  const prev = headers[name];
  if (prev === undefined) headers[name] = value;
  else if (Array.isArray(prev)) headers[name] = [...prev, value];
  else headers[name] = [String(prev), value];
}

/** A header's value as one string ('' when absent). */
export function headerText(value: string | string[] | number | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
