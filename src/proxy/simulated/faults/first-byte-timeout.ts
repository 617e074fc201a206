/**
 * first-byte-timeout: if the origin sends no response head within
 * `timeoutMs` of the request, the proxy answers `status` itself. Once a head
 * came, nothing more happens (other faults time the rest).
 *
 * Imitates: Heroku's router (30 s to the first byte, then 503 "H12 Request
 * timeout"; https://devcenter.heroku.com/articles/request-timeout), Fastly
 * `first_byte_timeout` (15 s, 503 "first byte timeout";
 * https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-first-byte-timeout),
 * Varnish `first_byte_timeout` 60 s → 503 (docs/proxy-behaviour.md#varnish), h2o
 * `proxy.timeout.first_byte` 30 s (docs/proxy-behaviour.md#h2o), Azure Front Door origin
 * timeout 30 s (https://learn.microsoft.com/azure/frontdoor/front-door-troubleshoot-routing).
 * A long-poll held longer than this never gets its answer.
 */
import type { Exchange, FaultDefinition } from '../fault-types';
import { errorPage } from '../http-util';

export interface FirstByteTimeoutParams {
  timeoutMs: number;
  status: number;
}

export const firstByteTimeout: FaultDefinition<FirstByteTimeoutParams> = {
  name: 'first-byte-timeout',
  summary: 'answers an error status when the origin sends no response head within N ms (Heroku H12 503 at 30 s, Fastly 503 at 15 s)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeoutMs: { type: 'integer', minimum: 0, default: 30_000 },
      status: { type: 'integer', minimum: 400, maximum: 599, default: 503 },
    },
  },
  explain(p) {
    return `answers ${p.status} when the origin sends no response head within ${p.timeoutMs} ms`;
  },
  create(p) {
    const cancels = new WeakMap<Exchange, () => void>();
    return {
      request(ex) {
        cancels.set(
          ex,
          ex.timer(p.timeoutMs, () => {
            ex.log(`no response head within ${p.timeoutMs} ms`);
            ex.respond(errorPage(p.status, 'first-byte-timeout', `no response from the origin within ${p.timeoutMs} ms`));
          }),
        );
      },
      response(ex) {
        cancels.get(ex)?.();
      },
    };
  },
};
