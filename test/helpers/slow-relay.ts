/**
 * A TCP relay in front of an upstream that holds each connection a while
 * before it passes it on: a slow hop, as a test's path. `delayMs` sees the
 * client's first bytes (its request head), so a relay may hold only some
 * connections (WebSocket handshakes) and pass the rest straight on. The
 * delay is the path's behaviour under test, not synchronisation.
 */
import net from 'node:net';

export interface SlowRelay {
  url: string;
  port: number;
  /** connections it held (a delay above 0) */
  held(): number;
  close(): Promise<void>;
}

export async function startSlowRelay(upstream: { host: string; port: number }, delayMs: (head: Buffer) => number): Promise<SlowRelay> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let held = 0;
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    client.on('error', () => undefined);
    client.pause();
    client.once('readable', () => {
      const head = client.read() as Buffer | null;
      if (!head) return;
      const pass = (): void => {
        if (client.destroyed) return;
        const up = net.connect(upstream.port, upstream.host);
        track(up);
        up.on('error', () => client.destroy());
        client.on('close', () => up.destroy());
        up.write(head);
        client.pipe(up).pipe(client);
        client.resume();
      };
      const ms = delayMs(head);
      if (ms <= 0) return pass();
      held++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        pass();
      }, ms);
      timers.add(timer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    held: () => held,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
