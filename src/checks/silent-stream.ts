/**
 * The idle and duration checks share one scenario: one event, then silence
 * (idle) or heartbeats only (duration) for `idleMs`, then one more event. The
 * second event arriving on the first connection means the stream survived; a
 * cut tells when and how.
 */
import { fetchSeen } from '../client/http';
import type { Params } from '../client/target';
import { CheckRecorder } from '../client/recorder';
import { runSse } from '../client/sse';
import { runWebSocket } from '../client/websocket';
import type { Observation, StreamEnd, Transport } from '../observation/types';
import { badAnswerResult, describeAnswer, firstBadAnswer, result, s, timeline } from '../verdict/answers';
import type { CheckResult, Reason } from '../verdict/types';
import { mitigationParams, type CheckContext } from './check';
import { clientKeepalive, keepaliveParams } from './keepalive';

type SilentCheck = 'idle' | 'duration';

function recorder(ctx: CheckContext, transport: Transport, check: SilentCheck): CheckRecorder {
  const silentMs = ctx.options.idleMs;
  const heartbeatMs = check === 'duration' ? ctx.options.heartbeatMs : ctx.options.mitigation?.heartbeatMs;
  return new CheckRecorder(transport, check, { channel: ctx.channel, count: 2, intervalMs: silentMs, silentMs, heartbeatMs });
}

/**
 * A keepalive mitigation's two sides: what the origin is asked to send, and
 * what the WebSocket client sends itself. A client kind leaves the origin silent.
 */
function keepaliveOf(ctx: CheckContext, heartbeatMs: number | undefined): { params: Params; client?: ReturnType<typeof clientKeepalive> } {
  const kind = ctx.options.mitigation?.keepalive;
  if (!kind || heartbeatMs === undefined) return { params: {} };
  const client = clientKeepalive(kind, heartbeatMs);
  return client ? { params: { heartbeatMs: undefined }, client } : { params: keepaliveParams(kind, heartbeatMs) };
}

export function silentSse(check: SilentCheck) {
  return async (ctx: CheckContext): Promise<Observation> => {
    const rec = recorder(ctx, 'sse', check);
    const { silentMs, heartbeatMs } = rec.scenario!;
    await runSse(ctx.target, rec, {
      params: { count: 2, silentMs, heartbeatMs, close: true, retryMs: 100, channel: ctx.channel, probe: ctx.probeId, ...mitigationParams(ctx.options), ...keepaliveOf(ctx, heartbeatMs).params },
      payloadBytes: 16,
      // Stop at the second event, or once a cut stream has been answered again
      // (the reconnect's status is part of the evidence).
      until: (r) => r.hasSeq(2) || (r.ends.length > 0 && r.answers.length >= 2) || r.answers.length > 3,
      deadlineMs: silentMs! + ctx.options.graceMs + ctx.options.connectTimeoutMs,
      deadlineFromFirstEventMs: silentMs! + ctx.options.graceMs,
      expectedEndSeq: 2,
    });
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };
}

/**
 * WebSocket only: when the second event is overdue, the client pings, as a
 * heartbeat with a deadline does. A pong means the connection still works and
 * the event went missing; none means it is dead (a silent drop); a reset
 * means the path refuses the flow now (an expired firewall entry).
 */
export interface DeadlinePing {
  /** when the ping was sent, ms after the check started */
  sentAtMs: number;
  /** when its pong came back */
  pongAtMs?: number;
}

export function silentWebSocket(check: SilentCheck) {
  return async (ctx: CheckContext): Promise<Observation<DeadlinePing>> => {
    const rec = recorder(ctx, 'websocket', check) as CheckRecorder<DeadlinePing>;
    const { silentMs, heartbeatMs } = rec.scenario!;
    const keepalive = keepaliveOf(ctx, heartbeatMs);
    let timer: NodeJS.Timeout | undefined;
    const overdueMs = silentMs! + ctx.options.graceMs * 0.4;
    await runWebSocket(ctx.target, rec, {
      onOpen: (ws) => {
        timer = setTimeout(() => {
          if (rec.hasSeq(2) || ws.readyState !== ws.OPEN) return;
          const ping: DeadlinePing = { sentAtMs: rec.now() };
          rec.payload = ping;
          ws.once('pong', () => (ping.pongAtMs = rec.now()));
          ws.ping();
        }, overdueMs);
      },
      params: { count: 2, silentMs, heartbeatMs, close: true, channel: ctx.channel, probe: ctx.probeId, ...keepalive.params },
      clientKeepalive: keepalive.client,
      payloadBytes: 16,
      handshakeTimeoutMs: ctx.options.connectTimeoutMs,
      until: (r) => r.hasSeq(2) || r.ends.length > 0,
      deadlineMs: silentMs! + ctx.options.graceMs + ctx.options.connectTimeoutMs,
      deadlineFromFirstEventMs: silentMs! + ctx.options.graceMs,
      expectedEndSeq: 2,
    });
    clearTimeout(timer);
    return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
  };
}

