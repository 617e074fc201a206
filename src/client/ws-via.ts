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
    for (const [k, v] of Object.entries(proxyAuthorization(via))) req.setHeader(k, v);
    addRequest(req, { ...opts, host: via.hostname, hostname: via.hostname, port: Number(via.port || 80) });
  };
  (agent as unknown as { createConnection: typeof net.createConnection }).createConnection = ((opts: net.NetConnectOpts) =>
    net.createConnection(opts)) as typeof net.createConnection;
  return agent;
}

/** The credentials in a --via URL (http://user:password@host:port), as the proxy asks for them (Basic, RFC 7617), as undici's ProxyAgent sends them. */
function proxyAuthorization(via: URL): Record<string, string> {
  if (!via.username) return {};
  const pair = `${decodeURIComponent(via.username)}:${decodeURIComponent(via.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(pair).toString('base64')}` };
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

/** Sends CONNECT `authority` to the forward proxy; the socket is the tunnel when the status is 200. */
function connectThrough(via: URL, authority: string, timeoutMs?: number): Promise<{ status: number; socket: net.Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: via.hostname, port: Number(via.port || 80), method: 'CONNECT', path: authority, headers: { host: authority, ...proxyAuthorization(via) }, agent: false, timeout: timeoutMs });
    req.once('connect', (res, socket, head) => resolve({ status: res.statusCode ?? 0, socket, head }));
    req.once('timeout', () => req.destroy(new Error(`no answer to CONNECT within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/** Asks the forward proxy for a tunnel to `authority` and closes it at once: the status it answered, undefined when it gave none. */
export async function askForTunnel(via: URL, authority: string, timeoutMs = 5000): Promise<number | undefined> {
  try {
    const { status, socket } = await connectThrough(via, authority, timeoutMs);
    socket.destroy();
    return status;
  } catch {
    return undefined;
  }
}

/** An https.Agent whose every connection is a CONNECT tunnel through `via`, with TLS to the origin inside. */
class ConnectTunnelAgent extends https.Agent {
  constructor(private readonly via: URL) {
    super({ keepAlive: false });
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const opts = options as tls.ConnectionOptions & { host?: string; port?: number | string };
    const host = opts.host ?? '127.0.0.1';
    const authority = `${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 443}`;
    connectThrough(this.via, authority).then(
      ({ status, socket, head }) => {
        if (status !== 200) {
          socket.destroy();
          callback?.(new ConnectRefused(status, authority, this.via.origin), undefined as unknown as Duplex);
          return;
        }
        if (head.length > 0) socket.unshift(head);
        callback?.(null, tls.connect({ ...opts, socket, servername: net.isIP(host) ? undefined : host }));
      },
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
