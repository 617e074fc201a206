/**
 * Tiny fault servers for detection tests: each does one bad thing between the
 * client and the real origin, written with Node's own http/net so the test
 * does not depend on the simulated-proxy code it may be checking.
 */
import http from 'node:http';
import net from 'node:net';

export interface TinyServer {
  url: string;
  close(): Promise<void>;
}

async function listen(server: net.Server, sockets: Set<net.Socket>): Promise<TinyServer> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const originOf = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

/** Holds every response body until it is complete, then sends it at once (whole-body buffering). */
export function withholdUntilEnd(originUrl: string): Promise<TinyServer> {
  const o = originOf(originUrl);
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const up = http.request({ ...o, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = { ...ur.headers };
        delete headers['transfer-encoding'];
        headers['content-length'] = String(body.length);
        res.writeHead(ur.statusCode ?? 502, headers);
        res.end(body);
      });
      ur.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return listen(server, sockets);
}

/** A TCP relay that closes both sides after `idleMs` without bytes in either direction. */
export function closeWhenIdle(originUrl: string, idleMs: number): Promise<TinyServer> {
  const o = originOf(originUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(o.port, o.host);
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        client.end();
        up.end();
      }, idleMs);
    };
    arm();
    client.on('data', (d) => {
      arm();
      up.write(d);
    });
    up.on('data', (d) => {
      arm();
      client.write(d);
    });
    const done = (): void => {
      clearTimeout(timer);
      client.destroy();
      up.destroy();
    };
    client.on('close', done);
    up.on('close', done);
    client.on('error', done);
    up.on('error', done);
  });
  return listen(server, sockets);
}

/** Answers every WebSocket upgrade itself with `status`; plain HTTP is relayed. */
export function rejectUpgrade(originUrl: string, status: number): Promise<TinyServer> {
  const o = originOf(originUrl);
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const up = http.request({ ...o, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (_req, socket: net.Socket) => {
    const body = 'upgrade refused by tiny proxy';
    socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  return listen(server, sockets);
}

/** Forwards an upgrade as a plain GET without Upgrade/Connection (hop-by-hop, RFC 7230 §6.1). */
export function stripUpgrade(originUrl: string): Promise<TinyServer> {
  const o = originOf(originUrl);
  const sockets = new Set<net.Socket>();
  const server = http.createServer();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const headers = { ...req.headers };
    delete headers.upgrade;
    delete headers.connection;
    for (const k of Object.keys(headers)) if (k.startsWith('sec-websocket')) delete headers[k];
    const up = http.request({ ...o, path: req.url, method: 'GET', headers }, (ur) => {
      const lines = [`HTTP/1.1 ${ur.statusCode} ${ur.statusMessage}`];
      for (const [k, v] of Object.entries(ur.headers)) if (k !== 'transfer-encoding' && k !== 'connection') lines.push(`${k}: ${String(v)}`);
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        socket.end(`${lines.filter((l) => !l.startsWith('content-length')).join('\r\n')}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString()}`);
      });
    });
    up.on('error', () => socket.destroy());
    up.end();
  });
  return listen(server, sockets);
}
