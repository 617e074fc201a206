/**
 * bandwidth: caps downstream throughput (origin → client) at
 * `bytesPerSecond`, for response bodies and for WebSocket tunnels, like
 * toxiproxy's `bandwidth` toxic (https://github.com/Shopify/toxiproxy). Large
 * messages and payloads then take measurably long; small events are barely
 * affected.
 */
import type { FaultDefinition } from '../fault-types';
import { RateLimiter } from '../streams';

export interface BandwidthParams {
  bytesPerSecond: number;
}

export const bandwidth: FaultDefinition<BandwidthParams> = {
  name: 'bandwidth',
  summary: 'caps origin-to-client throughput at N bytes per second, tunnels included (toxiproxy bandwidth)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      bytesPerSecond: { type: 'integer', minimum: 1, default: 16_384 },
    },
  },
  explain(p) {
    return `caps origin-to-client throughput at ${p.bytesPerSecond} bytes per second`;
  },
  create(p) {
    return {
      response(_ex, res) {
        res.pipeBody(new RateLimiter(p.bytesPerSecond));
      },
      tunnel() {
        return { toClient: new RateLimiter(p.bytesPerSecond) };
      },
    };
  },
};
