/**
 * Grading: observations in, check results and one cell verdict out. The only
 * place where pass/fail is decided, so every renderer and every setup agrees.
 *
 *   Observation ──gradeObservation──▶ CheckResult[] ──gradeCell──▶ Cell
 *
 * Rules of thumb, from the issue's definitions:
 *  - pass: works as with no proxy;
 *  - degraded: works, but a check shows a problem the app must handle;
 *  - fail: cannot be used (no connection, no round trip, nothing delivered
 *    before the stream ends);
 *  - error: the tester could not run a check — never the proxy's fault.
 */
import type { Arrival, HttpAnswer, Observation, SeenRequest, StreamEnd, Transport } from '../observation/types';
import type { Cell, CheckResult, Reason, Verdict } from './types';
import { bufferThresholdMs, summariseTiming } from './timing';

export interface GradeContext {
  /** the largest extra delay the unproxied baseline showed in this run */
  baselineMaxLateMs?: number;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function result(obs: Observation, status: CheckResult['status'], reason: Reason, detail: string, measured: Record<string, unknown> = {}): CheckResult {
  return { id: obs.check, status, reason, detail, measured: { durationMs: Math.round(obs.durationMs), ...measured } };
}

function describeAnswer(a: HttpAnswer | undefined): string {
  if (!a) return 'no answer';
  if (a.error) return a.error.code === 'TIMEOUT' ? a.error.message : `${a.error.code} (${a.error.message})`;
  const server = a.headers?.server ? ` from ${a.headers.server}` : '';
  const body = a.bodySnippet ? `: "${a.bodySnippet.slice(0, 80)}"` : '';
  return `HTTP ${a.status}${server}${body}`;
}

function answerEvidence(a: HttpAnswer | undefined): Record<string, unknown> {
  if (!a) return {};
  return { status: a.status, headers: a.headers, body: a.bodySnippet, error: a.error };
}

const isSessionUnknown = (a: HttpAnswer | undefined): boolean => a?.status === 400 && /session-unknown|session unknown/i.test(a.bodySnippet ?? '');

/**
 * Why a request did not get a normal answer. `seen` (what reached the origin)
 * tells a proxy that changed the request from one that never forwarded it.
 */
function failedAnswerReason(transport: Transport, a: HttpAnswer | undefined, seen: SeenRequest[] | undefined, answered = 1): { reason: Reason; detail: string } {
  const what = describeAnswer(a);
  if (isSessionUnknown(a)) {
    return { reason: 'not-sticky', detail: `${what}: the request reached an origin instance that does not know this client's session — the balancer is not sticky` };
  }
  // In a check of several requests, fewer arrivals at the origin than
  // answers at the client means some answers came from the proxy alone.
  const reached = seen !== undefined && seen.length >= Math.max(1, answered);
  const http10 = seen?.find((r) => r.httpVersion === '1.0');
  if (transport === 'websocket' && a?.status !== undefined) {
    if (http10) {
      return {
        reason: 'protocol-downgrade',
        detail: `the handshake reached the origin over HTTP/1.0${http10.headers.upgrade ? '' : ' without its Upgrade header'}, which cannot upgrade; the client got ${what}`,
      };
    }
    const plain = seen?.find((r) => !r.upgraded);
    if (plain) {
      return {
        reason: 'upgrade-stripped',
        detail: `the proxy forwarded the handshake as a plain GET (the origin saw ${plain.headers.upgrade ? `Upgrade: ${plain.headers.upgrade} but Connection: ${plain.headers.connection ?? 'none'}` : 'no Upgrade header'}), so the client got ${what}`,
      };
    }
    if ((seen !== undefined && !reached && a.status >= 400 && a.status < 500) || a.status === 501) {
      return { reason: 'upgrade-rejected', detail: `the proxy answered the upgrade itself with ${what}; the origin never saw it` };
    }
  }
  if (a?.status === 503 || a?.status === 429) {
    if (seen && !reached) return { reason: 'connection-limit', detail: `the proxy refused the request with ${what} without forwarding it${answered > 1 ? ` (the origin saw ${seen.length} of ${answered} requests)` : ''}` };
  }
  if (a?.status !== undefined && [502, 503, 504, 520, 522, 524].includes(a.status) && reached) {
    return { reason: 'proxy-error', detail: `the origin got the request but the client got ${what} from the proxy` };
  }
  return { reason: 'proxy-error', detail: `the client got ${what}` };
}

function expectedOk(transport: Transport, a: HttpAnswer | undefined): boolean {
  if (!a || a.error || a.status === undefined) return false;
  if (transport === 'websocket') return a.status === 101;
  if (transport === 'long-poll') return a.status === 200 || a.status === 204;
  return a.status === 200;
}

function isTesterRefusal(a: HttpAnswer | undefined): boolean {
  return a?.error?.code === 'ECONNREFUSED' || a?.error?.code === 'ENOTFOUND';
}

// ───────────────────────────── connect ─────────────────────────────

function gradeConnect(obs: Observation): CheckResult[] {
  const a = obs.answers[0];
  const m = answerEvidence(a);
  if (isTesterRefusal(a)) {
    return [result(obs, 'error', 'tester-error', `nothing accepts connections at the target (${a?.error?.message}); start the origin or proxy, or check the URL`, m)];
  }
  if (!expectedOk(obs.transport, a)) {
    const r = failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length);
    return [result(obs, 'fail', r.reason, r.detail, m)];
  }
  if (obs.transport === 'sse') {
    const ct = a.headers?.['content-type'] ?? '';
    if (!ct.startsWith('text/event-stream')) return [result(obs, 'fail', 'proxy-error', `HTTP 200 but Content-Type "${ct}", not text/event-stream`, m)];
  }
  if (obs.transport === 'websocket' && obs.extra?.opened !== true) {
    return [result(obs, 'fail', 'proxy-error', 'HTTP 101 came back but the connection never opened', m)];
  }
  const via = obs.seen?.[0];
  return [
    result(obs, 'pass', 'none', `${a.status}${a.headers?.server ? ` (${a.headers.server})` : ''} in ${Math.round(a.atMs)} ms`, {
      ...m,
      originSawHttpVersion: via?.httpVersion,
    }),
  ];
}

