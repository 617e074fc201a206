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
import type { Dispatcher } from 'undici';
import { classifyError } from '../client/recorder';
import { endpointUrl, type ProbeTarget } from '../client/target';
import { bodySnippet, evidenceHeaders } from './streams';
import type { AnswerEvidence } from './types';

const MAX_BODY_BYTES = 4096;
/** Larger than the 8 KiB per-field limit of nginx and Apache, the 16 KiB buffer of HAProxy and Node's own limit. */
export const LARGE_HEADER_BYTES = 20_000;

async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short is still evidence.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One GET, recorded as evidence; never throws. */
export async function recordAnswer(
  target: ProbeTarget,
  dispatcher: Dispatcher,
  request: string,
  path: string,
  opts: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<AnswerEvidence> {
  const url = endpointUrl(target, path, { nocache: Date.now() });
  try {
    const res = await fetch(url, {
      headers: opts.headers,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      dispatcher,
    } as unknown as RequestInit);
    const text = await readSome(res);
    const a: AnswerEvidence = { request, status: res.status, headers: evidenceHeaders(res.headers.entries()) };
    if (text) a.bodySnippet = bodySnippet(text);
    return a;
  } catch (err) {
    const timedOut = (err as Error)?.name === 'TimeoutError';
    return { request, error: timedOut ? 'no answer in time' : classifyError(err).code };
  }
}

/** The three fingerprint requests, one after the other. */
export async function fingerprint(target: ProbeTarget, dispatcher: Dispatcher, timeoutMs = 5000): Promise<AnswerEvidence[]> {
  const out: AnswerEvidence[] = [];
  out.push(await recordAnswer(target, dispatcher, 'GET /health', '/health', { timeoutMs }));
  out.push(await recordAnswer(target, dispatcher, 'GET /pushthrough-no-such-path', '/pushthrough-no-such-path', { timeoutMs }));
  out.push(
    await recordAnswer(target, dispatcher, `GET /health with a ${Math.round(LARGE_HEADER_BYTES / 1000)} KB header`, '/health', {
      headers: { 'x-pushthrough-padding': 'a'.repeat(LARGE_HEADER_BYTES) },
      timeoutMs,
    }),
  );
  return out;
}