interface Cut {
  /** ms from the first event's arrival (stream start) to the cut */
  cutAtMs?: number;
  how: StreamEnd['how'];
  code?: string | number;
}

function findCut(obs: Observation): Cut | undefined {
  const first = obs.arrivals.find((a) => a.seq === 1 && a.connection === 0);
  const end = obs.ends.find((e) => e.connection === 0 && e.how !== 'complete');
  if (!end) return undefined;
  const since = first?.arrivedMs ?? obs.answers[0]?.atMs ?? 0;
  if (end.how !== 'open') return { cutAtMs: Math.round(end.atMs - since), how: end.how, code: end.code };
  // Silent: a stream fed with heartbeats shows when they stopped coming; a silent one cannot.
  const hb = obs.scenario?.heartbeatMs;
  const quiet = obs.lastByteAtMs;
  // Heartbeats that came until the end only lost the event; a cut needs them to have stopped well before it.
  const stopped = hb !== undefined && quiet !== undefined && quiet - since > hb && obs.durationMs - quiet > Math.max(1000, 4 * hb);
  return { cutAtMs: stopped ? Math.round(quiet! - since) : undefined, how: 'open' };
}

function describeCut(c: Cut, silentMs: number): string {
  if (c.how === 'open' && c.cutAtMs !== undefined) {
    return `its heartbeats stopped ${s(c.cutAtMs)} after it started and the connection stayed open: the path dropped it silently at ${s(c.cutAtMs)} (no FIN, no RST)`;
  }
  if (c.how === 'open') return `nothing arrived for ${s(silentMs)} and the connection stayed open: the path dropped it silently (no FIN, no RST)`;
  const how = c.how === 'reset' ? 'reset (RST)' : c.how === 'error-status' ? `answered ${c.code}` : `closed${c.code !== undefined && c.code !== 'EOF' ? ` (${c.code})` : ''}`;
  return `the stream was ${how} ${s(c.cutAtMs ?? 0)} after it started`;
}

/** Grades a silent (idle) or heartbeat-fed (duration) stream: survived, or cut when and how. */
export function gradeSilent(obs: Observation): CheckResult {
  const silentMs = obs.scenario?.silentMs ?? 0;
  const heartbeatMs = obs.scenario?.heartbeatMs;
  const duration = obs.check === 'duration';
  const what = duration ? `a stream kept busy with heartbeats every ${heartbeatMs} ms` : `a stream silent for ${s(silentMs)}`;
  if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError);
  const survived = obs.arrivals.some((a) => a.seq === 2 && a.connection === 0);
  const base = { silentMs, heartbeatMs, survived, timeline: timeline(obs.arrivals), reconnects: Math.max(0, obs.answers.length - 1) };
  if (survived) return result(obs, 'pass', 'none', `${what} survived ${s(silentMs)}`, base);
  if (!obs.arrivals.some((a) => a.seq === 1)) {
    const bad = firstBadAnswer(obs);
    if (bad) return badAnswerResult(obs, bad, 'no stream to keep open: ', base);
    return result(obs, 'fail', 'message-loss', `the first event never arrived, so the ${obs.check} check could not start`, base);
  }
  const cut = findCut(obs);
  if (!cut) return result(obs, 'fail', 'message-loss', `the second event never arrived`, base);
  const ping = obs.transport === 'websocket' ? (obs.payload as DeadlinePing | undefined) : undefined;
  if (cut.how === 'open' && ping?.pongAtMs !== undefined) {
    // Alive (it answers pings) but the event never came: lost on the way, not a cut.
    return result(obs, 'fail', 'message-loss', `${what}: the second event never arrived, yet the connection answered a ping sent when it was overdue (pong after ${Math.round(ping.pongAtMs - ping.sentAtMs)} ms): the event was lost on the way`, { ...base, ping });
  }
  const reason: Reason = duration ? 'max-duration' : 'idle-timeout';
  const again = obs.answers.length > 1 ? `; the client reconnected (${describeAnswer(obs.answers[1])})` : '';
  const pinged = cut.how === 'open' && ping ? `; a ping sent when the event was overdue got no pong within ${s(obs.durationMs - ping.sentAtMs)}: the connection is dead` : '';
  return result(obs, 'fail', reason, `${what}: ${describeCut(cut, silentMs)}${pinged}${again}`, {
    ...base,
    ...(ping ? { ping } : {}),
    cutAtMs: cut.cutAtMs,
    how: cut.how === 'open' ? 'silent' : cut.how,
    code: cut.code,
    status: obs.answers[1]?.status,
  });
}
