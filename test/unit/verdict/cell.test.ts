/** Grading from recorded observations: no network, the timelines are data. */
import { gradeObservation, gradeTransport } from '../../../src/checks';
import { applySetupEvidence } from '../../../src/verdict/cell';
import { bufferThresholdMs } from '../../../src/verdict/thresholds';
import { summariseTiming } from '../../../src/verdict/timing';
import type { Arrival, Observation } from '../../../src/observation/types';

function stream(transport: 'sse' | 'websocket', arrivals: Array<[number, number]>, endAtMs: number, intervalMs = 250): Observation {
  const a: Arrival[] = arrivals.map(([offsetMs, arrivedMs], i) => ({ seq: i + 1, offsetMs, arrivedMs, bytes: 100, connection: 0, intact: true }));
  return {
    transport,
    check: 'delivery',
    startedAt: 0,
    durationMs: endAtMs + 10,
    scenario: { channel: 'c', count: arrivals.length, intervalMs },
    answers: [{ atMs: 3, status: transport === 'sse' ? 200 : 101, headers: { 'content-type': 'text/event-stream' } }],
    arrivals: a,
    ends: [{ atMs: endAtMs, how: 'complete', connection: 0 }],
  };
}

const onTime = (n: number, jitter: (i: number) => number = () => 0): Array<[number, number]> =>
  Array.from({ length: n }, (_, i) => [i * 250, i * 250 + 4 + jitter(i)]);

describe('latency: buffering is told from jitter and from constant delay', () => {
  it('on-time events pass, even with 150 ms of scheduling jitter', () => {
    const res = gradeObservation(stream('sse', onTime(8, (i) => (i % 3) * 75), 1760));
    expect(res.find((c) => c.id === 'latency')!.status).toBe('pass');
  });

  it('a constant 400 ms delay on every event is slow, not buffered', () => {
    const res = gradeObservation(stream('sse', onTime(8, () => 400), 2160));
    const lat = res.find((c) => c.id === 'latency')!;
    expect(lat.status).toBe('pass');
    expect(lat.measured.latencyP50Ms).toBeGreaterThanOrEqual(400);
  });

  it('everything released when the response ends is whole-body buffering: fail', () => {
    const arrivals: Array<[number, number]> = Array.from({ length: 8 }, (_, i) => [i * 250, 1755 + i * 0.2]);
    const cell = gradeTransport('sse', [stream('sse', arrivals, 1756)]);
    expect(cell.verdict).toBe('fail');
    expect(cell.reason).toBe('buffered');
    expect(cell.explanation).toMatch(/until the response ended/);
  });

  it('two bursts released mid-stream are buffering the app must handle: degraded', () => {
    const arrivals: Array<[number, number]> = Array.from({ length: 8 }, (_, i) => [i * 250, i < 4 ? 800 : 1800]);
    const cell = gradeTransport('sse', [stream('sse', arrivals, 2600)]);
    expect(cell.verdict).toBe('degraded');
    expect(cell.reason).toBe('buffered');
    expect(cell.explanation).toMatch(/2 bursts/);
  });

  it('a lost packet is a stall on the link, not a buffer: two events held 700 ms behind it, the rest on time, pass', () => {
    // Event 3 lost and retransmitted after 700 ms (RTO backoff); event 4 waited behind it in TCP's order.
    const arrivals = onTime(8).map(([o, a], i): [number, number] => [o, i === 2 ? o + 704 : i === 3 ? o + 454 : a]);
    const lat = gradeObservation(stream('sse', arrivals, 1760)).find((c) => c.id === 'latency')!;
    expect([lat.status, lat.reason, lat.measured.stall]).toEqual(['pass', 'none', true]);
    expect(lat.detail).toBe('a stall held back 2 of 8 events, up to 0.7 s; the rest came on schedule (p50 4 ms): a lost packet retransmitted on the link, not a buffer');
  });

  it('a buffer flushed every second holds most events back, whatever their number: buffered', () => {
    const arrivals: Array<[number, number]> = Array.from({ length: 8 }, (_, i) => [i * 250, (Math.floor((i * 250) / 1000) + 1) * 1000 + 4]);
    const cell = gradeTransport('sse', [stream('sse', arrivals, 2010)]);
    expect([cell.verdict, cell.reason]).toEqual(['degraded', 'buffered']);
  });

  it('a gzip-encoded buffered stream is reported as compressed', () => {
    const arrivals: Array<[number, number]> = Array.from({ length: 8 }, (_, i) => [i * 250, 1760]);
    const obs = stream('sse', arrivals, 1761);
    obs.answers[0].headers = { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' };
    expect(gradeTransport('sse', [obs]).reason).toBe('compressed');
  });

  it('the threshold widens with a noisy baseline, never below 600 ms', () => {
    expect(bufferThresholdMs(250)).toBe(625);
    expect(bufferThresholdMs(100)).toBe(600);
    expect(bufferThresholdMs(250, 500)).toBe(1250);
  });

  it('bursts are counted from arrival gaps against emit gaps', () => {
    const t = summariseTiming(
      Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, offsetMs: i * 250, arrivedMs: i < 3 ? 600 : 1400, bytes: 1, connection: 0, intact: true })),
      250,
    );
    expect(t.bursts).toBe(2);
    expect(t.largestBurst).toBe(3);
  });
});

