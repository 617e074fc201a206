import { readSse, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('bandwidth', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ name: 'bandwidth', params: { bytesPerSecond: 8000 } }]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('caps a response body at bytesPerSecond', async () => {
    const started = Date.now();
    // One event of ~12 KB: 1.5 s at 8000 B/s (the first 50 ms slice leaves at once).
    const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&payloadBytes=12000`);
    const body = await r.text();
    const tookMs = Date.now() - started;
    expect(body.length).toBeGreaterThan(12000);
    expect(tookMs).toBeGreaterThanOrEqual(1200);
    expect(tookMs).toBeLessThan(3000);
  });

  it('barely affects small events', async () => {
    const rec = await readSse(stack.proxy.url, '/sse?count=3&intervalMs=100&close=1', { deadlineMs: 3000 });
    expect(rec.events).toHaveLength(3);
    expect(rec.eventsAtMs[2] - rec.eventsAtMs[0]).toBeLessThan(400);
  });

  it('caps a WebSocket tunnel toward the client', async () => {
    const out = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    try {
      await out.client.next(2000); // event 1
      const sentAt = Date.now();
      out.ws.send(Buffer.alloc(8000, 1)); // echoed back through the 8000 B/s cap
      const echo = await out.client.next(4000);
      expect(echo?.length).toBe(8000);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(750);
    } finally {
      wsDispose(out.ws);
    }
  });
});
