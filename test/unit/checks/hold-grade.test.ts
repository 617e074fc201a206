/** The hold check's grade of a request that was never sent: not a silent drop of a held request. */
import { gradeObservation } from '../../../src/checks/registry';
import type { Observation } from '../../../src/observation/types';

const holdObs = (error: { code: string; message: string }): Observation => ({
  transport: 'long-poll',
  check: 'hold',
  startedAt: 0,
  durationMs: 11_500,
  scenario: { channel: 'c', count: 0, intervalMs: 0, holdMs: 5000 },
  answers: [{ atMs: 11_500, error }],
  arrivals: [],
  ends: [],
});

const holdOf = (obs: Observation) => gradeObservation(obs, {}).find((r) => r.id === 'hold')!;

it('a request never written (its connection or tunnel never stood) is blocked, not a held request dropped', () => {
  const r = holdOf(holdObs({ code: 'NOT_SENT', message: 'the request was not sent within 11500 ms' }));
  expect([r.status, r.reason, r.measured.how]).toEqual(['fail', 'blocked', 'not-sent']);
  expect(r.detail).toMatch(/could not even be sent \(the request was not sent within 11500 ms\)/);
});

it('a request sent and never answered is still the path dropping it silently', () => {
  const r = holdOf(holdObs({ code: 'TIMEOUT', message: 'no answer within 6500 ms of the request being sent' }));
  expect([r.status, r.reason, r.measured.how]).toEqual(['fail', 'idle-timeout', 'silent']);
});
