/**
 * max-duration: a hard cap on how long any response or tunnel may last,
 * whatever the traffic. Counted from the request's arrival.
 *
 * Imitates: Envoy's route `timeout` (15 s for the *complete* response, "not
 * compatible with streaming responses"; 504 "upstream request timeout" before
 * headers, stream reset after;
 * https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts,
 * https://github.com/nstapelbroek/envoy-swarm-control-plane/issues/16), GCP's
 * 30 s WebSocket lifetime
 * (https://pkg.go.dev/github.com/agau4779/ingress-gce/examples/websocket),
 * Varnish `send_timeout` 600 s (docs/proxy-behaviour.md#varnish), ATS
 * `transaction_active_timeout_in` 900 s (docs/proxy-behaviour.md#apache-traffic-server),
 * Azure Front Door's 4 h (https://docs.azure.cn/en-us/frontdoor/standard-premium/websocket).
 */
import type { FaultDefinition } from '../fault-types';
import { errorPage } from '../http-util';
import { formatDuration } from '../../../util/format';

export interface MaxDurationParams {
  maxMs: number;
  how: 'close' | 'reset';
  statusBeforeHeaders: number;
}

export const maxDuration: FaultDefinition<MaxDurationParams> = {
  name: 'max-duration',
  summary: 'ends every response or tunnel N ms after the request, whatever the traffic (Envoy 15 s route timeout)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxMs: { type: 'integer', minimum: 0, default: 15_000 },
      how: { type: 'string', enum: ['close', 'reset'], default: 'close' },
      statusBeforeHeaders: { type: 'integer', minimum: 400, maximum: 599, default: 504 },
    },
  },
  explain(p) {
    return `ends every response or tunnel ${p.maxMs} ms after its request (${p.how === 'close' ? 'closing' : 'resetting'} the connection; ${p.statusBeforeHeaders} if no head came yet)`;
  },
  create(p) {
    return {
      request(ex) {
        ex.timer(p.maxMs, () => {
          ex.log(`${formatDuration(p.maxMs)} since the request, the most allowed`);
          if (ex.headPassed || !ex.respond(errorPage(p.statusBeforeHeaders, 'max-duration', `response took longer than ${p.maxMs} ms`))) ex.cut(p.how);
        });
      },
    };
  },
};
