import { fetchSeen } from '../client/http';
import { pollOnce, type DeadlineExtension } from '../client/polling';
import { CheckRecorder } from '../client/recorder';
import { answerEvidence, describeAnswer, failedAnswerReason, isSessionUnknown, result, s } from '../verdict/answers';
import { EARLY_ANSWER_SHARE, GATEWAY_STATUSES } from '../verdict/thresholds';
import { mitigationParams, type Check, type CheckContext } from './check';
import { isLoopbackHost } from '../util/net';

/**
 * When the deadline counted from sending runs out: the origin's own record
 * of when the request reached it. Relayed late (a proxy slow to forward it, a
 * kernel firewall's relay in a busy tester), the origin's 204 is due a hold
 * after that, and a grace after that is when it is missing. Only for an
 * origin the tester started on this machine: its clock is this clock.
 */
async function dueFromOrigin(ctx: CheckContext, holdMs: number): Promise<DeadlineExtension | undefined> {
  if (!ctx.originUrl || !isLoopbackHost(new URL(ctx.originUrl).hostname)) return undefined;
  const reached = (await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl))?.find((r) => r.path.includes('/long-poll'));
  if (!reached) return undefined;
  const ms = reached.at + holdMs + ctx.options.graceMs - Date.now();
  return { ms, message: `no answer within ${ctx.options.graceMs} ms of the origin's, due ${holdMs} ms after the request reached it` };
}

/** A request held `hold` ms on a channel with no events must end with the origin's 204. */
async function longPoll(ctx: CheckContext) {
  const holdMs = ctx.options.mitigation?.holdMs ?? ctx.options.holdMs;
  const rec = new CheckRecorder('long-poll', 'hold', { channel: ctx.channel, count: 0, intervalMs: 0, holdMs });
  await pollOnce(ctx.target, rec, '/long-poll', { count: 0, hold: holdMs, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) }, {
    payloadBytes: 16,
    timeoutMs: holdMs + ctx.options.graceMs,
    // The hold starts when the request reaches the origin: a slow CONNECT or TLS handshake in front of it is not the path dropping it.
    sendTimeoutMs: ctx.options.connectTimeoutMs,
    extendDeadline: () => dueFromOrigin(ctx, holdMs),
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const hold: Check = {
  id: 'hold',
  description: 'A long poll held for --hold seconds on a channel with no events.',
  expectation: 'The origin’s own 204 comes back when the hold ends; a gateway status, a cut or nothing at all before then is the path’s timeout.',
  runners: { 'long-poll': longPoll },
  waits: true,
  grade(obs) {
    const holdMs = obs.scenario?.holdMs ?? 0;
    const a = obs.answers[0];
    const base = { holdMs, answeredAtMs: a ? Math.round(a.atMs) : undefined, ...answerEvidence(a) };
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError, base);
    if (a?.status === 204 || a?.status === 200) return result(obs, 'pass', 'none', `a request held ${s(holdMs)} ended with the origin's ${a.status} after ${s(a.atMs)}`, base);
    if (isSessionUnknown(a)) return result(obs, 'fail', 'not-sticky', failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length).detail, base);
    const at = a ? s(a.atMs) : '?';
    if (a?.error?.code === 'NOT_SENT') {
      return result(obs, 'fail', 'blocked', `a request to hold could not even be sent (${a.error.message}): the connection or its tunnel never stood, so nothing was held`, { ...base, how: 'not-sent' });
    }
    if (a?.error?.code === 'TIMEOUT') {
      return result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} never came back (${a.error.message}): the path dropped it silently`, { ...base, how: 'silent' });
    }
    if (a?.error) {
      const reset = a.error.code === 'ECONNRESET';
      return result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} was cut after ${at} (${reset ? 'reset' : 'closed'})`, { ...base, cutAtMs: Math.round(a.atMs), how: reset ? 'reset' : 'clean-close' });
    }
    // A gateway status instead of the origin's 204 is the proxy cutting the
    // held request, whenever it came; any other early answer is one too.
    const gatewayCut = a?.status !== undefined && GATEWAY_STATUSES.includes(a.status);
    if (a !== undefined && (gatewayCut || a.atMs < holdMs * EARLY_ANSWER_SHARE)) {
      return result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} was answered ${describeAnswer(a)} by the proxy after ${at}`, { ...base, cutAtMs: Math.round(a.atMs), how: 'error-status' });
    }
    const r = failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length);
    return result(obs, 'fail', r.reason, r.detail, base);
  },
};
