/**
 * idle-timeout with resetBy: upstream (lighttpd's proxy read-timeout and
 * Caddy's transport read_timeout, as measured): only bytes from the origin
 * restart the timer. A client's own data message is one-way traffic (the
 * origin never echoes it) and does not count; a client ping does, because
 * the origin's pong travels upstream → client.
 */
import { keepaliveThrough, logged, startStack, type Stack } from '../../../helpers/simulated';

const TIMING = { silenceMs: 1500, everyMs: 150 };

describe('idle-timeout resetBy upstream', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('cuts a WebSocket kept busy only by client messages; server traffic and client pings (their pongs) keep it open', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'upstream' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'websocket', TIMING);
    expect(r.control).toBe('cut');
    expect(r.cut).toEqual(['client-message']);
    expect(r.kept.sort()).toEqual(['client-ping', 'server-message', 'server-ping']);
    await logged(stack.proxy, /no bytes for 500 ms/);
  });

  it('an SSE stream is kept open by what the origin sends, as with either direction', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'upstream' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'sse', TIMING);
    expect(r.control).toBe('cut');
    expect(r.kept.sort()).toEqual(['server-comment', 'server-event']);
  });
});
