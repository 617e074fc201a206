import { startStack, wsClosed, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('max-message', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function open(path = '/ws?silentMs=5000') {
    const out = await wsConnect(stack!.proxy.url, path);
    if (out.kind !== 'open') throw new Error(`handshake failed: ${JSON.stringify(out)}`);
    return out;
  }

  it('passes messages within the limit', async () => {
    stack = await startStack([{ name: 'max-message', params: { maxBytes: 32768 } }]);
    const { ws, client } = await open();
    await client.next(2000); // event 1
    ws.send(Buffer.alloc(30_000, 3));
    expect((await client.next(3000))?.length).toBe(30_000);
    wsDispose(ws);
  });

  it('answers a too-big client message with close 1009 (Kong, API Gateway)', async () => {
    stack = await startStack([{ name: 'max-message', params: { maxBytes: 32768 } }]);
    const { ws, client } = await open();
    await client.next(2000);
    const closed = wsClosed(ws, 3000);
    ws.send(Buffer.alloc(40_000, 1));
    const c = await closed;
    expect(c.how).toBe('closed');
    expect(c.code).toBe(1009);
    expect(c.reason).toBe('message too big');
  });

  it('tells the client 1001 when the origin sends a too-big message', async () => {
    stack = await startStack([{ name: 'max-message', params: { maxBytes: 32768 } }]);
    const out = await wsConnect(stack.proxy.url, '/ws?count=1&intervalMs=10&payloadBytes=40000');
    expect(out.kind).toBe('open');
    if (out.kind !== 'open') return;
    const c = await wsClosed(out.ws, 3000);
    expect(c.code).toBe(1001);
    expect(await out.client.next(10)).toBeUndefined();
  });

  it("per 'message' sums the fragments of one message; per 'frame' does not", async () => {
    stack = await startStack([{ name: 'max-message', params: { maxBytes: 32768, per: 'message', direction: 'to-origin' } }]);
    const { ws, client } = await open();
    await client.next(2000);
    const closed = wsClosed(ws, 3000);
    // Three 20 KB frames of one binary message: each frame fits, the message does not.
    ws.send(Buffer.alloc(20_000, 1), { fin: false, binary: true });
    ws.send(Buffer.alloc(20_000, 2), { fin: false, binary: true });
    ws.send(Buffer.alloc(20_000, 3), { fin: true, binary: true });
    expect((await closed).code).toBe(1009);
    await stack.close();

    stack = await startStack([{ name: 'max-message', params: { maxBytes: 32768, per: 'frame', direction: 'to-origin' } }]);
    const second = await open();
    await second.client.next(2000);
    second.ws.send(Buffer.alloc(20_000, 1), { fin: false, binary: true });
    second.ws.send(Buffer.alloc(20_000, 2), { fin: true, binary: true });
    // The origin echoes the 40 KB message in one frame; only client frames are policed.
    expect((await second.client.next(3000))?.length).toBe(40_000);
    wsDispose(second.ws);
  });

  it("with how 'close' just closes the connections (APISIX): the client sees 1006", async () => {
    stack = await startStack([{ name: 'max-message', params: { maxBytes: 1000, how: 'close' } }]);
    const { ws, client } = await open();
    await client.next(2000);
    const closed = wsClosed(ws, 3000);
    ws.send(Buffer.alloc(2000, 1));
    expect((await closed).code).toBe(1006);
  });
});
