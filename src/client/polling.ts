/**
 * Short- and long-polling probes with fetch. Both read the same channels as
 * the streams; `since` is the client's cursor.
 */
import type { Observation, Transport } from '../observation/types';
import { CheckRecorder, classifyError, pause, pickHeaders, snippet } from './recorder';
import { fetchFor, fetchSeen } from './http';
import { endpointUrl } from './target';
import type { CheckContext, CheckRunner } from './probe-types';

type Path = '/poll' | '/long-poll';

interface PollAnswer {
  status?: number;
  events: string[];
  last?: number;
  channel?: string;
  bodyBytes: number;
}

/** One poll request, recorded as an answer; its events become arrivals. */
async function pollOnce(
  ctx: CheckContext,
  rec: CheckRecorder,
  path: Path,
  params: Record<string, string | number | boolean | undefined>,
  payloadBytes: number,
  timeoutMs: number,
): Promise<PollAnswer> {
  const url = endpointUrl(ctx.target, path, { ...params, channel: ctx.channel, probe: ctx.probeId, noStore: ctx.options.mitigation?.noStore });
  rec.extra.requests = ((rec.extra.requests as number) ?? 0) + 1;
  let res: Response;
  try {
    res = await fetchFor(ctx.target)(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const c = classifyError(err);
    const timedOut = (err as Error)?.name === 'TimeoutError';
    rec.answer({ error: { code: timedOut ? 'TIMEOUT' : c.code, message: timedOut ? `no answer within ${timeoutMs} ms` : c.message } });
    return { events: [], bodyBytes: 0 };
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    const c = classifyError(err);
    rec.answer({ status: res.status, headers: pickHeaders((h) => res.headers.get(h)), error: { code: c.code, message: c.message } });
    return { status: res.status, events: [], bodyBytes: 0 };
  }
  rec.extra.bytes = ((rec.extra.bytes as number) ?? 0) + Buffer.byteLength(text);
  const answer = rec.answer({ status: res.status, headers: pickHeaders((h) => res.headers.get(h)) });
  if (res.status === 204) return { status: 204, events: [], bodyBytes: 0 };
  let body: { events?: unknown[]; last?: number; channel?: string };
  try {
    body = JSON.parse(text) as typeof body;
    if (!Array.isArray(body.events)) throw new Error('no events array');
  } catch {
    answer.bodySnippet = snippet(text);
    return { status: res.status, events: [], bodyBytes: Buffer.byteLength(text) };
  }
  if (res.status !== 200) answer.bodySnippet = snippet(text);
  const events = body.events.map((e) => JSON.stringify(e));
  if (body.channel !== undefined && body.channel !== ctx.channel) {
    // Someone else's data: only a cache that ignores the query string does that.
    rec.extra.foreignChannel = body.channel;
  }
  for (const raw of events) {
    const seq = (JSON.parse(raw) as { seq: number }).seq;
    if (!rec.arrivals.some((a) => a.seq === seq) || rec.check === 'resume') rec.arrival(raw, rec.answers.length - 1, payloadBytes);
  }
  return { status: res.status, events, last: body.last, channel: body.channel, bodyBytes: Buffer.byteLength(text) };
}

function maxSeq(rec: CheckRecorder): number {
  return Math.max(0, ...rec.arrivals.map((a) => a.seq));
}

function pollChecks(transport: Transport, path: Path): Record<string, CheckRunner> {
  const isLong = path === '/long-poll';
  const holdFor = (ctx: CheckContext): number => ctx.options.mitigation?.holdMs ?? ctx.options.holdMs;
  const extraTimeout = (ctx: CheckContext): number => (isLong ? holdFor(ctx) : 0) + ctx.options.connectTimeoutMs;

  /** Polls until seq `upTo` was seen or the deadline passes. */
  async function pollLoop(ctx: CheckContext, rec: CheckRecorder, params: Record<string, number | boolean>, upTo: number, deadlineMs: number, payloadBytes = 16): Promise<void> {
    const stopAt = rec.now() + deadlineMs;
    let failures = 0;
    while (maxSeq(rec) < upTo && rec.now() < stopAt && failures < 3) {
      const a = await pollOnce(ctx, rec, path, { ...params, since: maxSeq(rec), ...(isLong ? { hold: holdFor(ctx) } : {}) }, payloadBytes, extraTimeout(ctx));
      if (a.status === undefined || a.status >= 400) failures++;
      if (!isLong || a.status !== 200) await pause(ctx.options.pollEveryMs);
    }
  }

  return {
    async connect(ctx) {
      const rec = new CheckRecorder(transport, 'connect');
      await pollOnce(ctx, rec, path, { count: 1, hold: isLong ? 1000 : undefined }, 16, extraTimeout(ctx));
      return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
    },

    async delivery(ctx) {
      const { deliveryCount: count, deliveryIntervalMs: intervalMs } = ctx.options;
      const rec = new CheckRecorder(transport, 'delivery', { channel: ctx.channel, count, intervalMs });
      await pollLoop(ctx, rec, { count, intervalMs }, count, count * intervalMs + ctx.options.graceMs + 2000);
      return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
    },

    /** Two polls of the same URL a moment apart must see different data. */
    async freshness(ctx) {
      const rec = new CheckRecorder(transport, 'freshness', { channel: ctx.channel, count: 100, intervalMs: 50 });
      const params = { count: 100, intervalMs: 50, since: 0, ...(isLong ? { hold: 1000 } : {}) };
      const first = await pollOnce(ctx, rec, path, params, 16, extraTimeout(ctx));
      // The gap is the measurement: 10 events are due in it.
      await pause(500);
      const second = await pollOnce(ctx, rec, path, params, 16, extraTimeout(ctx));
      rec.extra.freshness = {
        firstLast: first.last,
        secondLast: second.last,
        firstEvents: first.events.length,
        secondEvents: second.events.length,
        gapMs: 500,
        identical: first.events.join() === second.events.join() && first.last === second.last,
      };
      return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
    },

    /** After reading up to 4, a poll with since=2 must return exactly 3 and 4: the cursor reaches the origin. */
    async resume(ctx) {
      const rec = new CheckRecorder(transport, 'resume', { channel: ctx.channel, count: 4, intervalMs: 50 });
      await pollLoop(ctx, rec, { count: 4, intervalMs: 50 }, 4, 4 * 50 + ctx.options.graceMs + 2000);
      const before = rec.arrivals.length;
      const again = await pollOnce(ctx, rec, path, { count: 4, intervalMs: 50, since: 2, ...(isLong ? { hold: 1000 } : {}) }, 16, extraTimeout(ctx));
      const seqs = again.events.map((e) => (JSON.parse(e) as { seq: number }).seq);
      rec.extra.resume = { since: 2, returned: seqs, beforeCut: before };
      return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
    },

    async large(ctx) {
      const payloadBytes = ctx.options.largeBytes;
      const rec = new CheckRecorder(transport, 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes });
      await pollOnce(ctx, rec, path, { count: 1, payloadBytes, ...(isLong ? { hold: 1000 } : {}) }, payloadBytes, ctx.options.largeTimeoutMs);
      return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
    },

    ...(isLong
      ? {
          /** A request held `hold` ms on a channel with no events must end with the origin's 204. */
          async hold(ctx: CheckContext): Promise<Observation> {
            const holdMs = holdFor(ctx);
            const rec = new CheckRecorder(transport, 'hold', { channel: ctx.channel, count: 0, intervalMs: 0, holdMs });
            rec.extra.holdMs = holdMs;
            await pollOnce(ctx, rec, path, { count: 0, hold: holdMs }, 16, holdMs + ctx.options.graceMs);
            return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
          },
        }
      : {}),
  };
}

export const shortPollChecks = pollChecks('short-poll', '/poll');
export const longPollChecks = pollChecks('long-poll', '/long-poll');
