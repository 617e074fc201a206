import { fetchSeen } from '../client/http';
import { CheckRecorder } from '../client/recorder';
import { runExtendedConnect, type ExtendedConnectOutcome } from '../client/websocket-h2';
import { answerEvidence, describeAnswer, result, s, timeline } from '../verdict/answers';
import type { Check, CheckContext } from './check';

/** What the extended-connect check keeps: whether it applied (a TLS front, no forward proxy) and what the front offered. */
export interface ExtendedConnectPayload extends ExtendedConnectOutcome {
  applies: boolean;
}

/**
 * WebSocket over HTTP/2 (RFC 8441) where the TLS front offers it: Chromium
 * opens its WebSockets that way when the server's SETTINGS say it may, so a
 * front that offers it and then breaks it breaks the browser's WebSocket even
 * where the HTTP/1.1 Upgrade of the other checks works. Not a blocking check
 * (src/verdict/cell.ts): clients that never take the offer still connect, so
 * a broken offer degrades the cell.
 */
async function websocket(ctx: CheckContext) {
  const { deliveryCount: count, deliveryIntervalMs: intervalMs, graceMs, connectTimeoutMs } = ctx.options;
  const rec = new CheckRecorder<ExtendedConnectPayload>('websocket', 'extended-connect', { channel: ctx.channel, count, intervalMs });
  // Through a forward proxy the session would be the proxy's tunnel; HTTP/2 is spoken to a TLS front only.
  if (new URL(ctx.target.baseUrl).protocol !== 'https:' || ctx.target.via) {
    rec.payload = { applies: false };
    return rec.finish();
  }
  const outcome = await runExtendedConnect(ctx.target, rec, {
    params: { count, intervalMs, close: true, channel: ctx.channel, probe: ctx.probeId },
    payloadBytes: 16,
    handshakeTimeoutMs: connectTimeoutMs,
    expectedEndSeq: count,
    until: (r) => r.hasSeq(count) || r.ends.length > 0,
    deadlineMs: count * intervalMs + graceMs + connectTimeoutMs,
  });
  rec.payload = { applies: true, ...outcome };
  const obs = rec.finish(outcome.offered ? await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl) : undefined);
  if (outcome.offered) obs.protocol = { tls: true, http: 'h2', handshake: 'extended-connect' };
  return obs;
}

export const extendedConnect: Check<ExtendedConnectPayload> = {
  id: 'extended-connect',
  description: 'Where a TLS front offers WebSocket over HTTP/2 (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441), as Chromium then uses it: an extended CONNECT and a scheduled series of events through it.',
  expectation: 'The front does not offer it (browsers then open the HTTP/1.1 Upgrade the other checks use), or it answers the extended CONNECT with 200 and every event arrives.',
  runners: { websocket },
  grade(obs) {
    const p = obs.payload;
    if (!p?.applies) return undefined;
    if (p.sessionError) return result(obs, 'skip', 'not-run', `no HTTP/2 session with the front (${p.sessionError}), so no WebSocket over HTTP/2 either`, { offered: false });
    if (!p.offered) {
      return result(obs, 'skip', 'not-run', 'the front does not offer WebSocket over HTTP/2 (no SETTINGS_ENABLE_CONNECT_PROTOCOL): browsers open the HTTP/1.1 Upgrade the other checks used', { offered: false });
    }
    const count = obs.scenario?.count ?? 0;
    const a = obs.answers[0];
    const got = new Set(obs.arrivals.map((x) => x.seq)).size;
    const m = { offered: true, ...answerEvidence(a), expected: count, received: got, timeline: timeline(obs.arrivals) };
    if (a?.status !== 200) {
      return result(obs, 'fail', 'upgrade-rejected', `the front offers WebSocket over HTTP/2 but answered the extended CONNECT with ${describeAnswer(a)}: a browser that takes the offer (Chromium does) gets no WebSocket this way`, m);
    }
    if (got < count) {
      const end = obs.ends[0];
      return result(obs, 'fail', 'message-loss', `over HTTP/2 (RFC 8441) ${got} of ${count} events arrived${end ? `; the stream ended (${end.how}) after ${s(end.atMs)}` : ''}`, m);
    }
    return result(obs, 'pass', 'none', `the front offers WebSocket over HTTP/2 (RFC 8441) and carries it: all ${count} events arrived through an extended CONNECT`, m);
  },
};
