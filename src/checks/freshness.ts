import { fetchSeen } from '../client/http';
import { pollOnce, type PollPath } from '../client/polling';
import { CheckRecorder } from '../client/recorder';
import type { Transport } from '../observation/types';
import { badAnswerResult, firstBadAnswer, result } from '../verdict/answers';
import { pause } from '../util/wait';
import { mitigationParams, polls, type Check, type CheckRunner } from './check';

/** What two polls of the same URL a moment apart saw. */
export interface FreshnessPayload {
  firstLast?: number;
  secondLast?: number;
  firstEvents: number;
  secondEvents: number;
  gapMs: number;
  identical: boolean;
}

const GAP_MS = 500;

/** Two polls of the same URL, GAP_MS apart, on a channel emitting every 50 ms: 10 events are due in the gap. */
const poll =
  (transport: Transport, path: PollPath): CheckRunner<FreshnessPayload> =>
  async (ctx) => {
    const rec = new CheckRecorder<FreshnessPayload>(transport, 'freshness', { channel: ctx.channel, count: 100, intervalMs: 50 });
    const isLong = path === '/long-poll';
    const params = { count: 100, intervalMs: 50, since: 0, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options), ...(isLong ? { hold: 1000 } : {}) };
    const timeoutMs = (isLong ? ctx.options.mitigation?.holdMs ?? ctx.options.holdMs : 0) + ctx.options.connectTimeoutMs;
    const first = await pollOnce(ctx.target, rec, path, params, { payloadBytes: 16, timeoutMs });
    // The gap is the measurement, not synchronisation.
    await pause(GAP_MS);
    const second = await pollOnce(ctx.target, rec, path, params, { payloadBytes: 16, timeoutMs });
    rec.payload = {
      firstLast: first.last,
      secondLast: second.last,
      firstEvents: first.events.length,
      secondEvents: second.events.length,
      gapMs: GAP_MS,
      identical: first.events.join() === second.events.join() && first.last === second.last,
    };
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };

export const freshness: Check<FreshnessPayload> = {
  id: 'freshness',
  description: 'Two polls of the same URL half a second apart, while the channel emits an event every 50 ms.',
  expectation: 'The second poll sees newer events than the first; the same answer twice (with Age or X-Cache) is a cache serving stale data.',
  runners: polls(poll),
  grade(obs) {
    const f = obs.payload;
    const second = obs.answers[1];
    const cacheHeaders = { age: second?.headers?.age, xCache: second?.headers?.['x-cache'], cacheControl: second?.headers?.['cache-control'] };
    const base = { ...f, ...cacheHeaders };
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError, base);
    const bad = firstBadAnswer(obs);
    if (bad) return badAnswerResult(obs, bad, '', base);
    if (obs.foreignChannel) return result(obs, 'fail', 'cached', `a poll came back with another channel's data: a cache ignores the query string`, base);
    if (f && f.secondLast !== undefined && f.firstLast !== undefined && f.secondLast > f.firstLast) {
      return result(obs, 'pass', 'none', `two polls ${f.gapMs} ms apart saw events up to ${f.firstLast} and then ${f.secondLast}`, base);
    }
    const originSaw = (obs.seen ?? []).length;
    const evidence = [cacheHeaders.age ? `Age: ${cacheHeaders.age}` : '', cacheHeaders.xCache ? `X-Cache: ${cacheHeaders.xCache}` : '', obs.seen ? `the origin saw ${originSaw} of 2 requests` : '']
      .filter(Boolean)
      .join(', ');
    return result(obs, 'fail', 'cached', `two polls ${f?.gapMs ?? '?'} ms apart got the same answer (up to event ${f?.firstLast})${evidence ? `: ${evidence}` : ''} — a cache serves stale data`, base);
  },
};
