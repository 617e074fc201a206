/**
 * The latency check tells a buffer (events held back to go with later ones:
 * they arrive together) from a slow path (each event alone, later and later).
 */
import { gradeObservation } from '../../../src/checks/registry';
import type { Observation } from '../../../src/observation/types';

function sse(arrivedMs: number[], headers: Record<string, string> = {}): Observation {
  const arrivals = arrivedMs.map((at, i) => ({ seq: i + 1, offsetMs: i * 250, arrivedMs: at, bytes: 16, connection: 0, intact: true }));
  return { transport: 'sse', check: 'delivery', startedAt: 0, durationMs: 5000, scenario: { channel: 'c', count: arrivedMs.length, intervalMs: 250 }, answers: [{ atMs: 2, status: 200, headers }], arrivals, ends: [] };
}

const latencyOf = (obs: Observation) => gradeObservation(obs, { baselineMaxLateMs: 20 }).find((r) => r.id === 'latency')!;

it('events that each came alone but later and later are a slow or starved path, and the detail says they fell behind', () => {
  // Measured: nginx-gzip-sse with 64 setups at once and the origin in the same starved process.
  const r = latencyOf(sse([399, 808, 1283, 2617, 3275, 3673, 3931, 4105], { 'content-encoding': 'gzip' }));
  expect([r.status, r.measured.slow, r.measured.caughtUp]).toEqual(['pass', true, false]);
  expect(r.detail).toMatch(/on its own \(174 ms apart at the closest\), up to 2\.0 s late .*falling further behind: the path forwarded them slower than they were emitted/);
});

it('events held back and let go in one write stay a buffer however late the stream ends', () => {
  const r = latencyOf(sse([1010, 1012, 1014, 1016, 1018, 2600, 2602, 2604], { 'content-encoding': 'gzip' }));
  expect([r.status, r.reason]).toEqual(['fail', 'compressed']);
});

it('a stream that started late and caught up, each event alone, is no buffer either', () => {
  // Measured: nginx-gzip-sse as the full matrix started on 2 cores; the first 0.8 s late, then 339 … 55 ms apart.
  const r = latencyOf(sse([763, 1102, 1290, 1448, 1584, 1672, 1742, 1797], { 'content-encoding': 'gzip' }));
  expect([r.status, r.measured.slow, r.measured.tightestGapMs]).toEqual(['pass', true, 55]);
  expect(r.measured.caughtUp).toBe(true);
  expect(r.detail).toMatch(/on its own \(55 ms apart at the closest\), up to 0\.8 s late .*and the stream caught up: a slow start/);
});

it('events held back and let go together are a buffer, compressed or not', () => {
  // The first four held until the fifth, then the rest held until the end of the schedule.
  const held = [1010, 1012, 1014, 1016, 1018, 1900, 1902, 1904];
  const gz = latencyOf(sse(held, { 'content-encoding': 'gzip' }));
  expect([gz.status, gz.reason]).toEqual(['fail', 'compressed']);
  const plain = latencyOf(sse(held));
  expect([plain.status, plain.reason]).toEqual(['fail', 'buffered']);
  expect(plain.measured.largestBurst).toBe(5);
});
