/**
 * strip-upgrade: the proxy treats `Upgrade` and `Connection` as the hop-by-hop
 * headers they are (RFC 7230 §6.1) and does not re-add them, so a WebSocket
 * handshake reaches the origin as a plain GET and the client gets whatever
 * the origin answers to that (`ws` answers 426, Socket.IO and gorilla 400).
 *
 * Imitates: nginx without `proxy_set_header Upgrade/Connection`, Apache
 * mod_proxy_http without `upgrade=websocket`, Varnish without `pipe`,
 * lighttpd without `proxy.header upgrade`, Squid (`http_upgrade_request_protocols`
 * unset) — https://nginx.org/en/docs/http/websocket.html; docs/proxy-behaviour.md#nginx,
 * #apache-httpd, #squid, #varnish, #lighttpd, #defaults-at-a-glance.
 */
import type { FaultDefinition } from '../fault-types';

/** No parameters: the effect is all or nothing. */
export type StripUpgradeParams = Record<string, never>;

export const stripUpgrade: FaultDefinition<StripUpgradeParams> = {
  name: 'strip-upgrade',
  summary: 'drops Upgrade/Connection: a WebSocket handshake reaches the origin as a plain GET',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  explain() {
    return 'forwards WebSocket handshakes without Upgrade/Connection, so the origin sees a plain GET and answers it (e.g. 426)';
  },
  create() {
    return {
      request(ex) {
        if (!ex.upgrade) return;
        delete ex.headers['upgrade'];
        delete ex.headers['connection'];
        ex.upgrade = false;
        ex.log('Upgrade stripped: the handshake went on as a plain GET');
      },
    };
  },
};
