import { rawGet, startStack, wsClosed, wsConnect, type Stack } from '../../../helpers/simulated';

describe('max-duration', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('ends a busy stream maxMs after the request (FIN)', async () => {
    stack = await startStack([{ name: 'max-duration', params: { maxMs: 500 } }]);
    // An event every 100 ms: an idle timer would never fire, this one does.
    const rec = await rawGet(stack.proxy.url, '/sse?intervalMs=100', { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('fin');
    expect(rec.endAtMs).toBeGreaterThanOrEqual(400);
    expect(rec.endAtMs).toBeLessThan(1000);
  });

  it('resets instead when how is reset', async () => {
    stack = await startStack([{ name: 'max-duration', params: { maxMs: 400, how: 'reset' } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?intervalMs=100', { deadlineMs: 3000 });
    expect(rec.how).toBe('reset');
    expect(rec.endAtMs).toBeGreaterThanOrEqual(320);
    expect(rec.endAtMs).toBeLessThan(800);
  });

  it('answers 504 when no head came before maxMs (Envoy "upstream request timeout")', async () => {
    stack = await startStack([{ name: 'max-duration', params: { maxMs: 400 } }]);
    const rec = await rawGet(stack.proxy.url, '/long-poll?count=0&hold=3000', { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(504);
    expect(rec.headAtMs).toBeGreaterThanOrEqual(320);
    expect(rec.headAtMs).toBeLessThan(800);
  });

  it('ends a busy WebSocket tunnel', async () => {
    stack = await startStack([{ name: 'max-duration', params: { maxMs: 500 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?intervalMs=100');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const closed = await wsClosed(out.ws, 3000);
    expect(closed.how).toBe('closed');
    expect(closed.code).toBe(1006);
    expect(out.atMs + closed.atMs).toBeGreaterThanOrEqual(400);
    expect(out.atMs + closed.atMs).toBeLessThan(1000);
  });

  it('does not touch responses that finish in time', async () => {
    stack = await startStack([{ name: 'max-duration', params: { maxMs: 500 } }]);
    const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { events: unknown[] }).events).toHaveLength(1);
  });
});
