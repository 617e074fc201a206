/**
 * WebSocket through a forward proxy. For ws:// the handshake is sent to the
 * proxy in absolute form (GET ws://host/path with Upgrade), as an HTTP proxy
 * request; for wss:// the client opens a CONNECT tunnel first.
 */
import http from 'node:http';
import net from 'node:net';
import type { ProbeTarget } from './target';

/** An http.Agent for the `ws` client, or undefined when no forward proxy is set. */
export function wsAgentFor(target: ProbeTarget): http.Agent | undefined {
  if (!target.via) return undefined;
  const via = new URL(target.via);
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
