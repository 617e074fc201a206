import { startSimulatedProxy } from '../../../../src/proxy/simulated/simulated-proxy';
import { probeId, seenAt, startStack, wsConnect, wsDispose, type Stack } from '../../../helpers/simulated';

describe('balance', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function whoSaw(s: Stack, probe: string): Promise<number[]> {
    return Promise.all(s.origins.map(async (o) => (await seenAt(o.url, probe)).length));
  }

  it('round-robin alternates between origins', async () => {
    stack = await startStack([{ name: 'balance' }], 2);
    const probe = probeId('balance-rr');
    for (let i = 0; i < 4; i++) await (await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`)).text();
    expect(await whoSaw(stack, probe)).toEqual([2, 2]);
  });

  it('sticky-cookie pins a client that sends the cookie back', async () => {
    stack = await startStack([{ name: 'balance', params: { strategy: 'sticky-cookie', cookieName: 'LB' } }], 2);
    const probe = probeId('balance-cookie');
    const first = await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`);
    await first.text();
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^LB=s[01]; Path=\//);
    const cookie = setCookie.split(';')[0];
    for (let i = 0; i < 3; i++) await (await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`, { headers: { cookie } })).text();
    const counts = await whoSaw(stack, probe);
    expect(counts.sort()).toEqual([0, 4]);
  });

  it('sticky-ip sends one client address to one origin, WebSocket included', async () => {
    stack = await startStack([{ name: 'balance', params: { strategy: 'sticky-ip' } }], 2);
    const probe = probeId('balance-ip');
    for (let i = 0; i < 3; i++) await (await fetch(`${stack.proxy.url}/poll?count=1&intervalMs=10&probe=${probe}`)).text();
    const out = await wsConnect(stack.proxy.url, `/ws?silentMs=5000&probe=${probe}`);
    expect(out.kind).toBe('open');
    if (out.kind === 'open') wsDispose(out.ws);
    expect((await whoSaw(stack, probe)).sort()).toEqual([0, 4]);
  });

  it('round-robin sends WebSocket handshakes to each origin in turn', async () => {
    stack = await startStack([{ name: 'balance' }], 2);
    const probe = probeId('balance-ws');
    for (let i = 0; i < 2; i++) {
      const out = await wsConnect(stack.proxy.url, `/ws?silentMs=5000&probe=${probe}`);
      expect(out.kind).toBe('open');
      if (out.kind === 'open') wsDispose(out.ws);
    }
    expect(await whoSaw(stack, probe)).toEqual([1, 1]);
  });

  it('refuses to start with a single target', async () => {
    await expect(startSimulatedProxy({ targets: ['http://127.0.0.1:1'], faults: [{ name: 'balance' }] })).rejects.toThrow(
      "fault 'balance' needs at least 2 targets (got 1)",
    );
  });
});
