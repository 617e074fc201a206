/**
 * WebSocket through a forward proxy. For ws:// the handshake is sent to the
 * proxy in absolute form (GET ws://host/path with Upgrade), as an HTTP proxy
 * request; for wss:// the client opens a CONNECT tunnel to the origin's host
 * and port first (RFC 9110 §9.3.6) and speaks TLS to the origin inside it,
 * as browsers do.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ProbeTarget } from './target';

/** An agent for the `ws` client, or undefined when no forward proxy is set. */
export function wsAgentFor(target: ProbeTarget): http.Agent | undefined {
  if (!target.via) return undefined;
  const via = new URL(target.via);
  return new URL(target.baseUrl).protocol === 'https:' ? new ConnectTunnelAgent(via) : absoluteFormAgent(via);
}

function absoluteFormAgent(via: URL): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  // Send the request to the proxy instead of the origin, in absolute form.
  const addRequest = (agent as unknown as { addRequest: (req: http.ClientRequest, opts: http.RequestOptions) => void }).addRequest.bind(agent);
  (agent as unknown as { addRequest: typeof addRequest }).addRequest = (req, opts) => {
    const host = opts.host ?? opts.hostname ?? '127.0.0.1';
    const port = opts.port ?? 80;
    req.path = `http://${String(host).includes(':') ? `[${host}]` : host}:${port}${req.path}`;
    addRequest(req, { ...opts, host: via.hostname, hostname: via.hostname, port: Number(via.port || 80) });
  };
  (agent as unknown as { createConnection: typeof net.createConnection }).createConnection = ((opts: net.NetConnectOpts) =>
    net.createConnection(opts)) as typeof net.createConnection;
  return agent;
}

/** What a forward proxy answered to CONNECT instead of 200: the tunnel was refused. */
export class ConnectRefused extends Error {
  constructor(
    readonly status: number,
    readonly authority: string,
    readonly via: string,
  ) {
    super(`the forward proxy ${via} refused CONNECT ${authority} (HTTP ${status})`);
    this.name = 'ConnectRefused';
  }
}

/** The authority (host:port) a CONNECT for `url` asks for. */
export function authorityOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80)}`;
}

/** Asks the forward proxy for a tunnel to `authority` and closes it at once; resolves to the status it answered. */
export function askForTunnel(via: URL, authority: string, timeoutMs = 5000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.request({ host: via.hostname, port: Number(via.port || 80), method: 'CONNECT', path: authority, headers: { host: authority }, agent: false, timeout: timeoutMs });
    req.once('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode);
    });
    // A proxy that answers CONNECT with a body and no tunnel still gives its status.
    req.once('response', (res) => {
      res.destroy();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** An https.Agent whose every connection is a CONNECT tunnel through `via`, with TLS to the origin inside. */
class ConnectTunnelAgent extends https.Agent {
  constructor(private readonly via: URL) {
    super({ keepAlive: false });
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const opts = options as tls.ConnectionOptions & { host?: string; port?: number | string };
    const done = (err: Error | null, socket?: Duplex): void => callback?.(err, socket as Duplex);
    const host = opts.host ?? '127.0.0.1';
    const authority = `${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 443}`;
    const req = http.request({ host: this.via.hostname, port: Number(this.via.port || 80), method: 'CONNECT', path: authority, headers: { host: authority }, agent: false });
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        done(new ConnectRefused(res.statusCode ?? 0, authority, this.via.origin));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const secure = tls.connect({ ...opts, socket, servername: net.isIP(host) ? undefined : host });
      done(null, secure);
    });
    req.once('error', (err) => done(err));
    req.end();
    return undefined;
  }
}
