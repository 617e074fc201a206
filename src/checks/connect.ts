import { fetchFor, fetchSeen } from '../client/http';
import { pollOnce } from '../client/polling';
import { CheckRecorder, classifyError, evidenceHeaders, snippet } from '../client/recorder';
import { endpointUrl } from '../client/target';
import { runWebSocket } from '../client/websocket';
import type { Transport } from '../observation/types';
import { answerEvidence, expectedOk, failedAnswerReason, result } from '../verdict/answers';
import { polls, type Check, type CheckContext, type CheckRunner } from './check';

/** What the connect check keeps besides the answer: whether a WebSocket really opened. */
export interface ConnectPayload {
  /** WebSocket: the 'open' event came after the 101 */
  opened?: boolean;
}

const poll =
  (transport: Transport, path: '/poll' | '/long-poll'): CheckRunner<ConnectPayload> =>
  async (ctx: CheckContext) => {
    const rec = new CheckRecorder<ConnectPayload>(transport, 'connect');
    const isLong = path === '/long-poll';
    await pollOnce(ctx.target, rec, path, { count: 1, hold: isLong ? 1000 : undefined, channel: ctx.channel, probe: ctx.probeId }, {
      payloadBytes: 16,
      timeoutMs: (isLong ? 1000 : 0) + ctx.options.connectTimeoutMs,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };

/** One request: does an event stream come back at all, and from whom. */
async function sse(ctx: CheckContext) {
  const rec = new CheckRecorder<ConnectPayload>('sse', 'connect');
  const url = endpointUrl(ctx.target, '/sse', { channel: ctx.channel, probe: ctx.probeId, count: 1, close: true });
  rec.requests++;
  try {
    const res = await fetchFor(ctx.target)(url, { headers: { Accept: 'text/event-stream' }, signal: AbortSignal.timeout(ctx.options.connectTimeoutMs) });
    const text = await res.text();
    rec.received(Buffer.byteLength(text));
    rec.answer({ status: res.status, headers: evidenceHeaders(res.headers.entries()), bodySnippet: snippet(text) });
  } catch (err) {
    const c = classifyError(err);
    rec.answer({ error: { code: c.code, message: c.message } });
  }
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

/** The handshake alone: 101 and an open connection, or what came back instead. */
async function websocket(ctx: CheckContext) {
  const rec = new CheckRecorder<ConnectPayload>('websocket', 'connect');
  rec.payload = { opened: false };
  await runWebSocket(ctx.target, rec, {
    params: { count: 0, channel: ctx.channel, probe: ctx.probeId },
    payloadBytes: 0,
    handshakeTimeoutMs: ctx.options.connectTimeoutMs,
    until: (r) => r.answers.length > 0 && (r.answers[0].status === 101 ? rec.payload?.opened === true : true),
    deadlineMs: ctx.options.connectTimeoutMs + 1000,
    onOpen: () => (rec.payload = { opened: true }),
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const connect: Check<ConnectPayload> = {
  id: 'connect',
  description: 'One request (or WebSocket handshake) through the path, and what answers it: status, headers and the first bytes of the body.',
  expectation: 'The origin answers: 200 for polls (204 allowed for a long poll), 200 with text/event-stream for SSE, 101 and an open connection for WebSocket.',
  runners: { ...polls(poll), sse, websocket },
  grade(obs) {
    const a = obs.answers[0];
    const m = answerEvidence(a);
    if (!a || !expectedOk(obs.transport, a)) {
      const r = failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length);
      return result(obs, 'fail', r.reason, r.detail, m);
    }
    if (obs.transport === 'sse') {
      const ct = a.headers?.['content-type'] ?? '';
      if (!ct.startsWith('text/event-stream')) return result(obs, 'fail', 'proxy-error', `HTTP 200 but Content-Type "${ct}", not text/event-stream`, m);
    }
    if (obs.transport === 'websocket' && obs.payload?.opened !== true) return result(obs, 'fail', 'proxy-error', 'HTTP 101 came back but the connection never opened', m);
    const via = obs.seen?.[0];
    return result(obs, 'pass', 'none', `${a.status}${a.headers?.server ? ` (${a.headers.server})` : ''} in ${Math.round(a.atMs)} ms`, { ...m, originSawHttpVersion: via?.httpVersion });
  },
};
