/**
 * balance: spreads requests over every target the proxy was started with.
 *
 * - `round-robin`: one after the other (nginx and HAProxy default;
 *   https://nginx.org/en/docs/http/ngx_http_upstream_module.html,
 *   docs/proxy-behaviour.md#haproxy). A long-poll or Socket.IO session whose requests land on
 *   different origins breaks ("Session ID unknown",
 *   https://socket.io/docs/using-multiple-nodes,
 *   https://github.com/socketio/socket.io-sticky/issues/2);
 * - `sticky-cookie`: the first answer sets `<cookieName>=s<index>`; a request
 *   carrying it goes back to that origin (HAProxy `cookie SERVERID insert`,
 *   ingress-nginx `affinity: cookie`, nginx `sticky`);
 * - `sticky-ip`: a hash of the client address picks the origin (nginx
 *   `ip_hash`).
 *
 * WebSocket handshakes are balanced like any request; the tunnel stays with
 * the origin that accepted it.
 */
import type { Exchange, FaultDefinition } from '../fault-types';
import { appendHeader } from '../http-util';

export interface BalanceParams {
  strategy: 'round-robin' | 'sticky-cookie' | 'sticky-ip';
  cookieName: string;
}

/** FNV-1a, 32 bit: a stable, dependency-free hash for client addresses. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const balance: FaultDefinition<BalanceParams> = {
  name: 'balance',
  summary: 'spreads requests over several origins: round-robin, sticky cookie or sticky client IP',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      strategy: { type: 'string', enum: ['round-robin', 'sticky-cookie', 'sticky-ip'], default: 'round-robin' },
      cookieName: { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', default: 'SERVERID' },
    },
  },
  explain(p) {
    if (p.strategy === 'round-robin') return 'sends each request to the next origin in turn (no affinity)';
    if (p.strategy === 'sticky-ip') return 'sends each client address to one origin (ip hash)';
    return `pins each client to one origin with a ${p.cookieName} cookie set on its first answer`;
  },
  create(p) {
    let next = 0;
    const pendingCookie = new WeakMap<Exchange, number>();
    return {
      request(ex) {
        const count = ex.targets.length;
        let index: number;
        if (p.strategy === 'sticky-ip') {
          const addr = (ex.clientSocket.remoteAddress ?? '').replace(/^::ffff:/, '');
          index = fnv1a(addr) % count;
        } else if (p.strategy === 'sticky-cookie') {
          const m = /^s(\d+)$/.exec(cookieValue(ex.headers['cookie'], p.cookieName) ?? '');
          if (m && Number(m[1]) < count) {
            index = Number(m[1]);
          } else {
            index = next++ % count;
            pendingCookie.set(ex, index);
          }
        } else {
          index = next++ % count;
        }
        ex.target = ex.targets[index];
        ex.log(`→ origin ${index + 1} of ${count} (${ex.target.host})`);
      },
      response(ex, res) {
        const index = pendingCookie.get(ex);
        if (index !== undefined) appendHeader(res.head.headers, 'set-cookie', `${p.cookieName}=s${index}; Path=/; HttpOnly`);
      },
    };
  },
};
