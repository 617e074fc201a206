import { readSse, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('latency', () => {
  let direct: Stack;
  let delayed: Stack;
  beforeAll(async () => {
    direct = await startStack([]);
    delayed = await startStack([{ name: 'latency', params: { delayMs: 200 } }]);
  });
  afterAll(async () => {
    await delayed.close();
    await direct.close();
  });

  async function timedPoll(base: string): Promise<number> {
    const started = Date.now();
    const r = await fetch(`${base}/poll?count=1&intervalMs=10`);
    await r.text();
    return Date.now() - started;
  }

  it('adds delayMs each way to a request/response round trip', async () => {
    await timedPoll(direct.proxy.url); // warm-up
    const base = await timedPoll(direct.proxy.url);
    const slow = await timedPoll(delayed.proxy.url);
    // Request head + response head + body chunk: at least 2 × 200 ms more.
    expect(slow - base).toBeGreaterThanOrEqual(350);
    expect(slow - base).toBeLessThan(1500);
  });

  it('shifts a stream without slowing it', async () => {
    const rec = await readSse(delayed.proxy.url, '/sse?count=4&intervalMs=150&close=1', { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(4);
    // 200 ms for the request to get there, 200 ms for the first event to come back.
    expect(rec.eventsAtMs[0]).toBeGreaterThanOrEqual(350);
    const spread = rec.eventsAtMs[3] - rec.eventsAtMs[0];
    expect(spread).toBeGreaterThanOrEqual(350);
    expect(spread).toBeLessThan(700);
  });

  it('delays WebSocket messages both ways', async () => {
    const out = await wsConnect(delayed.proxy.url, '/ws?silentMs=5000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    try {
      expect(await out.client.next(2000)).toBeDefined(); // event 1
      const sentAt = Date.now();
      out.ws.send('ping-me');
      const echo = await out.client.next(3000);
      expect(String(echo)).toBe('ping-me');
      const rtt = Date.now() - sentAt;
      expect(rtt).toBeGreaterThanOrEqual(350);
      expect(rtt).toBeLessThan(1500);
    } finally {
      wsDispose(out.ws);
    }
  });
});
