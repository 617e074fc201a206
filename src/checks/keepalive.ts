/**
 * keepalive (opt-in: `run --keepalive`; `probe --measure` runs it past the
 * measured cut): which traffic the path counts as activity. One silent
 * stream per kind of keepalive, all at once, each fed by exactly one kind —
 * a server data event or comment line (SSE); a server or client data message
 * or ping (WebSocket); a byte trickled into a held long poll — beside a
 * control stream fed by nothing. Hops differ, as measured on the real
 * products (the `keepalive:` lists in proxies/<product>/short-timeout.expect.yaml):
 * lighttpd's and Caddy's upstream read timeouts ignore what the client sends,
 * lighttpd's server.max-read-idle ignores what the server sends
 * (proxies/lighttpd/read-idle.expect.yaml), HAProxy's timeout tunnel counts
 * either direction (https://docs.haproxy.org/2.6/configuration.html#4-timeout%20tunnel).
 */
import { closeConnectionGroup, fetchSeen } from '../client/http';
import { pollOnce } from '../client/polling';
import { arrivedAt, CheckRecorder, endSeen } from '../client/recorder';
import { closeAll, openStream, type MeasuredStream } from '../client/stream';
import { uniqueId, type Params, type ProbeTarget } from '../client/target';
import type { HttpAnswer, Observation } from '../observation/types';
import type { KeepaliveKind, KeepaliveResult, KeepaliveTransport, KeepaliveTrial, StreamTransport } from '../observation/limits';
import { CONNECT_REFUSED, KEEPALIVE_KINDS_FOR } from '../vocabulary';
import { Condition } from '../util/wait';
import { result, s, startFailure, testerProblem } from '../verdict/answers';
import { describeKeepalives, KIND_LABEL } from '../verdict/keepalive';
import { EARLY_ANSWER_SHARE, GATEWAY_STATUSES, sameCut } from '../verdict/thresholds';
import type { Check, CheckContext } from './check';

export interface KeepaliveTrialOptions {
  target: ProbeTarget;
  transport: KeepaliveTransport;
  /** how long each stream goes without events (long poll: the hold) */
  silenceMs: number;
  /** each kind's interval */
  everyMs: number;
  /** default: every kind of the transport, `none` first */
  kinds?: readonly KeepaliveKind[];
  connectTimeoutMs: number;
  /** wait this long past the second event's time before calling a quiet stream dropped */
  graceMs: number;
  /** prefix of each trial's channel */
  channel?: string;
  /** extra origin parameters (probe id) */
  params?: Params;
  /** at most this many streams at once (a path with a connection limit); default all kinds at once */
  maxAtOnce?: number;
  signal?: AbortSignal;
}

/** The origin parameters that make it send one kind of keepalive. */
export function keepaliveParams(kind: KeepaliveKind, everyMs: number): Params {
  const server: Partial<Record<KeepaliveKind, string>> = { 'server-event': 'event', 'server-comment': 'comment', 'server-message': 'message', 'server-ping': 'ping', trickle: 'trickle' };
  return server[kind] ? { heartbeatMs: everyMs, keepalive: server[kind] } : {};
}

/** The client's own keepalive for a kind, if it is one. */
export function clientKeepalive(kind: KeepaliveKind, everyMs: number): { kind: 'ping' | 'message'; everyMs: number } | undefined {
  if (kind === 'client-ping') return { kind: 'ping', everyMs };
  if (kind === 'client-message') return { kind: 'message', everyMs };
  return undefined;
}

interface Running {
  kind: KeepaliveKind;
  stream: MeasuredStream;
  trial?: KeepaliveTrial;
}

/** Opens a stream fed by one kind of keepalive: one event, `silenceMs` without events, a second one. */
function openKind(o: KeepaliveTrialOptions, kind: KeepaliveKind, onChange: () => void): Running {
  const params: Params = { ...o.params, channel: `${o.channel ?? uniqueId('keepalive')}-${kind}`, count: 2, silentMs: o.silenceMs, close: true, ...keepaliveParams(kind, o.everyMs) };
  // The measurement's own stream: no reconnect, no buffering asked for, no encoding; the idle timer is what is measured.
  const stream = openStream(o.transport as StreamTransport, { target: o.target, connectTimeoutMs: o.connectTimeoutMs }, params, { onChange, clientKeepalive: clientKeepalive(kind, o.everyMs) }, 'keepalive');
  return { kind, stream };
}

