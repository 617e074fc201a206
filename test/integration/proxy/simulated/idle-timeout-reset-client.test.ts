/**
 * idle-timeout with resetBy: client (a read timeout on the client side, like
 * lighttpd's server.max-read-idle): only bytes from the client restart the
 * timer. A server data message does not count however often it comes; a
 * server ping does, because the client's pong travels client → upstream.
 * With scope: tunnels, plain requests and SSE streams are not timed at all,
 * as on lighttpd, where the client is no longer read once its request is in.
 */
import { keepaliveThrough, startStack, type Stack } from '../../../helpers/simulated';

const TIMING = { silenceMs: 1500, everyMs: 150 };

describe('idle-timeout resetBy client', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('cuts a WebSocket fed only by server messages; client traffic and server pings (their pongs) keep it open', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'client', scope: 'tunnels' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'websocket', TIMING);
    expect(r.control).toBe('cut');
    expect(r.cut).toEqual(['server-message']);
    expect(r.kept.sort()).toEqual(['client-message', 'client-ping', 'server-ping']);
  });

  it('with scope tunnels an SSE stream is not timed: even the control survives', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'client', scope: 'tunnels' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'sse', TIMING);
    expect(r.control).toBe('kept');
    expect(r.cut).toEqual([]);
  });

  it('with scope all nothing the origin sends keeps an SSE stream open: the client has nothing to send', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'client' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'sse', TIMING);
    expect(r.control).toBe('cut');
    expect(r.kept).toEqual([]);
    expect(r.cut.sort()).toEqual(['server-comment', 'server-event']);
  });
});
