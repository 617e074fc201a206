/**
 * An HTTP/2 front that changes nothing: TLS, HTTP/2 (and HTTP/1.1) by ALPN
 * from the client, HTTP/1.1 to the origin, each response chunk written on as
 * it comes. The run measures the origin through it as `direct-h2`, the
 * baseline for cells whose client spoke HTTP/2: whatever HTTP/2's framing and
 * flow control add to delivery on this machine, in this run, is then not
 * mistaken for a proxy's buffering.
 *
 *   client ──TLS, h2 or h1──▶ node:http2 (allowHTTP1) ──h1──▶ origin
 *                      └─ HTTP/1.1 Upgrade (WebSocket): a TCP relay after the head
 *
 * Not a fault stack: the simulated proxy's http-proxy speaks no HTTP/2.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { listen } from '../../util/net';

export interface H2PassThroughOptions {
  /** the origin: http://host:port */
  target: string;
  tls: { cert: string; key: string };
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: the OS picks a free port */
  port?: number;
}

export interface RunningH2PassThrough {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Hop-by-hop fields (RFC 9110 §7.6.1) and HTTP/2's pseudo-headers: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings', 'host']);

function forwardable(headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && !HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

export async function startH2PassThrough(opts: H2PassThroughOptions): Promise<RunningH2PassThrough> {
  const origin = new URL(opts.target);
  const originPort = Number(origin.port || 80);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = http2.createSecureServer({ cert: opts.tls.cert, key: opts.tls.key, allowHTTP1: true });
  server.on('connection', track);

  // The same handler for HTTP/2 streams and HTTP/1.1 requests (allowHTTP1): their compat objects share this much.
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const authority = req.authority ?? req.headers.host ?? `${origin.hostname}:${originPort}`;
    const up = http.request({ host: origin.hostname, port: originPort, method: req.method, path: req.url, headers: { ...forwardable(req.headers), host: authority }, agent: false });
    up.on('response', (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, forwardable(upRes.headers));
      // Each chunk on as it comes: a stream's events must not wait for the next one.
      upRes.on('data', (chunk: Buffer) => res.write(chunk));
      upRes.on('end', () => res.end());
      upRes.on('error', () => res.destroy());
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
    res.on('close', () => up.destroy());
  });

  // WebSocket over HTTP/1.1: the head on to the origin, then bytes both ways.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const up = net.connect(originPort, origin.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(client).pipe(up);
    });
    track(up);
    up.once('close', () => client.destroy());
    client.once('close', () => up.destroy());
  });

  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server, opts.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
