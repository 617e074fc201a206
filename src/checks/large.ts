import { randomBytes } from 'node:crypto';
import { fetchSeen } from '../client/http';
import { pollOnce } from '../client/polling';
import { CheckRecorder } from '../client/recorder';
import { runSse } from '../client/sse';
import { runWebSocket } from '../client/websocket';
import type { Transport } from '../observation/types';
import { describeAnswer, failedAnswerReason, firstBadAnswer, result, s } from '../verdict/answers';
import { mitigationParams, polls, type Check, type CheckContext, type CheckRunner } from './check';

/** WebSocket: the large binary frame sent to the origin and what came back. */
export interface LargePayload {
  echo?: { sentBytes: number; echoedOk: boolean; echoedBytes: number };
}

function recorder(ctx: CheckContext, transport: Transport): CheckRecorder<LargePayload> {
  return new CheckRecorder<LargePayload>(transport, 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes: ctx.options.largeBytes });
}

const poll =
  (transport: Transport, path: '/poll' | '/long-poll'): CheckRunner<LargePayload> =>
  async (ctx) => {
    const rec = recorder(ctx, transport);
    const payloadBytes = ctx.options.largeBytes;
    const params = { count: 1, payloadBytes, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options), ...(path === '/long-poll' ? { hold: 1000 } : {}) };
    await pollOnce(ctx.target, rec, path, params, { payloadBytes, timeoutMs: ctx.options.largeTimeoutMs });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };

async function sse(ctx: CheckContext) {
  const rec = recorder(ctx, 'sse');
  const payloadBytes = ctx.options.largeBytes;
  await runSse(ctx.target, rec, {
    params: { count: 1, payloadBytes, close: true, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) },
    payloadBytes,
    until: (r) => r.hasSeq(1) || r.ends.length > 0,
    deadlineMs: ctx.options.largeTimeoutMs,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

/** A large event pushed by the server, and a large binary frame echoed back. */
async function websocket(ctx: CheckContext) {
  const rec = recorder(ctx, 'websocket');
  const payloadBytes = ctx.options.largeBytes;
  const frame = randomBytes(payloadBytes);
  const echo = { sentBytes: payloadBytes, echoedOk: false, echoedBytes: 0 };
  rec.payload = { echo };
  await runWebSocket(ctx.target, rec, {
    params: { count: 1, payloadBytes, channel: ctx.channel, probe: ctx.probeId },
    payloadBytes,
    handshakeTimeoutMs: ctx.options.connectTimeoutMs,
    until: (r) => (r.hasSeq(1) && echo.echoedOk) || r.ends.length > 0,
    deadlineMs: ctx.options.largeTimeoutMs,
    onOpen: (ws) => ws.send(frame, { binary: true }),
    onBinary: (b) => {
      echo.echoedBytes = b.length;
      echo.echoedOk = b.equals(frame);
    },
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const large: Check<LargePayload> = {
  id: 'large',
  description: 'One 256 KiB event from the origin; for WebSocket also a 256 KiB binary frame sent by the client and echoed back.',
  expectation: 'The event (and the echo) arrives whole, byte for byte; a refusal (413), a close (1009) or a truncation is the path’s message-size limit.',
  runners: { ...polls(poll), sse, websocket },
  grade(obs) {
    const bytes = obs.scenario?.payloadBytes ?? 0;
    const kib = `${Math.round(bytes / 1024)} KiB`;
    const got = obs.arrivals.find((a) => a.seq === 1);
    const echo = obs.payload?.echo;
    const base = { payloadBytes: bytes, arrived: !!got, intact: got?.intact, echo };
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError, base);
    const end = obs.ends.find((e) => e.how !== 'complete' && e.how !== 'open');
    if (got?.intact && (obs.transport !== 'websocket' || echo?.echoedOk)) {
      return result(obs, 'pass', 'none', `a ${kib} event arrived whole${obs.transport === 'websocket' ? ` and a ${kib} binary frame echoed back whole` : ''} in ${s(got.arrivedMs)}`, base);
    }
    const bad = firstBadAnswer(obs);
    if (bad && !got) {
      if (bad.status === 413) return result(obs, 'fail', 'message-too-large', `the ${kib} event was refused: ${describeAnswer(bad)}`, base);
      const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
      return result(obs, 'fail', f.reason, f.detail, base);
    }
    if (got && !got.intact) return result(obs, 'fail', 'message-too-large', `the ${kib} event arrived damaged (${got.bytes} bytes)`, base);
    const how = end ? `the connection was ${end.how === 'reset' ? 'reset' : 'closed'}${end.code !== undefined ? ` (${end.code}${end.detail ? ` ${end.detail}` : ''})` : ''} after ${s(end.atMs)}` : `nothing came back within ${s(obs.durationMs)}`;
    const part = got ? `the event arrived but the ${kib} frame did not echo back` : `the ${kib} event did not arrive`;
    return result(obs, 'fail', 'message-too-large', `${part}: ${how}`, { ...base, closeCode: end?.code });
  },
};
