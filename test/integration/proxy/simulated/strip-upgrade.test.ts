import { validateFaults } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, seenAt, startStack, wsConnect, type Stack } from '../../../helpers/simulated';

describe('strip-upgrade', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ name: 'strip-upgrade' }]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('forwards the handshake as a plain GET, so the client gets the origin answer (426)', async () => {
    const probe = probeId('strip-upgrade');
    const out = await wsConnect(stack.proxy.url, `/ws?probe=${probe}`);
    expect(out.kind).toBe('rejected');
    if (out.kind !== 'rejected') return;
    expect(out.status).toBe(426);
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', upgraded: false });
    expect(seen[0].headers['upgrade']).toBeUndefined();
    expect(String(seen[0].headers['connection'] ?? '')).not.toMatch(/upgrade/i);
    // The WebSocket-specific headers are end-to-end and still arrive.
    expect(seen[0].headers['sec-websocket-key']).toBeDefined();
  });

  it('leaves plain requests alone', async () => {
    const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`);
    expect(r.status).toBe(200);
  });

  it('takes no parameters', () => {
    expect(validateFaults([{ name: 'strip-upgrade' }])).toBeNull();
    expect(validateFaults([{ name: 'strip-upgrade', params: { keep: true } }])).toBe("faults[0] 'strip-upgrade': unknown parameter 'keep' (expected one of: none)");
  });
});
