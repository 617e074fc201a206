import type { Reason } from '../verdict/types';
import { result, s, timeline } from '../verdict/answers';
import { END_AFTER_LAST_MS, RELEASED_TOGETHER_MS, WHOLE_BODY_HELD_SHARE, bufferThresholdMs, heldByBuffer, heldEvents } from '../verdict/thresholds';
import { summariseTiming } from '../verdict/timing';
import type { Check } from './check';

/**
 * Whether the path holds events back, judged from the delivery check's
 * arrivals: each event's lateness is its arrival (client clock) minus its emit
 * offset (origin clock); the constant part is transit, what is left the path
 * added. Only streams can be held back by a buffer: a poll is bounded by its
 * own cadence.
 */
export const latency: Check = {
  id: 'latency',
  description: 'The delivery check’s arrivals against the origin’s schedule: how much later than the best-delivered event each one came.',
  expectation: 'Streams deliver each event as it is emitted: no event held back by more than the run’s margin (2.5 emit intervals, 600 ms, twice the direct baseline + 250 ms), unless each came on its own (a slow or starved path, which the detail names, not a buffer).',
  runners: {},
  gradedFrom: 'delivery',
  transports: ['short-poll', 'long-poll', 'sse', 'websocket'],
  grade(obs, ctx) {
    const intervalMs = obs.scenario?.intervalMs ?? 0;
    const first = obs.arrivals[0];
    if (!first) return undefined;
    const conn0 = obs.arrivals.filter((a) => a.connection === first.connection);
    const t = summariseTiming(conn0, intervalMs);
    // A cell that spoke HTTP/2 is measured against the HTTP/2 baseline, where the run has one.
    const threshold = bufferThresholdMs(intervalMs, (obs.protocol?.http === 'h2' ? ctx.baselineMaxLateMsH2 : undefined) ?? ctx.baselineMaxLateMs);
    const lat = { ...t, thresholdMs: Math.round(threshold), intervalMs, timeline: timeline(obs.arrivals) };
    const stream = obs.transport === 'sse' || obs.transport === 'websocket';
    if (!stream || t.maxLateMs <= threshold) {
      return result(obs, 'pass', 'none', `events arrived on schedule: p50 ${t.latencyP50Ms} ms, the worst ${t.maxLateMs} ms later than the best`, lat, 'latency');
    }
    const enc = obs.answers[0]?.headers?.['content-encoding'];
    const reason: Reason = enc ? 'compressed' : 'buffered';
    const cause = enc ? `the response is ${enc}-compressed and the compressor holds events until its block fills` : 'the response is buffered';
    // Whole-body buffering: nothing arrived until the response ended. A real
    // event stream never ends, so such a path delivers nothing at all. Told by
    // the first event having been held back for (nearly) the whole schedule,
    // and the response ending right after the last arrival.
    const firstEnd = obs.ends.find((e) => e.connection === first.connection);
    const spanMs = conn0.length > 1 ? conn0[conn0.length - 1].offsetMs - conn0[0].offsetMs : 0;
    const lastArrival = Math.max(...conn0.map((a) => a.arrivedMs));
    const atEnd = firstEnd !== undefined && spanMs > 0 && t.extraDelayMs[0] >= WHOLE_BODY_HELD_SHARE * spanMs && firstEnd.atMs - lastArrival < END_AFTER_LAST_MS;
    if (atEnd) {
      const events = new Set(obs.arrivals.map((a) => a.seq)).size;
      return result(
        obs,
        'fail',
        reason,
        `no event reached the client until the response ended ${s(firstEnd.atMs)} after the request, all ${events} in one burst up to ${s(t.maxLateMs)} late: ${cause} until it completes, so an endless stream would deliver nothing`,
        { ...lat, wholeBody: true },
        'latency',
      );
    }
    // A buffer holds events for later ones and lets them go together, in
    // one write: they arrive within a few ms of each other. Events that each
    // arrived on their own, tens of ms or more apart, only later than
    // emitted, were held by nothing: the path (or the machine running it)
    // was slow to forward them. Measured on
    // nginx-gzip-sse with the full matrix starting on 2 cores: 8 events came
    // 55 to 339 ms apart, the first 0.8 s late, the last on time; when idle,
    // all on time.
    // Whether it caught up (a slow start) or fell further behind (forwarded
    // slower than emitted) the detail says; neither is a buffer holding
    // events. Measured in the container lab: nginx-gzip-sse forwarded 8
    // events singly, 249 to 460 ms apart for 250 ms emits, the last 0.7 s
    // late, on a busy tester; on time when idle.
    const caughtUp = t.extraDelayMs[t.extraDelayMs.length - 1] <= threshold;
    if (conn0.length > 1 && t.tightestGapMs !== undefined && t.tightestGapMs >= RELEASED_TOGETHER_MS) {
      const how = caughtUp ? 'and the stream caught up: a slow start' : 'falling further behind: the path forwarded them slower than they were emitted (slow or starved)';
      return result(
        obs,
        'pass',
        'none',
        `each event arrived on its own (${t.tightestGapMs} ms apart at the closest), up to ${s(t.maxLateMs)} late (p50 ${t.latencyP50Ms} ms), ${how}; none was held back to go with another, so no buffer`,
        { ...lat, slow: true, caughtUp },
        'latency',
      );
    }
    // A few events held back by one stall is the link retransmitting a lost packet, not a buffer.
    if (!enc && !heldByBuffer(t.extraDelayMs, intervalMs)) {
      const held = heldEvents(t.extraDelayMs, intervalMs);
      return result(
        obs,
        'pass',
        'none',
        `a stall held back ${held} of ${t.events} events, up to ${s(t.maxLateMs)}; the rest came on schedule (p50 ${t.latencyP50Ms} ms): a lost packet retransmitted on the link, not a buffer`,
        { ...lat, stall: true },
        'latency',
      );
    }
    return result(obs, 'fail', reason, `events arrived in ${Math.max(1, t.bursts)} burst${t.bursts === 1 ? '' : 's'}, up to ${s(t.maxLateMs)} late: ${cause}`, lat, 'latency');
  },
};
