import { EventSource } from 'eventsource';
import { acceptsGzip } from '../../../../src/proxy/simulated/faults/compress';
import { deadline, probeId, readSse, seenAt, startStack, type Stack } from '../../../helpers/simulated';

// Events at 0, 150, 300, 450, 600 ms, then the stream ends.
const SSE = '/sse?count=5&intervalMs=150&close=1';

describe('compress', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('gzips an event stream and nothing is decodable until the stream ends', async () => {
    stack = await startStack([{ name: 'compress' }]);
    const rec = await readSse(stack.proxy.url, SSE, { deadlineMs: 5000, gzip: true });
    expect(rec.headers['content-encoding']).toBe('gzip');
    expect(rec.headers['vary']).toMatch(/accept-encoding/i);
    expect(rec.events).toHaveLength(5);
    // Every event came out of the decoder only at the end (~600 ms).
    expect(rec.eventsAtMs[0]).toBeGreaterThanOrEqual(500);
    expect(rec.eventsAtMs[4] - rec.eventsAtMs[0]).toBeLessThan(50);
  });

  it('with flushPerChunk every event is decodable on arrival', async () => {
    stack = await startStack([{ name: 'compress', params: { flushPerChunk: true } }]);
    const rec = await readSse(stack.proxy.url, SSE, { deadlineMs: 5000, gzip: true });
    expect(rec.headers['content-encoding']).toBe('gzip');
    expect(rec.events).toHaveLength(5);
    expect(rec.eventsAtMs[0]).toBeLessThan(300);
    expect(rec.eventsAtMs[4] - rec.eventsAtMs[0]).toBeGreaterThanOrEqual(450);
  });

  it('leaves the body alone for a client that does not accept gzip', async () => {
    stack = await startStack([{ name: 'compress' }]);
    const rec = await readSse(stack.proxy.url, SSE, { deadlineMs: 5000 });
    expect(rec.headers['content-encoding']).toBeUndefined();
    expect(rec.eventsAtMs[4] - rec.eventsAtMs[0]).toBeGreaterThanOrEqual(450);
  });

  it('affects Node fetch and the eventsource package, which send Accept-Encoding: gzip', async () => {
    stack = await startStack([{ name: 'compress' }]);
    const probe = probeId('compress-fetch');
    const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`);
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(((await r.json()) as { events: unknown[] }).events).toHaveLength(1);
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0].headers['accept-encoding']).toMatch(/gzip/);

    const started = Date.now();
    const es = new EventSource(`${stack.proxy.url}${SSE}`);
    try {
      const firstAt = await Promise.race([
        new Promise<number>((resolve) => es.addEventListener('message', () => resolve(Date.now() - started), { once: true })),
        deadline(5000, -1),
      ]);
      // The eventsource client saw its first event only when the stream ended.
      expect(firstAt).toBeGreaterThanOrEqual(500);
    } finally {
      es.close();
    }
  });

  it('reads Accept-Encoding like RFC 9110 §12.5.3', () => {
    expect(acceptsGzip('gzip, deflate')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