// ───────────────────────────── delivery & latency ─────────────────────────────

function firstBadAnswer(obs: Observation): HttpAnswer | undefined {
  return obs.answers.find((a) => !expectedOk(obs.transport, a));
}

function timeline(arrivals: Arrival[]): Array<Pick<Arrival, 'seq' | 'offsetMs' | 'arrivedMs' | 'connection'>> {
  return arrivals.map(({ seq, offsetMs, arrivedMs, connection }) => ({ seq, offsetMs, arrivedMs, connection }));
}

function costOf(obs: Observation, delivered: number): Record<string, unknown> {
  const requests = (obs.extra?.requests as number | undefined) ?? obs.answers.length;
  const bytes = (obs.extra?.bytes as number | undefined) ?? 0;
  return { requests, bytes, events: delivered, requestsPerEvent: delivered ? +(requests / delivered).toFixed(2) : null, bytesPerEvent: delivered ? Math.round(bytes / delivered) : null };
}

function gradeDelivery(obs: Observation, ctx: GradeContext): CheckResult[] {
  const count = obs.scenario?.count ?? 0;
  const intervalMs = obs.scenario?.intervalMs ?? 0;
  const seqs = obs.arrivals.map((a) => a.seq);
  const unique = [...new Set(seqs)];
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!unique.includes(i)) missing.push(i);
  const outOfOrder = unique.some((v, i) => i > 0 && v < unique[i - 1]);
  const duplicates = seqs.length - unique.length;
  const cost = costOf(obs, unique.length);
  const base = { expected: count, received: unique.length, missing, duplicates, timeline: timeline(obs.arrivals), ...cost };

  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError, base)];
  const bad = firstBadAnswer(obs);
  if (unique.length === 0) {
    if (isTesterRefusal(obs.answers[0])) return [result(obs, 'error', 'tester-error', `nothing accepts connections at the target`, base)];
    if (bad) {
      const r = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
      return [result(obs, 'fail', r.reason, `no event delivered: ${r.detail}`, { ...base, ...answerEvidence(bad) })];
    }
    const end = obs.ends[0];
    const enc = obs.answers[0]?.headers?.['content-encoding'];
    const reason: Reason = enc ? 'compressed' : end?.how === 'open' ? 'buffered' : 'message-loss';
    const how = end ? (end.how === 'open' ? 'the response stayed open with nothing in it' : `the stream ended (${end.how}) after ${s(end.atMs)}`) : 'nothing came back';
    return [result(obs, 'fail', reason, `none of ${count} events arrived within ${s(obs.durationMs)}: ${how}${enc ? ` (Content-Encoding: ${enc})` : ''}`, base)];
  }

  const results: CheckResult[] = [];
  const refused = bad ? failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length) : undefined;
  if (missing.length > 0 && refused?.reason === 'connection-limit') {
    results.push(result(obs, 'fail', 'connection-limit', `${unique.length} of ${count} events arrived: ${refused.detail}`, base));
  } else if (missing.length > 0) {
    const bad2 = bad && isSessionUnknown(bad);
    results.push(
      result(
        obs,
        'fail',
        bad2 ? 'not-sticky' : 'message-loss',
        bad2
          ? `${unique.length} of ${count} events arrived: a follow-up request hit an origin instance that does not know the session (${describeAnswer(bad)})`
          : `${unique.length} of ${count} events arrived; missing seq ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? '…' : ''}${bad ? ` (${describeAnswer(bad)})` : ''}`,
        base,
      ),
    );
  } else if (outOfOrder || duplicates > 0) {
    results.push(result(obs, 'fail', 'reordered', `all ${count} events arrived, but ${outOfOrder ? 'out of order' : `${duplicates} twice`}`, base));
  } else {
    results.push(result(obs, 'pass', 'none', `all ${count} events arrived in order, none twice`, base));
  }

  // Latency: only streams can be held back by a buffer; polls are bounded by their own cadence.
  const t = summariseTiming(obs.arrivals.filter((a) => a.connection === obs.arrivals[0].connection), intervalMs);
  const threshold = bufferThresholdMs(intervalMs, ctx.baselineMaxLateMs);
  const lat = { ...t, thresholdMs: Math.round(threshold), intervalMs, timeline: timeline(obs.arrivals) };
  const latObs = { ...obs, check: 'latency' as const };
  const stream = obs.transport === 'sse' || obs.transport === 'websocket';
  if (!stream || t.maxLateMs <= threshold) {
    results.push(result(latObs, 'pass', 'none', `events arrived on schedule: p50 ${t.latencyP50Ms} ms, the worst ${t.maxLateMs} ms later than the best`, lat));
    return results;
  }
  const enc = obs.answers[0]?.headers?.['content-encoding'];
  const reason: Reason = enc ? 'compressed' : 'buffered';
  const cause = enc ? `the response is ${enc}-compressed and the compressor holds events until its block fills` : 'the response is buffered';
  // Whole-body buffering: nothing arrived until the response ended. A real
  // event stream never ends, so such a path delivers nothing at all.
  // Told by the first event having been held back for (nearly) the whole
  // schedule, and the response ending right after the last arrival.
  const firstEnd = obs.ends.find((e) => e.connection === obs.arrivals[0].connection);
  const conn0 = obs.arrivals.filter((a) => a.connection === obs.arrivals[0].connection);
  const spanMs = conn0.length > 1 ? conn0[conn0.length - 1].offsetMs - conn0[0].offsetMs : 0;
  const lastArrival = Math.max(...conn0.map((a) => a.arrivedMs));
  const atEnd = firstEnd !== undefined && spanMs > 0 && t.extraDelayMs[0] >= 0.8 * spanMs && firstEnd.atMs - lastArrival < 1000;
  if (atEnd) {
    results.push(
      result(latObs, 'fail', reason, `no event reached the client until the response ended ${s(firstEnd.atMs)} after the request, all ${unique.length} in one burst up to ${s(t.maxLateMs)} late: ${cause} until it completes, so an endless stream would deliver nothing`, lat),
    );
  } else {
    results.push(result(latObs, 'fail', reason, `events arrived in ${Math.max(1, t.bursts)} burst${t.bursts === 1 ? '' : 's'}, up to ${s(t.maxLateMs)} late: ${cause}`, lat));
  }
  return results;
}