/** A stream's fate so far, or undefined while it is still undecided. */
function fateOf(r: Running, o: KeepaliveTrialOptions): KeepaliveTrial | undefined {
  const { kind } = r;
  const rec = r.stream.rec;
  const first = arrivedAt(rec, 1);
  const end = endSeen(rec);
  if (arrivedAt(rec, 2) !== undefined) return { kind, outcome: 'kept' };
  if (end && first === undefined) return { kind, outcome: 'not-started', how: end.how, code: end.code, detail: startFailure(o.transport, end.how, end.code, end.detail) };
  if (end && first !== undefined) return { kind, outcome: 'cut', cutAtMs: Math.round(end.atMs - first), how: end.how, code: end.code };
  const now = rec.now();
  if (first === undefined) return now > o.connectTimeoutMs ? { kind, outcome: 'not-started', detail: `no first event within ${s(o.connectTimeoutMs)}` } : undefined;
  if (now - first <= o.silenceMs + o.graceMs) return undefined;
  // Past the second event's time: a flow that went quiet was dropped; one still getting heartbeats holds the event back.
  const lastByte = rec.lastByteAtMs ?? first;
  if (kind === 'none' || now - lastByte > Math.max(o.graceMs, o.everyMs * 3)) {
    // When the keepalives stopped is the cut time; a stream that got none after its first event cannot tell.
    const quiet = lastByte - first > o.everyMs ? { cutAtMs: Math.round(lastByte - first) } : {};
    return { kind, outcome: 'cut', how: 'silent', ...quiet, detail: 'the second event never arrived and nothing closed' };
  }
  return { kind, outcome: 'stopped', detail: 'keepalives kept arriving but the second event did not' };
}

async function streamTrials(o: KeepaliveTrialOptions, kinds: readonly KeepaliveKind[]): Promise<{ trials: KeepaliveTrial[]; answers: HttpAnswer[] }> {
  let cond: Condition | undefined;
  const poke = (): void => queueMicrotask(() => cond?.poke());
  const running = kinds.map((k) => openKind(o, k, poke));
  cond = new Condition(
    () => {
      for (const r of running) {
        if (r.trial) continue;
        r.trial = fateOf(r, o);
        if (r.trial) r.stream.close();
      }
      return running.every((r) => r.trial !== undefined);
    },
    // A safety net only: every stream resolves by its own clock first. Silent drops are seen by the clock.
    { deadlineMs: o.connectTimeoutMs + o.silenceMs + o.graceMs * 2 + 5000, tickMs: 250, signal: o.signal },
  );
  try {
    await cond.settled;
  } finally {
    for (const r of running) r.trial ??= { kind: r.kind, outcome: 'stopped', detail: o.signal?.aborted ? 'interrupted' : 'no outcome in time' };
    await closeAll(running.map((r) => r.stream));
  }
  return { trials: running.map((r) => r.trial!), answers: running.flatMap((r) => r.stream.rec.answers.slice(0, 1)) };
}

/** Held long polls, one plain and one with a trickle: kept when the origin's own answer comes at the end of the hold. */
async function pollTrials(o: KeepaliveTrialOptions, kinds: readonly KeepaliveKind[]): Promise<{ trials: KeepaliveTrial[]; answers: HttpAnswer[] }> {
  const one = async (kind: KeepaliveKind): Promise<{ trial: KeepaliveTrial; answer?: HttpAnswer }> => {
    const rec = new CheckRecorder('long-poll', 'keepalive');
    // Each held poll on a connection of its own (ProbeTarget.connectionGroup says why).
    const target: ProbeTarget = { ...o.target, connectionGroup: uniqueId('keepalive-poll') };
    await pollOnce(target, rec, '/long-poll', { ...o.params, channel: `${o.channel ?? uniqueId('keepalive')}-${kind}`, count: 0, hold: o.silenceMs, ...keepaliveParams(kind, o.everyMs) }, {
      payloadBytes: 16,
      timeoutMs: o.silenceMs + o.graceMs,
      signal: o.signal,
    });
    await closeConnectionGroup(target);
    const a = rec.answers[0];
    if (o.signal?.aborted) return { trial: { kind, outcome: 'stopped', detail: 'interrupted' }, answer: a };
    const at = a ? Math.round(a.atMs) : undefined;
    if (a && !a.error && (a.status === 204 || a.status === 200) && a.atMs >= o.silenceMs * EARLY_ANSWER_SHARE) return { trial: { kind, outcome: 'kept' }, answer: a };
    if (a?.error?.code === 'TIMEOUT') return { trial: { kind, outcome: 'cut', how: 'silent', detail: `no answer within ${s(o.silenceMs + o.graceMs)}` }, answer: a };
    // Refused before it was ever held (nothing listening, an untrusted certificate, a CONNECT the forward proxy refused): no hold to keep alive.
    const refused = testerProblem(a) ?? (a?.error?.code === CONNECT_REFUSED ? a.error.message : undefined);
    if (refused) return { trial: { kind, outcome: 'not-started', code: a?.error?.code, detail: refused }, answer: a };
    if (a?.error) return { trial: { kind, outcome: 'cut', cutAtMs: at, how: a.error.code === 'ECONNRESET' ? 'reset' : 'close', code: a.error.code }, answer: a };
    if (a?.status !== undefined && (GATEWAY_STATUSES.includes(a.status) || a.atMs < o.silenceMs * EARLY_ANSWER_SHARE)) return { trial: { kind, outcome: 'cut', cutAtMs: at, how: 'status', code: a.status }, answer: a };
    return { trial: { kind, outcome: 'not-started', code: a?.status, detail: `answered ${a?.status ?? 'nothing'} instead of the held request's 204` }, answer: a };
  };
  const got = await Promise.all(kinds.map(one));
  return { trials: got.map((g) => g.trial), answers: got.flatMap((g) => (g.answer ? [g.answer] : [])) };
}

