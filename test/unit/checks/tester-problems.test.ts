/**
 * What the tester got wrong is an `error` cell with the fix in its reason,
 * never a transport `fail`: a refused first connection, or a certificate the
 * client was not told to trust.
 */
import { gradeObservation, gradeTransport } from '../../../src/checks/registry';
import type { CheckId, Observation, Transport } from '../../../src/observation/types';

function failedFirst(transport: Transport, check: CheckId, code: string, message: string): Observation {
  return { transport, check, startedAt: 0, durationMs: 40, answers: [{ atMs: 35, error: { code, message } }], arrivals: [], ends: [] };
}

it.each([
  ['sse', 'connect'],
  ['sse', 'delivery'],
  ['websocket', 'idle'],
  ['long-poll', 'hold'],
  ['websocket', 'echo'],
] as const)('an untrusted certificate on %s %s is the tester’s error, naming --ca and --insecure', (transport, check) => {
  const [r] = gradeObservation(failedFirst(transport, check, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'));
  expect(r).toMatchObject({ id: check, status: 'error', reason: 'tester-error' });
  expect(r.detail).toMatch(/does not trust the certificate.*UNABLE_TO_VERIFY_LEAF_SIGNATURE.*--ca FILE.*--insecure/);
});

it('nothing accepting connections is the tester’s error for every check, and the cell is an error', () => {
  const obs = (['connect', 'delivery', 'idle', 'duration'] as const).map((c) => failedFirst('sse', c, 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'));
  const cell = gradeTransport('sse', obs);
  expect(cell).toMatchObject({ verdict: 'error', reason: 'tester-error' });
  expect(cell.checks.every((c) => c.status === 'error' && /nothing accepts connections/.test(c.detail))).toBe(true);
});

it('a reset before any answer is the path’s doing, not the tester’s', () => {
  const [r] = gradeObservation({ ...failedFirst('sse', 'connect', 'ECONNRESET', 'socket hang up'), seen: [] });
  expect(r).toMatchObject({ status: 'fail', reason: 'blocked' });
});

describe('a forward proxy that refuses CONNECT', () => {
  const refused = (status: number): Observation => ({
    ...failedFirst('sse', 'connect', 'CONNECT_REFUSED', `the forward proxy refused CONNECT (HTTP ${status})`),
    seen: [],
  });

  it('by policy (403): blocked, naming the 443-only habit', () => {
    const [r] = gradeObservation(refused(403));
    expect(r).toMatchObject({ status: 'fail', reason: 'blocked' });
    expect(r.detail).toMatch(/HTTP 403.*443 only/);
  });

  it('because it cannot reach the origin (502): the proxy’s error, not a policy', () => {
    const [r] = gradeObservation(refused(502));
    expect(r).toMatchObject({ status: 'fail', reason: 'proxy-error' });
    expect(r.detail).toMatch(/could not reach the origin/);
  });

  it('because it wants credentials (407): the tester’s error, naming how to give them', () => {
    const [r] = gradeObservation(refused(407));
    expect(r).toMatchObject({ status: 'error', reason: 'tester-error' });
    expect(r.detail).toMatch(/--via http:\/\/user:password@host:port/);
  });
});
