/**
 * first-byte-timeout: if the origin sends no response head within
 * `timeoutMs` of the request, the proxy answers `status` itself. Once a head
 * came, nothing more happens (other faults time the rest).
 *
 * Imitates: Heroku's router (30 s to the first byte, then 503 "H12 Request
 * timeout"; catalog E3), Fastly `first_byte_timeout` (15 s, 503 "first byte
 * timeout"; E2), Varnish `first_byte_timeout` 60 s → 503 (B7), h2o
 * `proxy.timeout.first_byte` 30 s (B9), Azure Front Door origin timeout 30 s
 * (D7). A long-poll held longer than this never gets its answer.
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
