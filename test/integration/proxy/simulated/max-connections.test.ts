import { rawGet, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('max-connections', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('refuses requests beyond max with 503 while others are in flight', async () => {
    stack = await startStack([{ name: 'max-connections', params: { max: 1 } }]);
    // A long poll holds the only slot for 800 ms.
    const held = rawGet(stack.proxy.url, '/long-poll?count=0&hold=800', { deadlineMs: 3000, untilComplete: true });
    // Wait until the held request is surely counted: a refusal proves it.
    let refused: Response | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const r = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`);
      if (r.status === 503) refused = r;
      else await r.text();
    }
    expect(refused?.status).toBe(503);
    expect(await refused?.text()).toContain('1 connections already open');
    expect((await held).status).toBe(204);
    // Slot free again.
    expect((await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10`)).status).toBe(200);
  });

  it('counts open WebSocket tunnels until they close', async () => {
    stack = await startStack([{ name: 'max-connections', params: { max: 1, status: 503 } }]);
    const first = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(first.kind).toBe('open');
    if (first.kind !== 'open') return;
    const second = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(second).toMatchObject({ kind: 'rejected', status: 503 });
    const closed = new Promise((resolve) => first.ws.once('close', resolve));
    first.ws.close(1000);
    await closed;
    // The tunnel's slot is released once both sockets are gone; retry until it is.
    let third = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    for (let i = 0; i < 20 && third.kind === 'rejected'; i++) third = await wsConnect(stack.proxy.url, '/ws?silentMs=5000');
    expect(third.kind).toBe('open');
    if (third.kind === 'open') wsDispose(third.ws);
  });
});
