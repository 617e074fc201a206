/**
 * A tiny real backend for the real-proxy tests: plain HTTP, an SSE stream, a
 * held long poll and a WebSocket endpoint, on a port the OS picks.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface TestBackend {
  host: string;
  port: number;
  /** paths of the requests that reached the backend, in order */
  seen: string[];
  close(): Promise<void>;
}

/** The body GET /health answers, so a test can tell the backend's answer from a proxy's own page. */
export const HEALTH_BODY = 'pushthrough-test-backend ok';

export async function startBackend(): Promise<TestBackend> {
  const seen: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let pollCounter = 0;
  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    seen.push(url.pathname);
    const num = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(HEALTH_BODY) });
      res.end(HEALTH_BODY);
    } else if (url.pathname === '/poll') {
      // no cache headers at all: whatever caching happens is the proxy's own idea
      const body = JSON.stringify({ seq: ++pollCounter });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else if (url.pathname === '/long-poll') {
      later(() => {
        if (res.destroyed) return;
        const body = JSON.stringify({ held: num('holdMs', 1000) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, num('holdMs', 1000));
    } else if (url.pathname === '/sse') {
      const count = num('count', 4);
      const intervalMs = num('intervalMs', 400);
      const silentMs = num('silentMs', 0);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      let seq = 0;
      const send = () => {
        if (res.destroyed) return;
        seq++;
        res.write(`id: ${seq}\ndata: ${JSON.stringify({ seq })}\n\n`);
        if (seq < count) later(send, intervalMs);
        else if (silentMs > 0 && seq === count) later(send, silentMs);
        else res.end();
      };
      later(send, intervalMs);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    seen.push(`upgrade ${req.url}`);
    if (!(req.url ?? '').startsWith('/ws')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send('hello');
      ws.on('message', (data) => ws.send(`echo:${data.toString()}`));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    seen,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
