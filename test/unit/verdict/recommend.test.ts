/** From measured limits to advice (pure). */
import { HEARTBEAT_CAP_MS, isDurationCap, recommend, type RecommendInput } from '../../../src/verdict/recommend';
import type { IdleLimit, LifetimeResult } from '../../../src/observation/limits';
import type { Cell } from '../../../src/verdict/types';

const idle = (transport: 'sse' | 'websocket', timeoutMs: number, extra: Partial<IdleLimit> = {}): IdleLimit => ({
  transport,
  outcome: 'cut',
  timeoutMs,
  survivedMs: Math.round(timeoutMs * 0.96),
  cutAtMs: timeoutMs,
  cutMeasured: true,
  how: 'close',
  searchedToMs: 120_000,
  rounds: 2,
  trials: [],
  ...extra,
});
const none = (transport: 'sse' | 'websocket'): IdleLimit => ({ transport, outcome: 'none', survivedMs: 120_000, searchedToMs: 120_000, rounds: 1, trials: [] });
const survived = (transport: 'sse' | 'websocket'): LifetimeResult => ({ transport, outcome: 'survived', heartbeatMs: 250, searchedToMs: 120_000 });
const cell = (transport: Cell['transport'], verdict: Cell['verdict'], reason: Cell['reason'] = 'none'): Cell => ({ transport, verdict, reason, explanation: '', checks: [] });

const base = (over: Partial<RecommendInput>): RecommendInput => ({
  idle: {},
  lifetime: {},
  largestMessage: {},
  concurrency: {},
  product: { evidence: [] },
  maxIdleMs: 120_000,
  maxStreams: 64,
  ...over,
});

it('nginx at its 60 s default: heartbeat 25 s (half, capped), hold 25 s, the nginx snippet in the fix', () => {
  const r = recommend(
    base({
      idle: { sse: idle('sse', 60_010), websocket: idle('websocket', 60_020) },
      lifetime: { sse: survived('sse'), websocket: survived('websocket') },
      product: { product: 'nginx', fixProduct: 'nginx', confidence: 'high', evidence: [] },
      cells: [cell('short-poll', 'pass'), cell('long-poll', 'pass'), cell('sse', 'pass'), cell('websocket', 'pass')],
    }),
  );
  expect(r.heartbeatMs).toBe(HEARTBEAT_CAP_MS);
  expect(r.longPollHoldMs).toBe(25_000);
  expect(r.notes[0]).toMatch(/heartbeat every 25 s: half the 60 s sse idle timeout measured \(the shorter of sse 60 s and websocket 60 s\), capped at 25 s/);
  const sseFix = r.fixes.find((f) => f.transport === 'sse' && f.reason === 'idle-timeout')!;
  expect(sseFix.fix.proxy?.product).toBe('nginx');
  expect(sseFix.fix.proxy?.snippet).toMatch(/proxy_read_timeout/);
  // A 45 s hold is fine with a 60 s timeout: no long-poll fix.
  expect(r.fixes.some((f) => f.transport === 'long-poll')).toBe(false);
  expect(r.transports.find((t) => t.transport === 'sse')).toEqual({ transport: 'sse', advice: 'use-with-care', why: 'passed the probe; idle timeout 60 s: comment line every 25 s' });
  expect(r.transports.find((t) => t.transport === 'short-poll')?.advice).toBe('use');
});

it('a 3 s idle timeout: heartbeat and long-poll hold half of it, a long-poll fix', () => {
  const r = recommend(base({ idle: { sse: idle('sse', 3002), websocket: idle('websocket', 2998) }, lifetime: { sse: survived('sse') } }));
  expect(r.heartbeatMs).toBe(1400);
  expect(r.heartbeatMs).toBeLessThan(2998);
  expect(r.longPollHoldMs).toBe(1400);
  expect(r.fixes.map((f) => `${f.transport}:${f.reason}`)).toEqual(['websocket:idle-timeout', 'sse:idle-timeout', 'long-poll:idle-timeout']);
  // Product unknown: the app-side fix only.
  expect(r.fixes[0].fix.proxy).toBeUndefined();
  expect(r.fixes[0].fix.app).toMatch(/every 1\.4 s \(half of the 3 s cut measured here\)/);
});

