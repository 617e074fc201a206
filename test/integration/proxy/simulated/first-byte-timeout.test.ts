import { dechunk, rawGet, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('first-byte-timeout', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers the status when the origin sends no head within timeoutMs (Heroku H12)', async () => {
    stack = await startStack([{ name: 'first-byte-timeout', params: { timeoutMs: 400, status: 503 } }]);
    const rec = await rawGet(stack.proxy.url, '/long-poll?count=0&hold=3000', { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(503);
    expect(rec.body.toString()).toContain('503 Service Unavailable');
    expect(rec.headAtMs).toBeGreaterThanOrEqual(320);
    expect(rec.headAtMs).toBeLessThan(800);
  });

  it('lets a long poll answered in time through', async () => {
    stack = await startStack([{ name: 'first-byte-timeout', params: { timeoutMs: 600 } }]);
    const r = await fetch(`${stack.proxy.url}/long-poll?count=0&hold=200`);
    expect(r.status).toBe(204);
  });

  it('does nothing once the head came: a silent stream lives on', async () => {
    stack = await startStack([{ name: 'first-byte-timeout', params: { timeoutMs: 300 } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?silentMs=800&close=1', { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('end');
    expect(dechunk(rec.body).toString()).toContain('"seq":2');
  });

  it('lets a WebSocket handshake answered in time through', async () => {
    stack = await startStack([{ name: 'first-byte-timeout', params: { timeoutMs: 300 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind === 'open') wsDispose(out.ws);
  });
});
