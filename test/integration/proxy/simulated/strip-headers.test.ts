import { probeId, readSse, seenAt, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('strip-headers', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('removes named request headers, Last-Event-ID included', async () => {
    stack = await startStack([{ name: 'strip-headers', params: { request: ['Last-Event-ID', 'x-trace'] } }]);
    const probe = probeId('strip-req');
    await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`, {
      headers: { 'Last-Event-ID': '7', 'X-Trace': 'abc', 'X-Kept': 'yes' },
    });
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0].headers['last-event-id']).toBeUndefined();
    expect(seen[0].headers['x-trace']).toBeUndefined();
    expect(seen[0].headers['x-kept']).toBe('yes');
  });

  it('with underscoreRequestHeaders drops headers whose names contain "_" (nginx default)', async () => {
    stack = await startStack([{ name: 'strip-headers', params: { underscoreRequestHeaders: true } }]);
    const probe = probeId('strip-underscore');
    await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`, { headers: { 'X_Session_Id': '1', 'X-Session-Id': '2' } });
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0].headers['x_session_id']).toBeUndefined();
    expect(seen[0].headers['x-session-id']).toBe('2');
  });

  it('removes named response headers', async () => {
    stack = await startStack([{ name: 'strip-headers', params: { response: ['cache-control'] } }]);
    const rec = await readSse(stack.proxy.url, '/sse?count=1&intervalMs=10&close=1', { deadlineMs: 3000 });
    expect(rec.headers['content-type']).toBe('text/event-stream');
    expect(rec.headers['cache-control']).toBeUndefined();
  });

  it('applies to WebSocket handshakes too', async () => {
    stack = await startStack([{ name: 'strip-headers', params: { request: ['x-auth'] } }]);
    const probe = probeId('strip-ws');
    const out = await wsConnect(stack.proxy.url, `/ws?probe=${probe}&silentMs=5000`, 3000, { headers: { 'X-Auth': 'secret' } });
    expect(out.kind).toBe('open');
    if (out.kind === 'open') wsDispose(out.ws);
    const seen = await seenAt(stack.origin.url, probe);
    expect(seen[0].upgraded).toBe(true);
    expect(seen[0].headers['x-auth']).toBeUndefined();
  });
});
