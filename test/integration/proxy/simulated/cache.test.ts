import { storableTtlMs } from '../../../../src/proxy/simulated/faults/cache';
import { deadline, logged, probeId, readSse, seenAt, startStack, type Stack } from '../../../helpers/simulated';

describe('cache', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function poll(url: string): Promise<{ status: number; xCache: string | null; age: string | null; body: string }> {
    const r = await fetch(url);
    return { status: r.status, xCache: r.headers.get('x-cache'), age: r.headers.get('age'), body: await r.text() };
  }

  it('serves a repeated poll from cache (X-Cache: HIT, Age) without asking the origin', async () => {
    stack = await startStack([{ name: 'cache', params: { ttlMs: 60_000 } }]);
    const probe = probeId('cache-hit');
    const url = `${stack.proxy.url}/poll?channel=${probe}&intervalMs=50&probe=${probe}`;
    const first = await poll(url);
    const second = await poll(url);
    expect(first).toMatchObject({ status: 200, xCache: 'MISS' });
    expect(second).toMatchObject({ status: 200, xCache: 'HIT', age: '0' });
    // A stale copy: the channel moved on, the answer did not.
    expect(second.body).toBe(first.body);
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(1);
  });

  it('keys on the query unless ignoreQuery', async () => {
    stack = await startStack([{ name: 'cache', params: { ttlMs: 60_000, ignoreQuery: true } }]);
    const probe = probeId('cache-query');
    await poll(`${stack.proxy.url}/poll?since=0&probe=${probe}`);
    const other = await poll(`${stack.proxy.url}/poll?since=5&probe=${probe}`);
    expect(other.xCache).toBe('HIT');
  });

  it('expires entries after ttlMs', async () => {
    stack = await startStack([{ name: 'cache', params: { ttlMs: 300 } }]);
    const probe = probeId('cache-ttl');
    const url = `${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`;
    await poll(url);
    expect((await poll(url)).xCache).toBe('HIT');
    await deadline(450, null); // the TTL itself is what is under test
    expect((await poll(url)).xCache).toBe('MISS');
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(2);
  });

  it('honours Cache-Control: no-store', async () => {
    stack = await startStack([{ name: 'cache' }]);
    const probe = probeId('cache-nostore');
    const url = `${stack.proxy.url}/poll?count=1&intervalMs=10&noStore=1&probe=${probe}`;
    await poll(url);
    expect((await poll(url)).xCache).toBe('MISS');
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(2);
  });

  it('does not cache an event stream that says no-cache', async () => {
    stack = await startStack([{ name: 'cache' }]);
    const path = `/sse?channel=${probeId('cache-sse')}&count=2&intervalMs=50&close=1`;
    await readSse(stack.proxy.url, path, { deadlineMs: 3000 });
    const again = await readSse(stack.proxy.url, path, { deadlineMs: 3000 });
    expect(again.headers['x-cache']).toBe('MISS');
  });

  it('with ignoreCacheControl a cached stream is a recording delivered all at once', async () => {
    stack = await startStack([{ name: 'cache', params: { ignoreCacheControl: true } }]);
    const path = `/sse?count=4&intervalMs=150&close=1`;
    const live = await readSse(stack.proxy.url, path, { deadlineMs: 3000 });
    expect(live.headers['x-cache']).toBe('MISS');
    expect(live.eventsAtMs[3] - live.eventsAtMs[0]).toBeGreaterThanOrEqual(300);
    const replay = await readSse(stack.proxy.url, path, { deadlineMs: 3000 });
    expect(replay.headers['x-cache']).toBe('HIT');
    expect(replay.events).toEqual(live.events);
    expect(replay.eventsAtMs[3] - replay.eventsAtMs[0]).toBeLessThan(50);
  });

  it('does not cache requests with a Cookie (Varnish builtin VCL)', async () => {
    stack = await startStack([{ name: 'cache' }]);
    const probe = probeId('cache-cookie');
    const url = `${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`;
    await fetch(url, { headers: { cookie: 'a=1' } });
    const r = await fetch(url, { headers: { cookie: 'a=1' } });
    expect(r.headers.get('x-cache')).toBeNull();
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(2);
  });

  it('reads freshness like a shared cache', () => {
    expect(storableTtlMs({}, 120_000)).toBe(120_000);
    expect(storableTtlMs({ 'cache-control': 'public, max-age=5' }, 120_000)).toBe(5000);
    expect(storableTtlMs({ 'cache-control': 's-maxage=2, max-age=5' }, 120_000)).toBe(2000);
    expect(storableTtlMs({ 'cache-control': 'max-age=0' }, 120_000)).toBeNull();
    expect(storableTtlMs({ 'cache-control': 'no-cache' }, 120_000)).toBeNull();
    expect(storableTtlMs({ 'cache-control': 'private' }, 120_000)).toBeNull();
    expect(storableTtlMs({ 'set-cookie': ['a=1'] }, 120_000)).toBeNull();
    expect(storableTtlMs({ vary: '*' }, 120_000)).toBeNull();
  });

  it('is bounded: past maxTotalBytes the least recently used entries go, and the log says so', async () => {
    stack = await startStack([{ name: 'cache', params: { ttlMs: 60_000, maxTotalBytes: 3 * 20_000 } }]);
    const url = (n: number): string => `${stack!.proxy.url}/poll?channel=lru${n}-${probeId('x')}&count=1&payloadBytes=16000`;
    const urls = [0, 1, 2, 3].map(url);
    for (const u of urls.slice(0, 3)) expect((await poll(u)).xCache).toBe('MISS');
    // A hit makes the first one recently used; the fourth then evicts the second.
    expect((await poll(urls[0])).xCache).toBe('HIT');
    expect((await poll(urls[3])).xCache).toBe('MISS');
    expect((await poll(urls[0])).xCache).toBe('HIT');
    expect((await poll(urls[1])).xCache).toBe('MISS');
    await logged(stack.proxy, /cache: stored \d+ bytes; evicted 1 least recently used entry to stay within maxTotalBytes 60000/);
  });

  it('is bounded while recording too: responses being stored together stay within maxTotalBytes', async () => {
    stack = await startStack([{ name: 'cache', params: { ttlMs: 60_000, ignoreCacheControl: true, maxTotalBytes: 20_000 } }]);
    // Two streams of about 18 KB at once: both cannot be recorded within 20 KB.
    const paths = [1, 2].map((n) => `/sse?channel=rec${n}-${probeId('x')}&count=3&intervalMs=200&payloadBytes=6000&close=1`);
    await Promise.all(paths.map((p) => readSse(stack!.proxy.url, p, { deadlineMs: 5_000 })));
    await logged(stack.proxy, /cache: not stored: responses being recorded would hold more than maxTotalBytes 20000/);
  });
});
