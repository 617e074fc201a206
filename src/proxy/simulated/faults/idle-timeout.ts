/**
 * idle-timeout: an inactivity timer, reset by every byte that passes this
 * fault in either direction (nginx `proxy_read_timeout`/`proxy_send_timeout`
 * are "between two successive read or write operations, not for the
 * transmission of the whole response";
 * https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout).
 *
 * - Before the response head: the proxy answers `statusBeforeHeaders` with a
 *   small HTML page — nginx 504, HAProxy 504, Apache 502, Varnish 503,
 *   Cloudflare 524 (docs/proxy-behaviour.md#nginx, #haproxy, #apache-httpd,
 *   #varnish, #cloudflare).
 * - After the head (an SSE stream, a held long-poll, a WebSocket tunnel):
 *   `afterHeaders` says how the connection ends — `close` (FIN; nginx
 *   "upstream timed out", HAProxy `cD`/`sD`), `reset` (RST), or `drop`
 *   (forward nothing more and close nothing, like a NAT or firewall flow that
 *   expired: AWS Network Firewall drops packets silently,
 *   https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_FlowTimeouts.html).
 *
 * Upgraded tunnels are covered: bytes either way restart the timer (nginx WS:
 * "closed if the proxied server does not transmit any data within 60 seconds").
 */
import type { CutHow, Exchange, FaultDefinition } from '../fault-types';
import { errorPage } from '../http-util';
import { Tap } from '../streams';
import { formatDuration } from '../../../util/format';

export interface IdleTimeoutParams {
  idleMs: number;
  statusBeforeHeaders: 502 | 503 | 504 | 524;
  /**
   * `answer` (a proxy: it sends statusBeforeHeaders) or `cut` (a NAT or
   * firewall cannot answer: `afterHeaders` applies before the head too).
   */
  beforeHeaders: 'answer' | 'cut';
  afterHeaders: CutHow;
}

interface IdleTimer {
  restart(): void;
  stop(): void;
}

export const idleTimeout: FaultDefinition<IdleTimeoutParams> = {
  name: 'idle-timeout',
  summary: 'ends a request, stream or tunnel after N ms without bytes (nginx 60 s/504, Cloudflare 524, NAT silent drop)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      idleMs: { type: 'integer', minimum: 0, default: 60_000 },
      statusBeforeHeaders: { type: 'integer', enum: [502, 503, 504, 524], default: 504 },
      beforeHeaders: { type: 'string', enum: ['answer', 'cut'], default: 'answer' },
      afterHeaders: { type: 'string', enum: ['close', 'reset', 'drop'], default: 'close' },
    },
  },
  explain(p) {
    const after = { close: 'closes the connection', reset: 'resets the connection (RST)', drop: 'silently stops forwarding and keeps both sockets open' }[p.afterHeaders];
    if (p.beforeHeaders === 'cut') return `${after} after ${p.idleMs} ms without bytes, before or after the response head`;
    return `answers ${p.statusBeforeHeaders} if no response head comes within ${p.idleMs} ms; once streaming, ${after} after ${p.idleMs} ms without bytes`;
  },
  create(p) {
    const timers = new WeakMap<Exchange, IdleTimer>();
    const fire = (ex: Exchange): void => {
      ex.log(`no bytes for ${formatDuration(p.idleMs)}`);
      if (ex.headPassed || p.beforeHeaders === 'cut' || !ex.respond(errorPage(p.statusBeforeHeaders, 'idle-timeout', `no bytes for ${p.idleMs} ms`))) ex.cut(p.afterHeaders);
    };
    return {
      request(ex) {
        let cancel = ex.timer(p.idleMs, () => fire(ex));
        const t: IdleTimer = {
          restart() {
            cancel();
            cancel = ex.timer(p.idleMs, () => fire(ex));
          },
          stop() {
            cancel();
          },
        };
        timers.set(ex, t);
        ex.pipeRequestBody(new Tap(() => t.restart()));
      },
      response(ex, res) {
        const t = timers.get(ex);
        if (!t) return;
        t.restart();
        if (res.upgraded) return; // the tunnel hook keeps watching
        if (!res.hasBody) {
          t.stop();
          return;
        }
        res.pipeBody(
          new Tap(
            () => t.restart(),
            () => t.stop(),
          ),
        );
      },
      tunnel(ex) {
        const t = timers.get(ex);
        if (!t) return;
        t.restart();
        return { toClient: new Tap(() => t.restart()), toOrigin: new Tap(() => t.restart()) };
      },
    };
  },
};