// ───────────────────────────── idle & duration ─────────────────────────────

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
  return { cutAtMs: end.how === 'open' ? undefined : Math.round(end.atMs - since), how: end.how, code: end.code };
}

function describeCut(c: Cut, silentMs: number): string {
  if (c.how === 'open') return `nothing arrived for ${s(silentMs)} and the connection stayed open: the path dropped it silently (no FIN, no RST)`;
  const how = c.how === 'reset' ? 'reset (RST)' : c.how === 'error-status' ? `answered ${c.code}` : `closed${c.code !== undefined && c.code !== 'EOF' ? ` (${c.code})` : ''}`;
  return `the stream was ${how} ${s(c.cutAtMs ?? 0)} after it started`;
}

function gradeSilent(obs: Observation): CheckResult[] {
  const silentMs = obs.scenario?.silentMs ?? 0;
  const heartbeatMs = obs.scenario?.heartbeatMs;
  const duration = obs.check === 'duration';
  const what = duration ? `a stream kept busy with heartbeats every ${heartbeatMs} ms` : `a stream silent for ${s(silentMs)}`;
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError)];
  const survived = obs.arrivals.some((a) => a.seq === 2 && a.connection === 0);
  const reconnected = obs.answers.length > 1;
  const base = { silentMs, heartbeatMs, survived, timeline: timeline(obs.arrivals), reconnects: Math.max(0, obs.answers.length - 1) };
  if (survived) return [result(obs, 'pass', 'none', `${what} survived ${s(silentMs)}`, base)];
  if (!obs.arrivals.some((a) => a.seq === 1)) {
    const bad = firstBadAnswer(obs);
    if (bad) {
      const r = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
      return [result(obs, 'fail', r.reason, `no stream to keep open: ${r.detail}`, { ...base, ...answerEvidence(bad) })];
    }
    return [result(obs, 'fail', 'message-loss', `the first event never arrived, so the ${obs.check} check could not start`, base)];
  }
  const cut = findCut(obs);
  if (!cut) return [result(obs, 'fail', 'message-loss', `the second event never arrived`, base)];
  const reason: Reason = duration ? 'max-duration' : 'idle-timeout';
  const again = reconnected ? `; the client reconnected (${describeAnswer(obs.answers[1])})` : '';
  return [
    result(obs, 'fail', reason, `${what}: ${describeCut(cut, silentMs)}${again}`, {
      ...base,
      cutAtMs: cut.cutAtMs,
      how: cut.how === 'open' ? 'silent' : cut.how,
      code: cut.code,
      status: obs.answers[1]?.status,
    }),
  ];
}

