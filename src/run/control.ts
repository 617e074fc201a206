/**
 * Runtime control of a running proxy over HTTP, on loopback, like toxiproxy's
 * API (https://github.com/Shopify/toxiproxy#http-api):
 *
 *   GET    /faults          → { faults: [...] }
 *   PUT    /faults          ← { faults: [...] } or [...]: replaces the stack
 *   POST   /faults/<name>   ← { params }: adds the fault (or replaces the one of that name, in place)
 *   DELETE /faults/<name>   removes it (404 when the stack has none)
 *   POST   /reset           drops every open connection, as a load-balancer reload does
 *
 * Every change applies to new exchanges at once; `reset` also cuts the open
 * ones. An invalid stack is 400 with the reason, and the stack stays as it was.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FaultSpec } from '../proxy/simulated/simulated-proxy';
import { UsageError } from '../util/errors';
import { listen } from '../util/net';
import type { RunningProxy } from './front';

const MAX_BODY_BYTES = 64 * 1024;

export interface ControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the body is not JSON (expected {"faults": [...]} or {"params": {...}})'));
      }
    });
    req.on('error', reject);
  });
}

/** The new stack a request asks for; throws HttpError for what it cannot be. */
async function nextStack(req: http.IncomingMessage, name: string | undefined, current: FaultSpec[]): Promise<FaultSpec[]> {
  if (req.method === 'DELETE' && name) {
    if (!current.some((f) => f.name === name)) throw new HttpError(404, `no fault '${name}' in the stack (it has: ${current.map((f) => f.name).join(', ') || 'none'})`);
    return current.filter((f) => f.name !== name);
  }
  const body = await readJson(req);
  if (req.method === 'PUT' && !name) {
    const faults = Array.isArray(body) ? body : (body as { faults?: unknown } | undefined)?.faults;
    if (!Array.isArray(faults)) throw new HttpError(400, 'expected {"faults": [{"name": ..., "params": {...}}, ...]} or a list of faults');
    return faults as FaultSpec[];
  }
  if (req.method === 'POST' && name) {
    const params = (body as { params?: unknown } | undefined)?.params ?? {};
    const spec: FaultSpec = { name, params: params as Record<string, unknown> };
    const at = current.findIndex((f) => f.name === name);
    return at === -1 ? [...current, spec] : current.map((f, i) => (i === at ? spec : f));
  }
  throw new HttpError(405, `${req.method} is not allowed here (GET/PUT /faults, POST/DELETE /faults/<name>, POST /reset)`);
}

/** Serves the control API for `proxy` on 127.0.0.1:`port` (0 = any free port). */
export async function startControl(proxy: RunningProxy, port: number): Promise<ControlServer> {
  const sockets = new Set<Socket>();
  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    const m = /^\/faults(?:\/([a-z0-9-]+))?$/.exec(url.pathname);
    const handle = async (): Promise<void> => {
      if (url.pathname === '/reset' && req.method === 'POST') {
        proxy.reset();
        return send(res, 200, { reset: true });
      }
      if (!m) throw new HttpError(404, `no such endpoint ${url.pathname} (expected /faults, /faults/<name> or /reset)`);
      if (req.method === 'GET' && !m[1]) return send(res, 200, { faults: proxy.faults() });
      const next = await nextStack(req, m[1], proxy.faults());
      try {
        proxy.setFaults(next);
      } catch (err) {
        if (err instanceof UsageError) throw new HttpError(400, err.message);
        throw err;
      }
      send(res, 200, { faults: proxy.faults() });
    };
    handle().catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof UsageError ? 400 : 500;
      if (!res.headersSent) send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const bound = await listen(server, port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
