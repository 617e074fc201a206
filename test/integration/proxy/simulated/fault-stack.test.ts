/**
 * The stack as a whole: faults listed client side first compose like a chain
 * of proxies, and where a fault sits changes what it sees.
 */
import type { FaultSpec } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, rawGet, readSse, seenAt, startStack, wsConnect, type Stack } from '../../../helpers/simulated';

describe('fault stack order', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const idle: FaultSpec = { name: 'idle-timeout', params: { idleMs: 300 } };
  const holdAll: FaultSpec = { name: 'buffer', params: { mode: 'until-end' } };
  // Events every 100 ms for 600 ms: never idle at the origin.
  const BUSY_SSE = '/sse?count=7&intervalMs=100&close=1';

  it('an idle timer on the client side of a buffer sees silence and answers 504', async () => {
    stack = await startStack([idle, holdAll]);
    const rec = await rawGet(stack.proxy.url, BUSY_SSE, { deadlineMs: 3000, untilComplete: true });
    expect(rec.status).toBe(504);
  });

  it('an idle timer on the origin side of a buffer sees the live bytes', async () => {
    stack = await startStack([holdAll, idle]);
    const rec = await readSse(stack.proxy.url, BUSY_SSE, { deadlineMs: 3000 });
    expect(rec.status).toBe(200);
    expect(rec.events).toHaveLength(7);
  });

  it('an answer made by a fault passes only the faults on its client side', async () => {
    // cache (client side) sees reject-upgrade's 403 as a response; the origin sees nothing.
    stack = await startStack([{ name: 'strip-headers', params: { response: ['content-type'] } }, { name: 'reject-upgrade' }, { name: 'latency', params: { delayMs: 2000 } }]);
    const probe = probeId('stack-answer');
    const out = await wsConnect(stack.proxy.url, `/ws?probe=${probe}`, 3000);
    // Answered at once: the deeper latency fault never saw the handshake.
    expect(out).toMatchObject({ kind: 'rejected', status: 403 });
    expect(out.atMs).toBeLessThan(1000);
    expect(await seenAt(stack.origin.url, probe)).toHaveLength(0);
  });

  it('a stripped handshake becomes an HTTP exchange that the other faults handle', async () => {
    stack = await startStack([{ name: 'cache', params: { ignoreCacheControl: true } }, { name: 'strip-upgrade' }]);
    const first = await wsConnect(stack.proxy.url, '/ws');
    expect(first).toMatchObject({ kind: 'rejected', status: 426 });
    // The handshake is not cached (it is an upgrade at the cache's level), but a plain GET is.
    const r1 = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`);
    await r1.text();
    const r2 = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`);
    await r2.text();
    expect([r1.headers.get('x-cache'), r2.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
  });
});