// ───────────────────────────── hold (long-poll) ─────────────────────────────

function gradeHold(obs: Observation): CheckResult[] {
  const holdMs = (obs.extra?.holdMs as number | undefined) ?? obs.scenario?.holdMs ?? 0;
  const a = obs.answers[0];
  const base = { holdMs, answeredAtMs: a ? Math.round(a.atMs) : undefined, ...answerEvidence(a) };
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError, base)];
  if (isTesterRefusal(a)) return [result(obs, 'error', 'tester-error', 'nothing accepts connections at the target', base)];
  if (a?.status === 204 || a?.status === 200) {
    return [result(obs, 'pass', 'none', `a request held ${s(holdMs)} ended with the origin's ${a.status} after ${s(a.atMs)}`, base)];
  }
  if (isSessionUnknown(a)) return [result(obs, 'fail', 'not-sticky', failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length).detail, base)];
  const at = a ? s(a.atMs) : '?';
  if (a?.error?.code === 'TIMEOUT') {
    return [result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} never came back (nothing within ${s(obs.durationMs)}): the path dropped it silently`, { ...base, how: 'silent' })];
  }
  if (a?.error) {
    return [result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} was cut after ${at} (${a.error.code === 'ECONNRESET' ? 'reset' : 'closed'})`, { ...base, cutAtMs: Math.round(a.atMs), how: a.error.code === 'ECONNRESET' ? 'reset' : 'clean-close' })];
  }
  // A gateway status instead of the origin's 204 is the proxy cutting the
  // held request, whenever it came; any other early answer is one too.
  const gatewayCut = a?.status !== undefined && [502, 503, 504, 520, 522, 524].includes(a.status);
  const early = a !== undefined && (gatewayCut || a.atMs < holdMs * 0.9);
  if (early) {
    return [result(obs, 'fail', 'idle-timeout', `a request held ${s(holdMs)} was answered ${describeAnswer(a)} by the proxy after ${at}`, { ...base, cutAtMs: Math.round(a.atMs), how: 'error-status' })];
  }
  const r = failedAnswerReason(obs.transport, a, obs.seen, obs.answers.length);
  return [result(obs, 'fail', r.reason, r.detail, base)];
}