describe('idle and duration', () => {
  const silent = (check: 'idle' | 'duration', cutAtMs: number | null, how: 'clean-close' | 'reset' | 'open' = 'clean-close'): Observation => ({
    transport: 'websocket',
    check,
    startedAt: 0,
    durationMs: 5000,
    scenario: { channel: 'c', count: 2, intervalMs: 4000, silentMs: 4000, heartbeatMs: check === 'duration' ? 250 : undefined },
    answers: [{ atMs: 2, status: 101 }],
    arrivals: [{ seq: 1, offsetMs: 0, arrivedMs: 5, bytes: 50, connection: 0, intact: true }, ...(cutAtMs === null ? [{ seq: 2, offsetMs: 4000, arrivedMs: 4005, bytes: 50, connection: 0, intact: true }] : [])],
    ends: cutAtMs === null ? [] : [{ atMs: cutAtMs + 5, how, connection: 0 }],
  });

  it('cut without heartbeats, kept with them: idle timeout with the measured cut', () => {
    const cell = gradeTransport('websocket', [silent('idle', 1000), silent('duration', null)]);
    expect([cell.verdict, cell.reason]).toEqual(['degraded', 'idle-timeout']);
    expect(cell.checks.find((c) => c.id === 'idle')!.measured.cutAtMs).toBe(1000);
  });

  it('cut at the same time with heartbeats: a maximum lifetime', () => {
    const cell = gradeTransport('websocket', [silent('idle', 1000), silent('duration', 1010)]);
    expect([cell.verdict, cell.reason]).toEqual(['degraded', 'max-duration']);
  });

  it('heartbeats that stop while nothing closes: a silent drop, at the time they stopped', () => {
    const obs = { ...silent('duration', 5000, 'open'), lastByteAtMs: 3005 };
    const res = gradeObservation(obs);
    expect([res[0].status, res[0].measured.how, res[0].measured.cutAtMs]).toEqual(['fail', 'silent', 3000]);
    expect(res[0].detail).toMatch(/its heartbeats stopped 3\.0 s after it started and the connection stayed open: the path dropped it silently at 3\.0 s \(no FIN, no RST\)/);
  });

  it('a WebSocket that answers the deadline ping but never gets its event lost the event; one that does not is dead', () => {
    const alive = gradeObservation({ ...silent('idle', 5000, 'open'), payload: { sentAtMs: 4600, pongAtMs: 4603 } });
    expect([alive[0].status, alive[0].reason]).toEqual(['fail', 'message-loss']);
    expect(alive[0].detail).toMatch(/answered a ping sent when it was overdue \(pong after 3 ms\): the event was lost on the way/);
    const dead = gradeObservation({ ...silent('idle', 5000, 'open'), payload: { sentAtMs: 4600 } });
    expect([dead[0].status, dead[0].reason, dead[0].measured.how]).toEqual(['fail', 'idle-timeout', 'silent']);
    expect(dead[0].detail).toMatch(/dropped it silently \(no FIN, no RST\); a ping sent when the event was overdue got no pong within 0\.4 s: the connection is dead$/);
  });

  it('nothing arrives and nothing closes: a silent drop', () => {
    const res = gradeObservation(silent('idle', 5000, 'open'));
    expect(res[0].reason).toBe('idle-timeout');
    expect(res[0].measured.how).toBe('silent');
    expect(res[0].detail).toMatch(/dropped it silently/);
  });
});

