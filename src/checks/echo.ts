import { randomBytes } from 'node:crypto';
import { fetchSeen } from '../client/http';
import { CheckRecorder } from '../client/recorder';
import { runWebSocket } from '../client/websocket';
import { answerEvidence, expectedOk, failedAnswerReason, result } from '../verdict/answers';
import type { Check, CheckContext } from './check';

/** Which messages made the round trip, and how long each took. */
export interface EchoPayload {
  textOk: boolean;
  binaryOk: boolean;
  textRttMs?: number;
  binaryRttMs?: number;
}

/** Client → server → client, text and binary. */
async function websocket(ctx: CheckContext) {
  const rec = new CheckRecorder<EchoPayload>('websocket', 'echo');
  const text = `echo-${randomBytes(8).toString('hex')}`;
  const binary = randomBytes(64);
  const sent: { text?: number; binary?: number } = {};
  const echo: EchoPayload = { textOk: false, binaryOk: false };
  rec.payload = echo;
  await runWebSocket(ctx.target, rec, {
    params: { count: 0, channel: ctx.channel, probe: ctx.probeId },
    payloadBytes: 0,
    handshakeTimeoutMs: ctx.options.connectTimeoutMs,
    until: () => echo.textOk && echo.binaryOk,
    deadlineMs: ctx.options.connectTimeoutMs + 3000,
    onOpen: (ws) => {
      sent.text = rec.now();
      ws.send(text);
      sent.binary = rec.now();
      ws.send(binary, { binary: true });
    },
    onText: (t) => {
      if (t !== text) return false;
      echo.textOk = true;
      echo.textRttMs = Math.round((rec.now() - (sent.text ?? 0)) * 10) / 10;
      return true;
    },
    onBinary: (b) => {
      if (!b.equals(binary)) return;
      echo.binaryOk = true;
      echo.binaryRttMs = Math.round((rec.now() - (sent.binary ?? 0)) * 10) / 10;
    },
  });
  return rec.finish(await fetchSeen(ctx.target, ctx.probeId, ctx.originUrl));
}

export const echo: Check<EchoPayload> = {
  id: 'echo',
  description: 'A text and a binary message sent by the client, echoed by the origin: a WebSocket counts only after a round trip, not after a 101.',
  expectation: 'Both messages come back unchanged; the round-trip times are measured.',
  runners: { websocket },
  grade(obs) {
    const e = obs.payload;
    const base = { ...e };
    if (obs.testerError) return result(obs, 'error', 'tester-error', obs.testerError, base);
    if (e?.textOk && e.binaryOk) return result(obs, 'pass', 'none', `text and binary messages made the round trip in ${e.textRttMs} / ${e.binaryRttMs} ms`, base);
    const a = obs.answers[0];
    if (!expectedOk('websocket', a)) {
      const f = failedAnswerReason('websocket', a, obs.seen);
      return result(obs, 'fail', f.reason, f.detail, { ...base, ...answerEvidence(a) });
    }
    const end = obs.ends[0];
    const which = e?.textOk ? 'the binary' : e?.binaryOk ? 'the text' : 'no';
    const after = end ? `; the connection ${end.how === 'open' ? 'stayed open, silent' : `ended (${end.how})`}` : '';
    return result(obs, 'fail', 'message-loss', `the handshake succeeded (101) but ${which} message came back${after}`, base);
  },
};