// ───────────────────────────── resume ─────────────────────────────

function gradeResume(obs: Observation): CheckResult[] {
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError)];
  const bad = firstBadAnswer(obs);
  if (obs.transport === 'short-poll' || obs.transport === 'long-poll') {
    const r = obs.extra?.resume as { returned?: number[] } | undefined;
    const returned = r?.returned ?? [];
    const base = { since: 2, returned, foreignChannel: obs.extra?.foreignChannel };
    if (obs.extra?.foreignChannel) return [result(obs, 'fail', 'cached', `a poll for one channel came back with another's data (${String(obs.extra.foreignChannel)}): a cache ignores the query string`, base)];
    if (bad && isSessionUnknown(bad)) return [result(obs, 'fail', 'not-sticky', failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length).detail, base)];
    if (returned.join() === '3,4') return [result(obs, 'pass', 'none', `a poll with since=2 returned exactly events 3 and 4`, base)];
    if (returned.length === 0 && bad) {
      const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
      return [result(obs, 'fail', f.reason, f.detail, base)];
    }
    return [result(obs, 'fail', 'no-resume', `a poll with since=2 returned [${returned.join(', ')}] instead of [3, 4]: the cursor did not reach the origin`, base)];
  }
  const count = obs.scenario?.count ?? 6;
  const seqs = obs.arrivals.map((a) => a.seq);
  const unique = [...new Set(seqs)];
  const duplicates = seqs.length - unique.length;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !unique.includes(n));
  const connections = (obs.extra?.connections as number | undefined) ?? 1;
  const base = { expected: count, received: unique.length, duplicates, missing, connections, timeline: timeline(obs.arrivals) };
  if (bad && isSessionUnknown(bad)) return [result(obs, 'fail', 'not-sticky', `the reconnect was refused: ${failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length).detail}`, base)];
  if (duplicates === 0 && missing.length === 0 && connections >= 2) {
    return [result(obs, 'pass', 'none', `the stream was cut after event 3 and the client resumed on a new connection with nothing lost or repeated`, base)];
  }
  if (duplicates > 0) {
    const header = obs.transport === 'sse' ? 'Last-Event-ID' : 'since';
    const reconnects = (obs.seen ?? []).slice(1);
    const stripped = obs.transport === 'sse' && reconnects.length > 0 && reconnects.every((r) => r.headers['last-event-id'] === undefined);
    const ev = stripped ? `: the reconnect reached the origin without its Last-Event-ID header` : '';
    return [result(obs, 'fail', 'no-resume', `after the cut the client got ${duplicates} event${duplicates === 1 ? '' : 's'} again — ${header} did not take effect${ev}`, { ...base, lastEventIdStripped: stripped })];
  }
  if (bad) {
    const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
    return [result(obs, 'fail', f.reason, `the reconnect failed: ${f.detail}`, base)];
  }
  return [result(obs, 'fail', missing.length ? 'message-loss' : 'no-resume', `after the cut ${unique.length} of ${count} events arrived${missing.length ? ` (missing ${missing.join(', ')})` : ''}`, base)];
}

