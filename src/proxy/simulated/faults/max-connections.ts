/**
 * max-connections: at most `max` exchanges at a time — HTTP requests in flight
 * plus open WebSocket tunnels; the next one gets `status` (503) at once.
 * Models a connection-limited proxy or backend pool (ATS
 * `websocket.max_number_of_connections`, HAProxy `maxconn` queues full), and
 * makes visible how long-lived transports eat a shared budget (browsers'
 * 6 connections per host, which SSE and long polls share:
 * https://developer.mozilla.org/en-US/docs/Web/API/EventSource,
 * docs/proxy-behaviour.md#cross-cutting-facts).
 */
import type { FaultDefinition } from '../fault-types';
import { reasonPhrase, textAnswer } from '../http-util';

export interface MaxConnectionsParams {
  max: number;
  status: number;
}

export const maxConnections: FaultDefinition<MaxConnectionsParams> = {
  name: 'max-connections',
  summary: 'refuses requests and tunnels beyond N at a time with 503',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max: { type: 'integer', minimum: 0, default: 6 },
      status: { type: 'integer', minimum: 400, maximum: 599, default: 503 },
    },
  },
  explain(p) {
    return `allows ${p.max} requests in flight plus open tunnels at a time and answers ${p.status} beyond that`;
  },
  create(p) {
    let active = 0;
    return {
      request(ex) {
        if (active >= p.max) {
          return textAnswer(p.status, `${p.status} ${reasonPhrase(p.status)}: ${p.max} connections already open`, { 'retry-after': '1' });
        }
        active += 1;
        ex.onEnd(() => {
          active -= 1;
        });
      },
    };
  },
};
