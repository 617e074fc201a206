/**
 * idle-timeout with resetBy: either (the default; AWS ALB, HAProxy, nginx in a
 * WebSocket tunnel as measured): bytes in either direction restart the timer,
 * so every kind of keepalive keeps a silent stream open, and the control —
 * a stream fed by nothing — is cut.
 */
import { keepaliveThrough, startStack, type Stack } from '../../../helpers/simulated';

const TIMING = { silenceMs: 1500, everyMs: 150 };

describe('idle-timeout resetBy either', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a WebSocket is kept open by messages and pings in either direction', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500, resetBy: 'either' } }]);
    const r = await keepaliveThrough(stack.proxy.url, 'websocket', TIMING);
    expect(r.control).toBe('cut');
    expect(r.kept.sort()).toEqual(['client-message', 'client-ping', 'server-message', 'server-ping']);
    expect(r.cut).toEqual([]);
  });

  it('an SSE stream is kept open by a named event and by a comment line; a held long poll by a trickle', async () => {
    stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 500 } }]);
    const sse = await keepaliveThrough(stack.proxy.url, 'sse', TIMING);
    expect(sse.control).toBe('cut');
    expect(sse.kept.sort()).toEqual(['server-comment', 'server-event']);
    const poll = await keepaliveThrough(stack.proxy.url, 'long-poll', TIMING);
    expect(poll.control).toBe('cut');
    expect(poll.kept).toEqual(['trickle']);
  });
});