// ───────────────────────────── large, echo, freshness ─────────────────────────────

function gradeLarge(obs: Observation): CheckResult[] {
  const bytes = obs.scenario?.payloadBytes ?? 0;
  const kib = `${Math.round(bytes / 1024)} KiB`;
  const got = obs.arrivals.find((a) => a.seq === 1);
  const echo = obs.extra?.echo as { echoedOk?: boolean; echoedBytes?: number } | undefined;
  const base = { payloadBytes: bytes, arrived: !!got, intact: got?.intact, echo };
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError, base)];
  const end = obs.ends.find((e) => e.how !== 'complete' && e.how !== 'open');
  if (got?.intact && (obs.transport !== 'websocket' || echo?.echoedOk)) {
    return [result(obs, 'pass', 'none', `a ${kib} event arrived whole${obs.transport === 'websocket' ? ` and a ${kib} binary frame echoed back whole` : ''} in ${s(got.arrivedMs)}`, base)];
  }
  const bad = firstBadAnswer(obs);
  if (bad && !got) {
    if (bad.status === 413) return [result(obs, 'fail', 'message-too-large', `the ${kib} event was refused: ${describeAnswer(bad)}`, base)];
    const f = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
    return [result(obs, 'fail', f.reason, f.detail, base)];
  }
  if (got && !got.intact) return [result(obs, 'fail', 'message-too-large', `the ${kib} event arrived damaged (${got.bytes} bytes)`, base)];
  const how = end ? `the connection was ${end.how === 'reset' ? 'reset' : 'closed'}${end.code !== undefined ? ` (${end.code}${end.detail ? ` ${end.detail}` : ''})` : ''} after ${s(end.atMs)}` : `nothing came back within ${s(obs.durationMs)}`;
  const part = got ? `the event arrived but the ${kib} frame did not echo back` : `the ${kib} event did not arrive`;
  return [result(obs, 'fail', 'message-too-large', `${part}: ${how}`, { ...base, closeCode: end?.code })];
}

function gradeEcho(obs: Observation): CheckResult[] {
  const echo = obs.extra?.echo as { textOk?: boolean; binaryOk?: boolean; textRttMs?: number; binaryRttMs?: number } | undefined;
  const base = { ...echo };
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError, base)];
  if (echo?.textOk && echo.binaryOk) return [result(obs, 'pass', 'none', `text and binary messages made the round trip in ${echo.textRttMs} / ${echo.binaryRttMs} ms`, base)];
  const a = obs.answers[0];
  if (!expectedOk('websocket', a)) {
    if (isTesterRefusal(a)) return [result(obs, 'error', 'tester-error', 'nothing accepts connections at the target', base)];
    const f = failedAnswerReason('websocket', a, obs.seen);
    return [result(obs, 'fail', f.reason, f.detail, { ...base, ...answerEvidence(a) })];
  }
  const end = obs.ends[0];
  return [
    result(obs, 'fail', 'message-loss', `the handshake succeeded (101) but ${echo?.textOk ? 'the binary' : echo?.binaryOk ? 'the text' : 'no'} message came back${end ? `; the connection ${end.how === 'open' ? 'stayed open, silent' : `ended (${end.how})`}` : ''}`, base),
  ];
}

