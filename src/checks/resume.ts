import { fetchSeen } from '../client/http';
import { pollOnce, pollUntil } from '../client/polling';
import { CheckRecorder } from '../client/recorder';
import { runSse } from '../client/sse';
import { runWebSocket } from '../client/websocket';
import type { Observation, Transport } from '../observation/types';
import { failedAnswerReason, firstBadAnswer, isSessionUnknown, result, timeline } from '../verdict/answers';
import type { CheckResult } from '../verdict/types';
import { mitigationParams, polls, type Check, type CheckContext, type CheckRunner } from './check';

/** Polls: what a poll with an old cursor returned. */
export interface ResumePayload {
  since: number;
  returned: number[];
  /** events read before the old cursor was replayed */
  beforeCut: number;
}

const STREAM_COUNT = 6;
const STREAM_INTERVAL_MS = 150;

/** After reading up to 4, a poll with since=2 must return exactly 3 and 4: the cursor reaches the origin. */
const poll =
  (transport: Transport, path: '/poll' | '/long-poll'): CheckRunner<ResumePayload> =>
  async (ctx) => {
    const rec = new CheckRecorder<ResumePayload>(transport, 'resume', { channel: ctx.channel, count: 4, intervalMs: 50 });
    const isLong = path === '/long-poll';
    const timeoutMs = (isLong ? ctx.options.holdMs : 0) + ctx.options.connectTimeoutMs;
    const params = { count: 4, intervalMs: 50, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) };
    await pollUntil(ctx.target, rec, { path, params, upTo: 4, deadlineMs: 4 * 50 + ctx.options.graceMs + 2000, holdMs: ctx.options.holdMs, everyMs: ctx.options.pollEveryMs, timeoutMs });
    const beforeCut = rec.arrivals.length;
    const again = await pollOnce(ctx.target, rec, path, { ...params, since: 2, ...(isLong ? { hold: 1000 } : {}) }, { payloadBytes: 16, timeoutMs, keepRepeats: true });
    rec.payload = { since: 2, returned: again.seqs, beforeCut };
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };

