/** The latency check's margin: a cell that spoke HTTP/2 is held to the run's HTTP/2 baseline, any other to the plain one. */
import { gradeObservation } from '../../../src/checks/registry';
import type { Observation } from '../../../src/observation/types';

/** Eight SSE events 250 ms apart, on time, over HTTP/1.1 or HTTP/2. */
function delivery(http: 'h1' | 'h2'): Observation {
  const arrivals = Array.from({ length: 8 }, (_, i) => ({ seq: i + 1, offsetMs: i * 250, arrivedMs: 5 + i * 250, bytes: 16, connection: 0, intact: true }));
  return { transport: 'sse', check: 'delivery', startedAt: 0, durationMs: 2200, scenario: { channel: 'c', count: 8, intervalMs: 250 }, answers: [{ atMs: 2, status: 200 }], arrivals, ends: [{ atMs: 2100, how: 'complete', connection: 0 }], protocol: { tls: true, http } };
}

const thresholdOf = (obs: Observation, ctx: Parameters<typeof gradeObservation>[1]): unknown => gradeObservation(obs, ctx).find((r) => r.id === 'latency')?.measured.thresholdMs;

it('an HTTP/2 cell takes the HTTP/2 baseline, an HTTP/1.1 cell the plain one', () => {
  const ctx = { baselineMaxLateMs: 100, baselineMaxLateMsH2: 400 };
  expect(thresholdOf(delivery('h2'), ctx)).toBe(1050);
  expect(thresholdOf(delivery('h1'), ctx)).toBe(625);
  // Without an HTTP/2 baseline in the run, the plain one applies to every cell.
  expect(thresholdOf(delivery('h2'), { baselineMaxLateMs: 100 })).toBe(625);
});
