import { dechunk, rawGet, startStack, wsClosed, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('idle-timeout', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers 504 with an error page when no head comes within idleMs', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300 } }]);
    const rec = await rawGet(stack.proxy.url, '/long-poll?count=0&hold=3000', { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(504);
    expect(rec.body.toString()).toContain('504 Gateway Timeout');
    expect(rec.headAtMs).toBeGreaterThanOrEqual(240);
    expect(rec.headAtMs).toBeLessThan(600);
  });

  it('uses statusBeforeHeaders (Cloudflare 524)', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300, statusBeforeHeaders: 524 } }]);
    const r = await fetch(`${stack.proxy.url}/long-poll?count=0&hold=3000`);
    expect(r.status).toBe(524);
  });

  it('closes a silent stream (FIN, no terminating chunk) idleMs after its last byte', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 400, afterHeaders: 'close' } }]);
    // One event at once, the next only after 3 s.
    const rec = await rawGet(stack.proxy.url, '/sse?silentMs=3000', { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('fin');
    const lastByteAt = rec.chunkAtMs[rec.chunkAtMs.length - 1];
    expect(rec.endAtMs - lastByteAt).toBeGreaterThanOrEqual(320);
    expect(rec.endAtMs - lastByteAt).toBeLessThan(800);
    expect(rec.body.toString()).not.toContain('\r\n0\r\n\r\n');
    expect(dechunk(rec.body).toString()).toContain('"seq":1');
  });

  it('resets a silent stream when afterHeaders is reset', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300, afterHeaders: 'reset' } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?silentMs=3000', { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('reset');
    expect(rec.error).toBe('ECONNRESET');
    expect(rec.endAtMs).toBeLessThan(700);
  });

  it('drops silently: nothing more arrives and nothing closes', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300, afterHeaders: 'drop' } }]);
    // Event 1 at once, event 2 at 600 ms: after the drop at ~300 ms it must not arrive.
    const rec = await rawGet(stack.proxy.url, '/sse?silentMs=600', { deadlineMs: 1500 });
    expect(rec.status).toBe(200);
    expect(rec.how).toBe('deadline');
    const text = dechunk(rec.body).toString();
    expect(text).toContain('"seq":1');
    expect(text).not.toContain('"seq":2');
    // The proxy itself is fine: another request is served.
    expect((await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`)).status).toBe(200);
  });

  it('with beforeHeaders cut, a held request is dropped silently too (a NAT cannot answer 504)', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300, beforeHeaders: 'cut', afterHeaders: 'drop' } }]);
    // The origin would answer 204 at 800 ms; the dropped flow must deliver nothing and close nothing.
    const rec = await rawGet(stack.proxy.url, '/long-poll?count=0&hold=800', { deadlineMs: 1500 });
    expect(rec.how).toBe('deadline');
    expect(rec.status).toBeUndefined();
    expect(rec.body.length).toBe(0);
  });

  it('lets a stream with regular bytes live past idleMs', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300 } }]);
    const rec = await rawGet(stack.proxy.url, '/sse?count=8&intervalMs=100&close=1', { deadlineMs: 3000, untilComplete: true });
    expect(rec.how).toBe('end');
    expect((dechunk(rec.body).toString().match(/"seq"/g) ?? []).length).toBe(8);
  });

  it('closes an idle WebSocket tunnel (1006, no close frame)', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const closed = await wsClosed(out.ws, 2000);
    expect(closed.how).toBe('closed');
    expect(closed.code).toBe(1006);
    expect(closed.atMs).toBeGreaterThanOrEqual(200);
    expect(closed.atMs).toBeLessThan(700);
  });

  it('keeps a WebSocket open while pings flow, even with no data messages', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    // Client pings (the origin answers pongs): bytes both ways every 100 ms.
    const pinger = setInterval(() => out.ws.ping(), 100);
    try {
      const closed = await wsClosed(out.ws, 900);
      expect(closed.how).toBe('deadline');
    } finally {
      clearInterval(pinger);
      wsDispose(out.ws);
    }
  });

  it('drops a WebSocket tunnel silently: no close, and echoes stop', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 300, afterHeaders: 'drop' } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    expect(await out.client.next(1000)).toBeDefined(); // event 1
    // After the drop nothing is forwarded: a message sent later is never echoed.
    const closed = wsClosed(out.ws, 1200);
    setTimeout(() => out.ws.send('anyone there?'), 600).unref();
    expect(await out.client.next(1200)).toBeUndefined();
    expect((await closed).how).toBe('deadline');
    // Closing the proxy ends even a dropped connection, at once.
    const ended = wsClosed(out.ws, 2000);
    await stack.close();
    stack = undefined;
    const c = await ended;
    expect(c.how).toBe('closed');
    expect(c.atMs).toBeLessThan(1000);
  });
});