/** The origin ends the stream after event 3; EventSource must reconnect with Last-Event-ID and miss nothing. */
async function sse(ctx: CheckContext): Promise<Observation<ResumePayload>> {
  const rec = new CheckRecorder<ResumePayload>('sse', 'resume', { channel: ctx.channel, count: STREAM_COUNT, intervalMs: STREAM_INTERVAL_MS, endAfter: 3 });
  await runSse(ctx.target, rec, {
    params: { count: STREAM_COUNT, intervalMs: STREAM_INTERVAL_MS, endAfter: 3, close: true, retryMs: 100, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options) },
    payloadBytes: 16,
    until: (r) => r.hasSeq(STREAM_COUNT) || r.answers.length >= 4 || r.ends.some((e) => e.how === 'error-status'),
    deadlineMs: STREAM_COUNT * STREAM_INTERVAL_MS + ctx.options.graceMs + 2000,
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

/** The origin closes after event 3; the client reconnects with ?since= and must miss nothing. */
async function websocket(ctx: CheckContext): Promise<Observation<ResumePayload>> {
  const rec = new CheckRecorder<ResumePayload>('websocket', 'resume', { channel: ctx.channel, count: STREAM_COUNT, intervalMs: STREAM_INTERVAL_MS, endAfter: 3 });
  const params = { count: STREAM_COUNT, intervalMs: STREAM_INTERVAL_MS, close: true, channel: ctx.channel, probe: ctx.probeId };
  await runWebSocket(ctx.target, rec, {
    params: { ...params, endAfter: 3 },
    payloadBytes: 16,
    handshakeTimeoutMs: ctx.options.connectTimeoutMs,
    until: (r) => r.hasSeq(STREAM_COUNT) || r.ends.length >= 3 || r.ends.some((e) => e.how === 'error-status'),
    deadlineMs: STREAM_COUNT * STREAM_INTERVAL_MS + ctx.options.graceMs + 2000,
    expectedEndSeq: STREAM_COUNT,
    reconnect: (r) => (r.hasSeq(STREAM_COUNT) || r.ends.length >= 3 ? undefined : { ...params, since: Math.max(0, ...r.arrivals.map((a) => a.seq)) }),
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

function gradePolls(obs: Observation<ResumePayload>): CheckResult {
  const bad = firstBadAnswer(obs);
  const returned = obs.payload?.returned ?? [];
  const base = { since: 2, returned, foreignChannel: obs.foreignChannel };
  if (obs.foreignChannel) return result(obs, 'fail', 'cached', `a poll for one channel came back with another's data (${obs.foreignChannel}): a cache ignores the query string`, base);
  if (bad && isSessionUnknown(bad)) return result(obs, 'fail', 'not-sticky', failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length).detail, base);
  if (returned.join() === '3,4') return result(obs, 'pass', 'none', `a poll with since=2 returned exactly events 3 and 4`, base);
  if (returned.length === 0 && bad) {
    const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
    return result(obs, 'fail', f.reason, f.detail, base);
  }
  return result(obs, 'fail', 'no-resume', `a poll with since=2 returned [${returned.join(', ')}] instead of [3, 4]: the cursor did not reach the origin`, base);
}

function gradeStreams(obs: Observation<ResumePayload>): CheckResult {
  const bad = firstBadAnswer(obs);
  const count = obs.scenario?.count ?? STREAM_COUNT;
  const seqs = obs.arrivals.map((a) => a.seq);
  const unique = [...new Set(seqs)];
  const duplicates = seqs.length - unique.length;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !unique.includes(n));
  const connections = obs.connections ?? 1;
  const base = { expected: count, received: unique.length, duplicates, missing, connections, timeline: timeline(obs.arrivals) };
  if (bad && isSessionUnknown(bad)) return result(obs, 'fail', 'not-sticky', `the reconnect was refused: ${failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length).detail}`, base);
  if (duplicates === 0 && missing.length === 0 && connections >= 2) {
    return result(obs, 'pass', 'none', `the stream was cut after event 3 and the client resumed on a new connection with nothing lost or repeated`, base);
  }
  if (duplicates > 0) {
    const header = obs.transport === 'sse' ? 'Last-Event-ID' : 'since';
    const reconnects = (obs.seen ?? []).slice(1);
    const stripped = obs.transport === 'sse' && reconnects.length > 0 && reconnects.every((r) => r.headers['last-event-id'] === undefined);
    const ev = stripped ? `: the reconnect reached the origin without its Last-Event-ID header` : '';
    return result(obs, 'fail', 'no-resume', `after the cut the client got ${duplicates} event${duplicates === 1 ? '' : 's'} again — ${header} did not take effect${ev}`, { ...base, lastEventIdStripped: stripped });
  }
  if (bad) {
    const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
    return result(obs, 'fail', f.reason, `the reconnect failed: ${f.detail}`, base);
  }
  return result(obs, 'fail', missing.length ? 'message-loss' : 'no-resume', `after the cut ${unique.length} of ${count} events arrived${missing.length ? ` (missing ${missing.join(', ')})` : ''}`, base);
}

export const resume: Check<ResumePayload> = {
  id: 'resume',
  description: 'The client resumes from its cursor: polls replay an old `since`; SSE and WebSocket streams are ended by the origin after event 3 and reconnect (Last-Event-ID for SSE, `?since=` for WebSocket).',
  expectation: 'A poll with since=2 returns exactly events 3 and 4; a reconnected stream delivers every event once, nothing lost or repeated.',
  runners: { ...polls(poll), sse, websocket },
  grade(obs) {
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError);
    return obs.transport === 'short-poll' || obs.transport === 'long-poll' ? gradePolls(obs) : gradeStreams(obs);
  },
};
