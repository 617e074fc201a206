/**
 * Every number a judgement depends on, defined once. Graders, mitigations and
 * recommendations read these; nothing else in the code decides "late",
 * "the same cut" or "below the cut".
 *
 * Timing margins are wide on purpose: a verdict must not flip on a busy
 * 2-core machine, so "late" is judged against the direct baseline measured in
 * the same run, and two cut times are "the same" within a margin that covers
 * scheduling jitter.
 */

/** Statuses a gateway answers for the origin when it gives up (502/503/504, Cloudflare 520/522/524). */
export const GATEWAY_STATUSES: readonly number[] = [502, 503, 504, 520, 522, 524];

/** Statuses of a proxy refusing for capacity (connection limit, rate limit). */
export const CAPACITY_STATUSES: readonly number[] = [503, 429];

/**
 * How late an event may be before we call the path buffering. Never one lucky
 * run: at least 2.5 emit intervals and 600 ms, and at least twice what the
 * unproxied baseline measured in the same run plus 250 ms, so a loaded 2-core
 * machine does not turn scheduling jitter into a false "buffered".
 */
export function bufferThresholdMs(intervalMs: number, baselineMaxLateMs?: number): number {
  return Math.max(600, 2.5 * intervalMs, baselineMaxLateMs !== undefined ? 2 * baselineMaxLateMs + 250 : 0);
}

/**
 * A buffer holds back most events (it releases them at its own flush
 * points); a lost packet holds back only the events sent until TCP
 * retransmits it (200 ms or more, doubling), and a slow link delays every
 * event about alike. So past the threshold a stream is called buffered only
 * when at least half its events (and at least HELD_MIN) were held back by
 * more than half an emit interval; fewer is a stall on the link.
 */
export const HELD_SHARE = 0.5;
export const HELD_MIN = 3;

/** How many events were held back by more than half an emit interval. */
export function heldEvents(extraDelayMs: number[], intervalMs: number): number {
  return extraDelayMs.filter((d) => d > Math.max(50, intervalMs / 2)).length;
}

/** Events held back by a buffer, as opposed to a retransmission stall on the link. */
export function heldByBuffer(extraDelayMs: number[], intervalMs: number): boolean {
  return heldEvents(extraDelayMs, intervalMs) >= Math.max(HELD_MIN, Math.ceil(extraDelayMs.length * HELD_SHARE));
}

/**
 * Events a buffer lets go together arrive within this of each other (one
 * write, usually one read); events forwarded one by one, however late, come
 * further apart.
 */
export const RELEASED_TOGETHER_MS = 15;

/**
 * Whole-body buffering: the first event was held back for at least this share
 * of the schedule's span, and the response ended within END_AFTER_LAST_MS of
 * the last arrival.
 */
export const WHOLE_BODY_HELD_SHARE = 0.8;
export const END_AFTER_LAST_MS = 1000;

/**
 * Two cut times are the same cut (a stream silent and a stream kept busy with
 * heartbeats cut alike: a maximum lifetime, not an idle timeout) when they
 * differ by less than 15 % of the longer one, or 250 ms, whichever is larger.
 */
export const SAME_CUT_SHARE = 0.15;
export const SAME_CUT_MIN_MS = 250;

export function sameCut(aMs: number, bMs: number): boolean {
  return Math.abs(aMs - bMs) <= Math.max(SAME_CUT_MIN_MS, SAME_CUT_SHARE * Math.max(aMs, bMs));
}

/** A held long poll answered before this share of its hold was cut short. */
export const EARLY_ANSWER_SHARE = 0.9;

/**
 * Below a measured cut, by half: the heartbeat interval and the long-poll
 * hold both use it, as Pusher's client halves its heartbeat after an
 * unexpected close (https://docs.bird.com/pusher/channels/channels/troubleshooting/what-is-meant-by-channels-error-1006);
 * an interval equal to the timeout still fails
 * (https://github.com/mattermost/docs/issues/8929: 60 s pings behind a 60 s ALB).
 */
export const BELOW_CUT_SHARE = 0.5;

/** Half a cut, rounded down to whole seconds above 2 s and to 100 ms below. */
export function belowCut(cutMs: number): number {
  const half = cutMs * BELOW_CUT_SHARE;
  return half >= 2000 ? Math.floor(half / 1000) * 1000 : Math.max(100, Math.floor(half / 100) * 100);
}

/**
 * The longest heartbeat recommended even when nothing was cut: below the
 * 30-60 s idle timeouts of most proxies and load balancers
 * (docs/proxy-behaviour.md#defaults-at-a-glance).
 */
export const HEARTBEAT_CAP_MS = 25_000;

/** The longest long-poll hold recommended: below the 30 s first-byte limits of Heroku, h2o and Traffic Server, as Socket.IO's 25 s pingInterval is. */
export const LONG_POLL_HOLD_CAP_MS = 25_000;

/** Long-poll libraries hold 20-30 s by default (Socket.IO 25 s): a shorter safe hold needs a change in the app. */
export const LIBRARY_HOLD_MS = 20_000;

/** Reconnect streams at this share of a measured maximum duration, before the path cuts. */
export const RECONNECT_SHARE = 0.8;

/**
 * A library's own timer that fired this much after it was due ran on an
 * event loop the tester kept busy: a handshake answered in time may have
 * waited unread behind it, so what the timer decided is the tester's, not
 * the path's. (Node runs due timers before it reads sockets.)
 */
export const LATE_TIMER_MS = 100;
