import { validateFaults } from '../../../../src/proxy/simulated/simulated-proxy';
import { dechunk, rawGet, startStack, wsClosed, wsConnect, type Stack } from '../../../helpers/simulated';

describe('reset', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('resets a stream afterMs after the request (ECONNRESET, not FIN)', async () => {
    stack = await startStack([{ name: 'reset', params: { afterMs: 400 } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?intervalMs=100', { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('reset');
    expect(rec.error).toBe('ECONNRESET');
    expect(rec.endAtMs).toBeGreaterThanOrEqual(320);
    expect(rec.endAtMs).toBeLessThan(800);
  });

  it('resets after afterBytes of response body', async () => {
    stack = await startStack([{ name: 'reset', params: { afterBytes: 2000 } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?intervalMs=50&payloadBytes=300', { deadlineMs: 3000 });
    expect(rec.how).toBe('reset');
    // No more than the budget (plus chunk framing) got through before the RST.
    expect(dechunk(rec.body).length).toBeLessThanOrEqual(2000);
  });

  it('resets a WebSocket tunnel after afterBytes either way (1006)', async () => {
    stack = await startStack([{ name: 'reset', params: { afterBytes: 600 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const closed = wsClosed(out.ws, 3000);
    out.ws.send(Buffer.alloc(1000, 7));
    const c = await closed;
    expect(c.how).toBe('closed');
    expect(c.code).toBe(1006);
  });

  it('needs afterBytes or afterMs', () => {
    expect(validateFaults([{ name: 'reset' }])).toBe("faults[0] 'reset': params: expected afterBytes and/or afterMs");
    expect(validateFaults([{ name: 'reset', params: { afterMs: 0 } }])).toBeNull();
  });
});