it('cut at the same time with heartbeats: a maximum duration, reconnect before it, no heartbeat advice', () => {
  const life: LifetimeResult = { transport: 'sse', outcome: 'cut', heartbeatMs: 250, searchedToMs: 120_000, cutAtMs: 15_020, how: 'reset' };
  expect(isDurationCap(idle('sse', 15_000), life)).toBe(true);
  const r = recommend(base({ idle: { sse: idle('sse', 15_000) }, lifetime: { sse: life }, product: { product: 'Envoy', fixProduct: 'envoy', confidence: 'high', evidence: [] } }));
  expect(r.heartbeatMs).toBeUndefined();
  expect(r.reconnectBeforeMs).toBe(12_000);
  expect(r.longPollHoldMs).toBe(7_500);
  expect(r.fixes.map((f) => `${f.transport}:${f.reason}`)).toEqual(['sse:max-duration', 'long-poll:max-duration']);
  expect(r.notes[0]).toMatch(/maximum duration, not an idle timeout/);
  expect(r.transports.find((t) => t.transport === 'sse')?.why).toMatch(/even with heartbeats: reconnect before 12 s/);
});

it('an idle timeout and, much later, a maximum duration: both', () => {
  const life: LifetimeResult = { transport: 'websocket', outcome: 'cut', heartbeatMs: 250, searchedToMs: 120_000, cutAtMs: 100_000, how: 'close' };
  const r = recommend(base({ idle: { websocket: idle('websocket', 30_000) }, lifetime: { websocket: life } }));
  expect(r.heartbeatMs).toBe(15_000);
  expect(r.reconnectBeforeMs).toBe(80_000);
});

it('nothing cut up to the maximum: still a heartbeat at the cap, and a 25 s hold', () => {
  const r = recommend(base({ idle: { sse: none('sse'), websocket: none('websocket') } }));
  expect(r.heartbeatMs).toBe(HEARTBEAT_CAP_MS);
  expect(r.longPollHoldMs).toBe(25_000);
  expect(r.fixes).toEqual([]);
  expect(r.notes[0]).toMatch(/no silent stream was cut up to 2 min/);
});

it('message and stream limits become advice and fixes', () => {
  const r = recommend(
    base({
      largestMessage: { websocket: { transport: 'websocket', outcome: 'limit', largestOkBytes: 63_800, smallestFailedBytes: 66_250, how: 'close', code: 1009, searchedToBytes: 16 << 20, trials: [] } },
      concurrency: { sse: { transport: 'sse', outcome: 'limit', accepted: 6, searchedTo: 64, refused: { how: 'status', status: 503 } } },
      cells: [cell('sse', 'pass'), cell('websocket', 'pass')],
    }),
  );
  expect(r.maxMessageBytes).toBe(63_800);
  expect(r.maxStreams).toBe(6);
  expect(r.fixes.map((f) => `${f.transport}:${f.reason}`)).toEqual(['websocket:message-too-large', 'sse:connection-limit']);
  expect(r.notes).toEqual(
    expect.arrayContaining(['websocket: messages up to 62.3 KiB passed, 64.7 KiB failed (close 1009).', 'sse: 6 simultaneous streams were accepted; the next was refused (HTTP 503).']),
  );
  expect(r.transports.find((t) => t.transport === 'websocket')?.why).toBe('passed the probe; messages up to 62.3 KiB');
});

it('a transport that failed the probe stays avoided; one that could not be measured says why', () => {
  const r = recommend(
    base({
      idle: { websocket: { transport: 'websocket', outcome: 'unknown', searchedToMs: 8000, rounds: 1, trials: [], error: 'no silent stream could be measured: the stream was answered 403' } },
      cells: [cell('websocket', 'fail', 'upgrade-rejected')],
    }),
  );
  expect(r.transports.find((t) => t.transport === 'websocket')).toEqual({ transport: 'websocket', advice: 'avoid', why: 'fail in the probe (upgrade-rejected)' });
  const noProbe = recommend(base({ idle: { websocket: { transport: 'websocket', outcome: 'unknown', searchedToMs: 8000, rounds: 1, trials: [], error: 'x' } } }));
  expect(noProbe.transports.find((t) => t.transport === 'websocket')?.advice).toBe('avoid');
});
