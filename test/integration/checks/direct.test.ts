/**
 * Direct: the real origin on an OS-chosen port, the real clients, no proxy.
 * Every transport must pass every check — the baseline the tool stands on.
 */
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';
import { closeAgents } from '../../../src/client/http';
import { TRANSPORTS } from '../../../src/observation/types';

let origin: RunningOrigin;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterAll(async () => {
  await origin.close();
  await closeAgents();
});

const options = { ...DEFAULT_PROBE_OPTIONS, idleMs: 1500, holdMs: 1500 };

describe.each(TRANSPORTS)('%s straight to the origin', (transport) => {
  it('passes every check, with measured evidence', async () => {
    const observations = await probeTransport({ target: { baseUrl: origin.url }, transport, options, originUrl: origin.url });
    const cell = gradeTransport(transport, observations);
    const failing = cell.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`);
    expect(failing).toEqual([]);
    expect(cell.verdict).toBe('pass');
    expect(cell.reason).toBe('none');
    const delivery = cell.checks.find((c) => c.id === 'delivery')!;
    expect(delivery.measured.received).toBe(options.deliveryCount);
    const connect = cell.checks.find((c) => c.id === 'connect')!;
    expect(connect.measured.status).toBe(transport === 'websocket' ? 101 : 200);
  });
});