/** Every kind (or `kinds`) on its own stream, all at once or `maxAtOnce` at a time; the control `none` first. */
export async function tryKeepalives(o: KeepaliveTrialOptions): Promise<{ result: KeepaliveResult; answers: HttpAnswer[] }> {
  const kinds = o.kinds ?? KEEPALIVE_KINDS_FOR[o.transport];
  const size = Math.max(1, o.maxAtOnce ?? kinds.length);
  const trials: KeepaliveTrial[] = [];
  const answers: HttpAnswer[] = [];
  for (let i = 0; i < kinds.length && !o.signal?.aborted; i += size) {
    const batch = kinds.slice(i, i + size);
    const got = o.transport === 'long-poll' ? await pollTrials(o, batch) : await streamTrials(o, batch);
    trials.push(...got.trials);
    answers.push(...got.answers);
  }
  for (const k of kinds.slice(trials.length)) trials.push({ kind: k, outcome: 'stopped', detail: 'interrupted' });
  const res: KeepaliveResult = { transport: o.transport, silenceMs: o.silenceMs, everyMs: o.everyMs, trials };
  if (o.signal?.aborted) res.partial = true;
  return { result: res, answers };
}

function runner(transport: KeepaliveTransport) {
  return async (ctx: CheckContext): Promise<Observation<KeepaliveResult>> => {
    const silenceMs = transport === 'long-poll' ? ctx.options.holdMs : ctx.options.idleMs;
    const rec = new CheckRecorder<KeepaliveResult>(transport, 'keepalive', { channel: ctx.channel, count: 2, intervalMs: silenceMs, silentMs: silenceMs, heartbeatMs: ctx.options.heartbeatMs });
    const { result: r, answers } = await tryKeepalives({
      target: ctx.target,
      transport,
      silenceMs,
      everyMs: ctx.options.heartbeatMs,
      connectTimeoutMs: ctx.options.connectTimeoutMs,
      graceMs: ctx.options.graceMs,
      channel: ctx.channel,
      params: { probe: ctx.probeId },
    });
    rec.answers.push(...answers);
    rec.payload = r;
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };
}

export const keepalive: Check<KeepaliveResult> = {
  id: 'keepalive',
  description:
    'Opt-in (--keepalive): silent streams past the idle window, each fed by one kind of keepalive only — SSE data event or comment; WebSocket server or client message or ping; a byte trickled into a held long poll — beside one fed by nothing.',
  expectation: 'The kinds of traffic that keep a stream open through the path, and the ones it ignores; with no idle timeout, every stream survives.',
  runners: { sse: runner('sse'), websocket: runner('websocket'), 'long-poll': runner('long-poll') },
  waits: true,
  optIn: (o) => o.keepalive === true,
  grade(obs) {
    const r = obs.payload;
    if (obs.testerError || !r) return result(obs, 'error', 'tester-error', obs.testerError ?? 'no keepalive trials were recorded');
    const d = describeKeepalives(r);
    const measured = { silenceMs: r.silenceMs, everyMs: r.everyMs, kept: d.kept, cut: d.cut, controlCut: d.controlCut, trials: r.trials };
    if (d.started === 0) {
      const why = r.trials.find((t) => t.detail)?.detail ?? 'no stream started';
      return result(obs, 'skip', 'not-run', `no keepalive stream got going: ${why}`, measured);
    }
    const control = r.trials.find((t) => t.kind === 'none');
    if (control?.outcome !== 'kept' && control?.outcome !== 'cut') {
      return result(obs, 'skip', 'not-run', `the stream with no keepalive did not get going (${control?.detail ?? control?.outcome ?? 'missing'}): nothing to compare the others with`, measured);
    }
    if (!d.controlCut) return result(obs, 'pass', 'none', `a stream with no keepalive survived ${s(r.silenceMs)}: nothing to keep alive here${d.cut.length ? ` (yet cut: ${d.cut.map((k) => KIND_LABEL[k]).join(', ')})` : ''}`, measured);
    if (d.kept.length > 0) return result(obs, 'pass', 'none', d.sentence, measured);
    // Nothing the app can send keeps it: cut at the control's time, a maximum lifetime; else an idle timer that counts none of it.
    const same = control?.cutAtMs !== undefined && r.trials.every((t) => t.outcome !== 'cut' || t.cutAtMs === undefined || sameCut(t.cutAtMs, control.cutAtMs!));
    return result(obs, 'fail', same ? 'max-duration' : 'idle-timeout', d.sentence, measured);
  },
};
