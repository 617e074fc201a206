/**
 * no-upstream-keepalive: a new connection to the origin for every request,
 * sent with `Connection: close`. Without it the simulated proxy reuses its
 * upstream connections, as nginx does with `keepalive` in the upstream block
 * and HAProxy with its default `http-reuse safe`; nginx without `keepalive`
 * (its default) and many small proxies do not
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive,
 * https://docs.haproxy.org/2.6/configuration.html#http-reuse).
 */
import type { FaultDefinition } from '../fault-types';

export const noUpstreamKeepalive: FaultDefinition<Record<string, never>> = {
  name: 'no-upstream-keepalive',
  summary: 'opens a new upstream connection for every request, with Connection: close (nginx without `keepalive`)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  explain() {
    return 'opens a new connection to the origin for every request and closes it after the answer';
  },
  create() {
    return {
      request(ex) {
        // A handshake already gets a connection of its own; so does a request an `http10` agent took.
        if (!ex.upgrade) ex.agent = undefined;
      },
    };
  },
};
