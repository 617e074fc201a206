import { validateFaults } from '../../../../src/proxy/simulated/simulated-proxy';
import { logged, readSse, startStack, type Stack } from '../../../helpers/simulated';

/** Arrival times grouped into bursts (events less than 40 ms apart belong together). */
function bursts(times: number[]): number[][] {
  const out: number[][] = [];
  for (const t of times) {
    const last = out[out.length - 1];
    if (last && t - last[last.length - 1] < 40) last.push(t);
    else out.push([t]);
  }
  return out;
}

describe('buffer', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  // Events at 0, 150, 300, 450 ms, then the stream ends.
  const SSE = '/sse?count=4&intervalMs=150&close=1';

  it('until-end holds head and body until the response ends', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'until-end' } }]);
    const rec = await readSse(stack.proxy.url, SSE, { deadlineMs: 5000 });
    expect(rec.status).toBe(200);
    expect(rec.events).toHaveLength(4);
    // The head itself waited for the end (lighttpd stream-response-body 0).
    expect(rec.headAtMs).toBeGreaterThanOrEqual(400);
    expect(bursts(rec.eventsAtMs)).toHaveLength(1);
  });

  it('bytes mode passes blocks of maxBytes, the head at once', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'bytes', maxBytes: 4096 } }]);
    // ~1.6 KB per event: the first block of 4096 bytes is complete after the 3rd event.
    const rec = await readSse(stack.proxy.url, '/sse?count=6&intervalMs=150&payloadBytes=1500&close=1', { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(6);
    expect(rec.headAtMs).toBeLessThan(150);
    expect(rec.eventsAtMs[0]).toBeGreaterThanOrEqual(250);
    const groups = bursts(rec.eventsAtMs);
    expect(groups.length).toBeGreaterThanOrEqual(2);
    expect(groups.length).toBeLessThan(6);
  });

  it('small events wait for the end in bytes mode (nginx proxy_buffering)', async () => {
    stack = await startStack([{ name: 'buffer' }]);
    const rec = await readSse(stack.proxy.url, SSE, { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(4);
    expect(rec.eventsAtMs[0]).toBeGreaterThanOrEqual(400);
    expect(bursts(rec.eventsAtMs)).toHaveLength(1);
  });

  it('interval mode flushes every flushMs', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'interval', flushMs: 300 } }]);
    const rec = await readSse(stack.proxy.url, '/sse?count=7&intervalMs=100&close=1', { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(7);
    const groups = bursts(rec.eventsAtMs);
    // 7 events over 600 ms, flushed every 300 ms: a few batches, not 7 singles, not 1 lump.
    expect(groups.length).toBeGreaterThanOrEqual(2);
    expect(groups.length).toBeLessThanOrEqual(4);
  });

  it('X-Accel-Buffering: no turns buffering off and is hidden from the client', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'until-end' } }]);
    const rec = await readSse(stack.proxy.url, `${SSE}&noBuffering=1`, { deadlineMs: 5000 });
    expect(rec.events).toHaveLength(4);
    expect(rec.eventsAtMs[3] - rec.eventsAtMs[0]).toBeGreaterThanOrEqual(300);
    expect(rec.headers['x-accel-buffering']).toBeUndefined();
  });

  it('without honorAccelBuffering the header changes nothing and reaches the client', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'until-end', honorAccelBuffering: false } }]);
    const rec = await readSse(stack.proxy.url, `${SSE}&noBuffering=1`, { deadlineMs: 5000 });
    expect(bursts(rec.eventsAtMs)).toHaveLength(1);
    expect(rec.headers['x-accel-buffering']).toBe('no');
  });

  it('validates mode and sizes', () => {
    expect(validateFaults([{ name: 'buffer', params: { mode: 'all' } }])).toBe(
      `faults[0] 'buffer': mode must be one of "until-end", "bytes", "interval" (got "all")`,
    );
    expect(validateFaults([{ name: 'buffer', params: { flushMs: -1 } }])).toBe("faults[0] 'buffer': flushMs must be >= 0 (got -1)");
  });

  it('is bounded: past maxHeldBytes an endless stream flows on, and the proxy log says so', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'until-end', maxHeldBytes: 4096 } }]);
    // An endless stream of 1 KiB events: until-end would hold it for ever.
    const rec = await readSse(stack.proxy.url, '/sse?intervalMs=50&payloadBytes=1024', { deadlineMs: 1500 });
    expect(rec.events.length).toBeGreaterThan(5);
    // The first few came in one lump (the held 4 KiB), the rest one by one.
    expect(bursts(rec.eventsAtMs).length).toBeGreaterThan(2);
    await logged(stack.proxy, /buffer: held 4096 bytes, the most one response may hold \(maxHeldBytes\): streaming the rest/);
  });

  it('is bounded as a whole: past maxHeldTotalBytes the next response flows on too', async () => {
    stack = await startStack([{ name: 'buffer', params: { mode: 'until-end', maxHeldBytes: 1_000_000, maxHeldTotalBytes: 8192 } }]);
    // Two endless streams of 1 KiB events: together they pass 8 KiB long before either passes 1 MB.
    const [a, b] = await Promise.all([
      readSse(stack.proxy.url, '/sse?intervalMs=50&payloadBytes=1024', { deadlineMs: 1500 }),
      readSse(stack.proxy.url, '/sse?intervalMs=50&payloadBytes=1024', { deadlineMs: 1500 }),
    ]);
    expect(a.events.length + b.events.length).toBeGreaterThan(5);
    await logged(stack.proxy, /buffer: all responses together hold \d+ bytes, the most this proxy holds \(maxHeldTotalBytes 8192\)/);
  });
});