describe('a connection refused on the path', () => {
  const reset = (seen: Observation['seen']): Observation => ({
    transport: 'websocket',
    check: 'connect',
    startedAt: 0,
    durationMs: 3,
    answers: [{ atMs: 1, error: { code: 'ECONNRESET', message: 'read ECONNRESET' } }],
    arrivals: [],
    ends: [],
    seen,
  });

  it('reset before any answer, and the origin saw nothing: blocked (an egress firewall), fail, with the fix', () => {
    const cell = gradeTransport('websocket', [reset([])]);
    expect([cell.verdict, cell.reason]).toEqual(['fail', 'blocked']);
    expect(cell.explanation).toMatch(/an egress firewall that lets only some ports out/);
  });

  it('without knowing what reached the origin it stays a proxy error', () => {
    expect(gradeTransport('websocket', [reset(undefined)]).reason).toBe('proxy-error');
  });
});

describe('a tester problem is an error, never a fail', () => {
  it('connection refused at the target', () => {
    const obs: Observation = { transport: 'sse', check: 'connect', startedAt: 0, durationMs: 3, answers: [{ atMs: 1, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' } }], arrivals: [], ends: [] };
    const cell = gradeTransport('sse', [obs]);
    expect(cell.verdict).toBe('error');
    expect(cell.reason).toBe('tester-error');
  });

  it('a crashed check', () => {
    const obs: Observation = { transport: 'websocket', check: 'echo', startedAt: 0, durationMs: 1, answers: [], arrivals: [], ends: [], testerError: 'the echo check crashed: boom' };
    expect(gradeTransport('websocket', [obs]).verdict).toBe('error');
  });
});

describe('setup-level evidence: affinity', () => {
  const obs = (transport: 'sse' | 'websocket', instance: string): Observation => ({
    transport,
    check: 'connect',
    startedAt: 0,
    durationMs: 5,
    answers: [{ atMs: 2, status: transport === 'sse' ? 200 : 101, headers: { 'content-type': 'text/event-stream', 'x-pushthrough-instance': instance } }],
    arrivals: [],
    ends: [],
    payload: { opened: true },
  });

  it('one client answered by two origin instances: every passing cell is degraded, not-sticky', () => {
    const sse = gradeTransport('sse', [obs('sse', 'aaaa')]);
    const ws = gradeTransport('websocket', [obs('websocket', 'aaaa')]);
    expect([sse.verdict, ws.verdict]).toEqual(['pass', 'pass']);
    // The other instance showed up in another transport's requests only: still the same balancer.
    applySetupEvidence([sse, ws], [obs('sse', 'aaaa'), obs('websocket', 'bbbb')]);
    expect([sse.verdict, sse.reason, ws.verdict, ws.reason]).toEqual(['degraded', 'not-sticky', 'degraded', 'not-sticky']);
    expect(ws.explanation).toMatch(/2 different origin instances \(aaaa, bbbb\)/);
  });

  it('one instance only: nothing changes', () => {
    const sse = gradeTransport('sse', [obs('sse', 'aaaa')]);
    applySetupEvidence([sse], [obs('sse', 'aaaa'), obs('websocket', 'aaaa')]);
    expect(sse.verdict).toBe('pass');
  });
});
