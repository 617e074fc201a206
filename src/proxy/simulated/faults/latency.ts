/**
 * latency: delays everything by `delayMs` per hop and direction — the request
 * head, each request-body chunk, the response head, each response-body chunk,
 * and every chunk through a WebSocket tunnel either way — like toxiproxy's
 * `latency` toxic on both streams (https://github.com/Shopify/toxiproxy). A
 * request/response round trip gets 2 × delayMs slower; a steady stream
 * arrives shifted, not slowed.
 */
import type { FaultDefinition } from '../fault-types';
import { DelayLine } from '../streams';

export interface LatencyParams {
  delayMs: number;
}

export const latency: FaultDefinition<LatencyParams> = {
  name: 'latency',
  summary: 'delays every head and chunk by N ms in both directions, tunnels included (toxiproxy latency)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      delayMs: { type: 'integer', minimum: 0, default: 100 },
    },
  },
  explain(p) {
    return `delays every request, response and tunnel chunk by ${p.delayMs} ms in each direction`;
  },
  create(p) {
    return {
      async request(ex) {
        ex.pipeRequestBody(new DelayLine(p.delayMs));
        await ex.delay(p.delayMs);
      },
      async response(ex, res) {
        // Join the delay line first: body chunks that arrive while the head
        // waits are timed from their own arrival.
        res.pipeBody(new DelayLine(p.delayMs));
        await ex.delay(p.delayMs);
      },
      tunnel() {
        return { toClient: new DelayLine(p.delayMs), toOrigin: new DelayLine(p.delayMs) };
      },
    };
  },
};