function gradeFreshness(obs: Observation): CheckResult[] {
  const f = obs.extra?.freshness as { firstLast?: number; secondLast?: number; identical?: boolean; gapMs?: number } | undefined;
  const second = obs.answers[1];
  const cacheHeaders = { age: second?.headers?.age, xCache: second?.headers?.['x-cache'], cacheControl: second?.headers?.['cache-control'] };
  const base = { ...f, ...cacheHeaders };
  if (obs.testerError) return [result(obs, 'error', 'tester-error', obs.testerError, base)];
  const bad = firstBadAnswer(obs);
  if (bad) {
    const r = failedAnswerReason(obs.transport, bad, obs.seen, obs.answers.length);
    return [result(obs, 'fail', r.reason, r.detail, { ...base, ...answerEvidence(bad) })];
  }
  if (obs.extra?.foreignChannel) return [result(obs, 'fail', 'cached', `a poll came back with another channel's data: a cache ignores the query string`, base)];
  if (f && f.secondLast !== undefined && f.firstLast !== undefined && f.secondLast > f.firstLast) {
    return [result(obs, 'pass', 'none', `two polls ${f.gapMs} ms apart saw events up to ${f.firstLast} and then ${f.secondLast}`, base)];
  }
  const originSaw = (obs.seen ?? []).length;
  const evidence = [cacheHeaders.age ? `Age: ${cacheHeaders.age}` : '', cacheHeaders.xCache ? `X-Cache: ${cacheHeaders.xCache}` : '', obs.seen ? `the origin saw ${originSaw} of 2 requests` : ''].filter(Boolean).join(', ');
  return [result(obs, 'fail', 'cached', `two polls ${f?.gapMs ?? '?'} ms apart got the same answer (up to event ${f?.firstLast})${evidence ? `: ${evidence}` : ''} — a cache serves stale data`, base)];
}

// ───────────────────────────── dispatch ─────────────────────────────

export function gradeObservation(obs: Observation, ctx: GradeContext = {}): CheckResult[] {
  if (obs.testerError && obs.answers.length === 0) return [result(obs, 'error', 'tester-error', obs.testerError)];
  switch (obs.check) {
    case 'connect':
      return gradeConnect(obs);
    case 'delivery':
      return gradeDelivery(obs, ctx);
    case 'idle':
    case 'duration':
      return gradeSilent(obs);
    case 'hold':
      return gradeHold(obs);
    case 'resume':
      return gradeResume(obs);
    case 'large':
      return gradeLarge(obs);
    case 'echo':
      return gradeEcho(obs);
    case 'freshness':
      return gradeFreshness(obs);
    default:
      return [result(obs, 'error', 'tester-error', `no grader for check ${obs.check}`)];
  }
}

/** Reasons that make a cell unusable when its connect, echo or delivery fails. */
const PRIORITY: Reason[] = [
  'upgrade-rejected',
  'upgrade-stripped',
  'protocol-downgrade',
  'connection-limit',
  'not-sticky',
  'compressed',
  'buffered',
  'cached',
  'max-duration',
  'idle-timeout',
  'no-resume',
  'message-too-large',
  'message-loss',
  'reordered',
  'proxy-error',
];

const rank = (r: Reason): number => {
  const i = PRIORITY.indexOf(r);
  return i < 0 ? PRIORITY.length : i;
};

/**
 * A silent stream cut at about the same time with and without heartbeats is
 * a maximum lifetime, not an idle timeout; cut only without them, an idle
 * timeout that a heartbeat fixes.
 */
function reconcileIdleAndDuration(checks: CheckResult[]): void {
  const idle = checks.find((c) => c.id === 'idle');
  const dur = checks.find((c) => c.id === 'duration');
  if (!idle || !dur) return;
  if (idle.status === 'fail' && idle.reason === 'idle-timeout' && dur.status === 'fail' && dur.reason === 'max-duration') {
    const i = idle.measured.cutAtMs as number | undefined;
    const d = dur.measured.cutAtMs as number | undefined;
    if (i !== undefined && d !== undefined && d < 2 * i + 250) {
      idle.reason = 'max-duration';
      idle.detail += ' — with heartbeats it was cut at the same time, so this is a maximum lifetime, not idleness';
    } else if (i !== undefined && d !== undefined) {
      dur.reason = 'idle-timeout';
      dur.detail += ` — later than without heartbeats (${s(i)}): the heartbeats were slower than the idle timeout`;
    }
  }
}

