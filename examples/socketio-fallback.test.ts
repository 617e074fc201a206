/**
 * Does my Socket.IO app still work behind nginx's defaults?
 *
 * A Socket.IO chat server, and socket.io-client, with the built-in
 * `nginx-default-like` setup between them: nginx without the WebSocket
 * headers in its location strips the Upgrade, so the client's upgrade to
 * WebSocket fails. Socket.IO stays on HTTP long-polling and every message
 * still arrives. Straight to the app, the same client upgrades.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { startProxy, type RunningProxy } from 'pushthrough';

let httpServer: http.Server;
let chat: Server;
let appUrl: string;
let proxy: RunningProxy;
const clients: Socket[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  chat = new Server(httpServer);
  chat.on('connection', (socket) => {
    socket.on('say', (text: string, ack: () => void) => {
      chat.emit('said', text);
      ack();
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  proxy = await startProxy({ setup: 'nginx-default-like', target: appUrl });
});
afterAll(async () => {
  // Clients first, each until its engine has closed; then the app, then the proxy.
  await Promise.all(
    clients.map((c) => {
      const closed = new Promise((resolve) => c.io.engine?.once('close', resolve));
      c.close();
      return c.io.engine ? closed : undefined;
    }),
  );
  await chat.close();
  await proxy?.close();
});

function connect(url: string): Promise<Socket> {
  const client = io(url, { reconnection: false, timeout: 5_000 });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', reject);
  });
}

/** The first log line of the proxy matching re; an exchange's line is written when it ends, so this waits for it (5 s at most). */
async function logLine(p: RunningProxy, re: RegExp): Promise<string> {
  const until = Date.now() + 5_000;
  for (;;) {
    const line = p.logs().find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > until) throw new Error(`no log line ${re} within 5 s:\n${p.logs().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends n messages and resolves with what came back, in order; rejects at the deadline. */
async function chatter(client: Socket, n: number): Promise<string[]> {
  const got: string[] = [];
  const all = new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${got.length} of ${n} messages in 10 s`)), 10_000);
    client.on('said', (text: string) => {
      got.push(text);
      if (got.length === n) {
        clearTimeout(deadline);
        resolve();
      }
    });
  });
  for (let i = 1; i <= n; i++) await client.timeout(5_000).emitWithAck('say', `message ${i}`);
  await all;
  return got;
}

it('behind nginx-default-like: the upgrade fails, Socket.IO stays on long-polling and delivers every message', async () => {
  const client = await connect(proxy.url);
  const got = await chatter(client, 20);
  expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i + 1}`));
  expect(client.io.engine.transport.name).toBe('polling');
  // The proxy says why: the handshake reached the app as a plain GET.
  expect(await logLine(proxy, /transport=websocket/)).toMatch(/ GET \/socket\.io\/\?EIO=4&transport=websocket&sid=\S+ → 400 .* · strip-upgrade: Upgrade stripped/);
}, 30_000);

it('straight to the app, the same client upgrades to WebSocket', async () => {
  const client = await connect(appUrl);
  if (client.io.engine.transport.name !== 'websocket') await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
  expect(client.io.engine.transport.name).toBe('websocket');
  expect(await chatter(client, 5)).toHaveLength(5);
}, 30_000);
