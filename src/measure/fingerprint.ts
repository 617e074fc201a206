/**
 * Three harmless requests whose answers tell who is in the path:
 *
 *   GET /health                          the normal answer: Server, Via, X-Cache, cf-ray…
 *   GET /pushthrough-no-such-path        the origin's JSON 404, or the proxy's own page
 *   GET /health + a 20 KB request header most proxies refuse it themselves (nginx's
 *                                        large_client_header_buffers is 4 × 8k, Apache's
 *                                        LimitRequestFieldSize 8190, HAProxy's
 *                                        tune.bufsize 16k) with their signed error page
 *
 * The origin never signs its answers (no Server header), so whatever names a
 * product here was added on the way.
 */
import { fetchEvidence, type AnswerEvidence } from '../client/http';
import type { ProbeTarget } from '../client/target';

/** Larger than the 8 KiB per-field limit of nginx and Apache, the 16 KiB buffer of HAProxy and Node's own limit. */
export const LARGE_HEADER_BYTES = 20_000;

/** The three fingerprint requests, one after the other. */
export async function fingerprint(target: ProbeTarget, timeoutMs = 5000): Promise<AnswerEvidence[]> {
  return [
    await fetchEvidence(target, 'GET /health', '/health', { timeoutMs }),
    await fetchEvidence(target, 'GET /pushthrough-no-such-path', '/pushthrough-no-such-path', { timeoutMs }),
    await fetchEvidence(target, `GET /health with a ${Math.round(LARGE_HEADER_BYTES / 1000)} KB header`, '/health', {
      headers: { 'x-pushthrough-padding': 'a'.repeat(LARGE_HEADER_BYTES) },
      timeoutMs,
    }),
  ];
}
