import { fetchSeen } from '../client/http';
import { pollUntil } from '../client/polling';
import { CheckRecorder } from '../client/recorder';
import { runSse } from '../client/sse';
import { runWebSocket } from '../client/websocket';
import type { Observation, Transport } from '../observation/types';
import type { Reason } from '../verdict/types';
import { badAnswerResult, describeAnswer, failedAnswerReason, firstBadAnswer, isSessionUnknown, result, s, timeline } from '../verdict/answers';
import { mitigationParams, polls, type Check, type CheckContext, type CheckRunner } from './check';

/** What one delivered event cost: requests and bytes on the wire per event. */
export function costOf(obs: Observation, delivered: number): Record<string, unknown> {
  const requests = obs.requests ?? obs.answers.length;
  const bytes = obs.bytes ?? 0;
  return { requests, bytes, events: delivered, requestsPerEvent: delivered ? +(requests / delivered).toFixed(2) : null, bytesPerEvent: delivered ? Math.round(bytes / delivered) : null };
}

function recorder(ctx: CheckContext, transport: Transport): CheckRecorder {
  const { deliveryCount: count, deliveryIntervalMs: intervalMs } = ctx.options;
  return new CheckRecorder(transport, 'delivery', { channel: ctx.channel, count, intervalMs, mitigations: ctx.mitigationNames });
}

const poll =
  (transport: Transport, path: '/poll' | '/long-poll'): CheckRunner =>
  async (ctx) => {
    const rec = recorder(ctx, transport);
    const { deliveryCount: count, deliveryIntervalMs: intervalMs, graceMs } = ctx.options;
    const holdMs = ctx.options.mitigation?.holdMs ?? ctx.options.holdMs;
    await pollUntil(ctx.target, rec, {
      path,
      params: { count, intervalMs, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) },
      upTo: count,
      deadlineMs: count * intervalMs + graceMs + 2000,
      holdMs,
      everyMs: ctx.options.pollEveryMs,
      timeoutMs: (path === '/long-poll' ? holdMs : 0) + ctx.options.connectTimeoutMs,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };

async function sse(ctx: CheckContext): Promise<Observation> {
  const rec = recorder(ctx, 'sse');
  const { deliveryCount: count, deliveryIntervalMs: intervalMs, graceMs, connectTimeoutMs } = ctx.options;
  await runSse(ctx.target, rec, {
    params: { count, intervalMs, close: true, retryMs: 250, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) },
    payloadBytes: 16,
    // Also done when two connection attempts failed before any answer (refused, reset, a CONNECT the forward
    // proxy refused) and nothing arrived: EventSource would go on retrying every few seconds to the same end.
    until: (r) =>
      (r.hasSeq(count) && r.ends.length > 0) ||
      r.ends.some((e) => e.how === 'error-status') ||
      r.answers.length > 4 ||
      (r.arrivals.length === 0 && r.answers.filter((a) => a.status === undefined && a.error).length >= 2),
    deadlineMs: count * intervalMs + graceMs + connectTimeoutMs,
    deadlineFromFirstEventMs: count * intervalMs + graceMs + 1000,
    expectedEndSeq: count,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

async function websocket(ctx: CheckContext): Promise<Observation> {
  const rec = recorder(ctx, 'websocket');
  const { deliveryCount: count, deliveryIntervalMs: intervalMs, graceMs, connectTimeoutMs } = ctx.options;
  await runWebSocket(ctx.target, rec, {
    params: { count, intervalMs, close: true, channel: ctx.channel, probe: ctx.probeId },
    payloadBytes: 16,
    handshakeTimeoutMs: connectTimeoutMs,
    until: (r) => r.hasSeq(count) || r.ends.length > 0,
    deadlineMs: count * intervalMs + graceMs + connectTimeoutMs,
    deadlineFromFirstEventMs: count * intervalMs + graceMs + 1000,
    expectedEndSeq: count,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const delivery: Check = {
  id: 'delivery',
  description: 'A scheduled series of small events (8, a quarter second apart) read to the end with the transport’s own cursor.',
  expectation: 'Every event arrives, in order, none twice; the requests and bytes each event cost are measured.',
  runners: { ...polls(poll), sse, websocket },
  grade(obs) {
    const count = obs.scenario?.count ?? 0;
    const seqs = obs.arrivals.map((a) => a.seq);
    const unique = [...new Set(seqs)];
    const missing: number[] = [];
    for (let i = 1; i <= count; i++) if (!unique.includes(i)) missing.push(i);
    const outOfOrder = unique.some((v, i) => i > 0 && v < unique[i - 1]);
    const duplicates = seqs.length - unique.length;
    const base = { expected: count, received: unique.length, missing, duplicates, timeline: timeline(obs.arrivals), ...costOf(obs, unique.length) };

    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError, base);
    const bad = firstBadAnswer(obs);
    if (unique.length === 0) {
      if (bad) return badAnswerResult(obs, bad, 'no event delivered: ', base);
      const end = obs.ends[0];
      const enc = obs.answers[0]?.headers?.['content-encoding'];
      const reason: Reason = enc ? 'compressed' : end?.how === 'open' ? 'buffered' : 'message-loss';
      const how = end ? (end.how === 'open' ? 'the response stayed open with nothing in it' : `the stream ended (${end.how}) after ${s(end.atMs)}`) : 'nothing came back';
      return result(obs, 'fail', reason, `none of ${count} events arrived within ${s(obs.durationMs)}: ${how}${enc ? ` (Content-Encoding: ${enc})` : ''}`, base);
    }
    const refused = bad ? failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length) : undefined;
    if (missing.length > 0 && refused?.reason === 'connection-limit') {
      return result(obs, 'fail', 'connection-limit', `${unique.length} of ${count} events arrived: ${refused.detail}`, base);
    }
    if (missing.length > 0 && bad && isSessionUnknown(bad)) {
      return result(obs, 'fail', 'not-sticky', `${unique.length} of ${count} events arrived: a follow-up request hit an origin instance that does not know the session (${describeAnswer(bad)})`, base);
    }
    if (missing.length > 0) {
      const list = `${missing.slice(0, 8).join(', ')}${missing.length > 8 ? '…' : ''}`;
      return result(obs, 'fail', 'message-loss', `${unique.length} of ${count} events arrived; missing seq ${list}${bad ? ` (${describeAnswer(bad)})` : ''}`, base);
    }
    if (outOfOrder || duplicates > 0) return result(obs, 'fail', 'reordered', `all ${count} events arrived, but ${outOfOrder ? 'out of order' : `${duplicates} twice`}`, base);
    return result(obs, 'pass', 'none', `all ${count} events arrived in order, none twice`, base);
  },
};
