/**
 * reject-upgrade: the proxy answers a WebSocket handshake itself with an error
 * status; nothing reaches the origin.
 *
 * Imitates: Envoy without `upgrade_configs` (local reply 403,
 * `downstream_rq_ws_on_non_ws_route`, docs/proxy-behaviour.md#envoy); old transparent Squid
 * (411, https://github.com/shadowsocks/simple-obfs/issues/188); corporate
 * gateways that refuse Upgrade
 * (docs/proxy-behaviour.md#corporate-proxies-and-secure-web-gateways); 426/501 from
 * proxies that do not implement the upgrade.
 */
import type { FaultDefinition } from '../fault-types';
import { reasonPhrase, textAnswer } from '../http-util';

export interface RejectUpgradeParams {
  /** status of the refusal */
  status: number;
}

export const rejectUpgrade: FaultDefinition<RejectUpgradeParams> = {
  name: 'reject-upgrade',
  summary: 'answers WebSocket handshakes itself with an error status (Envoy: 403)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'integer', minimum: 400, maximum: 599, default: 403, description: 'HTTP status of the refusal (400, 403, 426, 501...)' },
    },
  },
  explain(p) {
    return `answers every WebSocket handshake with ${p.status} ${reasonPhrase(p.status)} without contacting the origin`;
  },
  create(params) {
    return {
      request(ex) {
        if (!ex.upgrade) return;
        return textAnswer(params.status, `${params.status} ${reasonPhrase(params.status)}: this proxy does not forward WebSocket upgrades`);
      },
    };
  },
};
