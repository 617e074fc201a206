import { validateFaults } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, seenAt, startStack, wsConnect, type Stack } from '../../../helpers/simulated';

describe('reject-upgrade', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers the handshake with 403 by default and never contacts the origin', async () => {
    stack = await startStack([{ name: 'reject-upgrade' }]);
    const probe = probeId('reject-upgrade');
    const out = await wsConnect(stack.proxy.url, `/ws?probe=${probe}`);
    expect(out.kind).toBe('rejected');
    if (out.kind !== 'rejected') return;
    expect(out.status).toBe(403);
    expect(out.body).toContain('403 Forbidden');
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(0);
  });

  it('uses the configured status, and plain requests still pass', async () => {
    stack = await startStack([{ name: 'reject-upgrade', params: { status: 426 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws');
    expect(out).toMatchObject({ kind: 'rejected', status: 426 });
    expect((await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`)).status).toBe(200);
  });

  it('validates its status', () => {
    expect(validateFaults([{ name: 'reject-upgrade', params: { status: 200 } }])).toBe("faults[0] 'reject-upgrade': status must be >= 400 (got 200)");
    expect(validateFaults([{ name: 'reject-upgrade', params: { status: '403' } }])).toBe("faults[0] 'reject-upgrade': status must be an integer (got \"403\")");
  });
});
