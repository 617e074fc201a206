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
 * Upgraded tunnels are covered. Which bytes restart the timer is `resetBy`,
 * because hops differ and a heartbeat in the wrong direction does nothing:
 * - `either` (default): bytes in both directions — AWS ALB ("if no data has
 *   been sent or received by the time that the idle timeout period elapses",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html),
 *   HAProxy's `timeout tunnel` (https://docs.haproxy.org/2.6/configuration.html#4-timeout%20tunnel),
 *   and nginx's `proxy_read_timeout` in a WebSocket tunnel as measured on
 *   1.22.1 (proxies/nginx/short-timeout.expect.yaml, keepalive);
 * - `upstream`: only bytes from the origin toward the client — lighttpd's
 *   proxy `read-timeout` and Caddy's transport `read_timeout`, as measured
 *   (proxies/lighttpd/short-timeout.expect.yaml, proxies/caddy/short-timeout.expect.yaml:
 *   a client→server message did not keep a WebSocket open);
 * - `client`: only bytes from the client toward the origin — lighttpd's
 *   `server.max-read-idle`
 *   (https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_max-read-idleDetails;
 *   measured: proxies/lighttpd/read-idle.expect.yaml).
 *
 * `scope: tunnels` times upgraded tunnels only, as HAProxy's `timeout tunnel`
 * and lighttpd's max-read-idle (which applies while lighttpd reads from the
 * client: once a plain request is read, never; in a WebSocket tunnel, always —
 * measured: proxies/lighttpd/read-idle.expect.yaml) do.
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
  /** which direction's bytes restart the timer */
  resetBy: 'either' | 'upstream' | 'client';
  /** what is timed: every request, stream and tunnel, or upgraded tunnels only */
  scope: 'all' | 'tunnels';
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
      resetBy: { type: 'string', enum: ['either', 'upstream', 'client'], default: 'either' },
      scope: { type: 'string', enum: ['all', 'tunnels'], default: 'all' },
    },
  },
  explain(p) {
    const after = { close: 'closes the connection', reset: 'resets the connection (RST)', drop: 'silently stops forwarding and keeps both sockets open' }[p.afterHeaders];
    const bytes = { either: 'without bytes', upstream: 'without bytes from the origin (client traffic does not count)', client: 'without bytes from the client (origin traffic does not count)' }[p.resetBy];
    if (p.scope === 'tunnels') return `${after} of an upgraded tunnel after ${p.idleMs} ms ${bytes}; plain requests and streams are not timed`;
    if (p.beforeHeaders === 'cut') return `${after} after ${p.idleMs} ms ${bytes}, before or after the response head`;
    return `answers ${p.statusBeforeHeaders} if no response head comes within ${p.idleMs} ms; once streaming, ${after} after ${p.idleMs} ms ${bytes}`;
  },
  create(p) {
    const fromClient = p.resetBy !== 'upstream';
    const fromOrigin = p.resetBy !== 'client';
    const timers = new WeakMap<Exchange, IdleTimer>();
    const startTimer = (ex: Exchange): IdleTimer => {
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
      return t;
    };
    const fire = (ex: Exchange): void => {
      ex.log(`no bytes for ${formatDuration(p.idleMs)}`);
      if (ex.headPassed || p.beforeHeaders === 'cut' || !ex.respond(errorPage(p.statusBeforeHeaders, 'idle-timeout', `no bytes for ${p.idleMs} ms`))) ex.cut(p.afterHeaders);
    };
    return {
      request(ex) {
        if (p.scope === 'tunnels') return;
        const t = startTimer(ex);
        if (fromClient) ex.pipeRequestBody(new Tap(() => t.restart()));
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
            () => {
              if (fromOrigin) t.restart();
            },
            () => t.stop(),
          ),
        );
      },
      tunnel(ex) {
        const t = timers.get(ex) ?? (p.scope === 'tunnels' ? startTimer(ex) : undefined);
        if (!t) return;
        t.restart();
        return { toClient: fromOrigin ? new Tap(() => t.restart()) : undefined, toOrigin: fromClient ? new Tap(() => t.restart()) : undefined };
      },
    };
  },
};
