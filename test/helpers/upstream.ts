/**
 * A tiny scripted upstream for the cases the real origin (src/origin) cannot
 * play on purpose: dying mid-stream, hanging up on a handshake, resetting a
 * tunnel. Each test gives its own request/upgrade handlers.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';

export interface ScriptedUpstream {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startUpstream(handlers: {
  request?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  upgrade?: (req: http.IncomingMessage, socket: Socket, head: Buffer) => void;
}): Promise<ScriptedUpstream> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (handlers.request) handlers.request(req, res);
    else res.end('ok');
  });
  if (handlers.upgrade) {
    const onUpgrade = handlers.upgrade;
    server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => {});
      onUpgrade(req, socket, head);
    });
  }
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A port with nothing listening on it (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