export function gradeCell(transport: Transport, observations: Observation[], ctx: GradeContext = {}): Cell {
  const checks = observations.flatMap((o) => gradeObservation(o, ctx));
  reconcileIdleAndDuration(checks);
  const errors = checks.filter((c) => c.status === 'error');
  const fails = checks.filter((c) => c.status === 'fail');
  const byId = (id: string) => checks.find((c) => c.id === id);
  let verdict: Verdict = 'pass';
  let primary: CheckResult | undefined;

  if (errors.length > 0) {
    verdict = 'error';
    primary = errors[0];
  } else if (fails.length > 0) {
    const connect = byId('connect');
    const echo = byId('echo');
    const delivery = byId('delivery');
    const latency = byId('latency');
    const blocking = [connect, echo].find((c) => c?.status === 'fail');
    const nothingDelivered = delivery?.status === 'fail' && (delivery.measured.received as number) === 0;
    if (blocking) {
      verdict = 'fail';
      primary = blocking;
    } else if (nothingDelivered) {
      verdict = 'fail';
      primary = delivery;
    } else if (latency?.status === 'fail' && /until the response ended/.test(latency.detail)) {
      verdict = 'fail';
      primary = latency;
    } else {
      verdict = 'degraded';
      primary = [...fails].sort((a, b) => rank(a.reason) - rank(b.reason))[0];
    }
  }
  let reason: Reason = primary?.reason ?? 'none';
  let explanation = primary ? `${primary.id}: ${primary.detail}` : summaryOfPass(checks);

  // A refusal for capacity explains whatever else failed in the cell: the
  // transport works below the limit.
  const limited = checks.find((c) => c.reason === 'connection-limit');
  if (verdict !== 'error' && limited) {
    const refused = checks.filter((c) => c.reason === 'connection-limit').length;
    verdict = 'degraded';
    reason = 'connection-limit';
    explanation = `${limited.id}: ${limited.detail} (${refused} of ${checks.length} checks refused while the others held connections)`;
  }
  return { transport, verdict, reason: verdict === 'error' ? 'tester-error' : reason, explanation, checks };
}

/** The origin instances that answered a set of observations (X-Pushthrough-Instance). */
export function instancesSeen(observations: Observation[]): string[] {
  return [...new Set(observations.flatMap((o) => o.answers.map((a) => a.headers?.['x-pushthrough-instance']).filter((x): x is string => !!x)))].sort();
}

/**
 * Evidence about the whole setup, applied to each of its cells: one client's
 * requests through one path answered by several origin instances means the
 * balancer has no affinity, and per-instance state (cursors, sessions) is
 * lost. Judged over every transport's requests (dozens), not one cell's few,
 * so the verdict does not depend on how a handful of requests happened to fall.
 */
export function applySetupEvidence(cells: Cell[], observations: Observation[]): void {
  const instances = instancesSeen(observations);
  if (instances.length < 2) return;
  for (const cell of cells) {
    if (cell.verdict === 'pass' || (cell.verdict === 'degraded' && rank('not-sticky') < rank(cell.reason))) {
      const lost = cell.checks.find((c) => c.reason === 'not-sticky');
      cell.verdict = 'degraded';
      cell.reason = 'not-sticky';
      cell.explanation = lost
        ? `${lost.id}: ${lost.detail}`
        : `this client's requests were answered by ${instances.length} different origin instances (${instances.join(', ')}): without affinity, a reconnect or the next poll can land where its session is unknown`;
    }
    const connect = cell.checks.find((c) => c.id === 'connect');
    if (connect) connect.measured.instances = instances;
  }
}

function summaryOfPass(checks: CheckResult[]): string {
  const lat = checks.find((c) => c.id === 'latency');
  const p50 = lat?.measured.latencyP50Ms;
  return `every check passed (${checks.map((c) => c.id).join(', ')})${p50 !== undefined ? `; delivery p50 ${p50} ms` : ''}`;
}
