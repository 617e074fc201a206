/** Small socket helpers shared by the origin, the simulated proxy and the clients. */
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { SecureContext } from 'node:tls';

/** Listens on port (0 = any free port the OS picks); resolves with the port, rejects on EADDRINUSE etc. */
export function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

/**
 * Reads the first bytes of an answer that is not what the client asked for
 * (a refused WebSocket handshake, an error page): up to maxBytes, the end of
 * the body, an error, or 1 s — whichever comes first — then calls done once.
 */
export function readFirstBytes(res: IncomingMessage, done: (head: Buffer) => void, maxBytes = 4096, deadlineMs = 1000): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done(Buffer.concat(chunks));
  };
  res.on('data', (c: Buffer) => {
    if (size < maxBytes) chunks.push(c);
    size += c.length;
    if (size >= maxBytes) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
  const timer = setTimeout(finish, deadlineMs);
  timer.unref();
}

/** A port the OS considers free right now on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whom an https readiness check trusts: `ca` (PEM) instead of Node's store,
 * or any certificate at all (`insecure`: only whether something answers is
 * asked); neither means Node's store and NODE_EXTRA_CA_CERTS.
 */
export interface HttpTrust {
  ca?: string | string[];
  insecure?: boolean;
  /** a secure context already holding the CAs to trust (the clients' own, src/client/target) */
  secureContext?: SecureContext;
}

/** One GET: undefined on any HTTP answer (even 4xx/5xx: something serves), else the error code (ECONNREFUSED, timeout, a certificate's). */
export function httpAnswerError(url: string, timeoutMs: number, trust: HttpTrust = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const tls = trust.insecure ? { rejectUnauthorized: false } : trust.secureContext ? { secureContext: trust.secureContext } : trust.ca ? { ca: trust.ca } : {};
    const req = get(url, { agent: false, timeout: timeoutMs, ...tls }, (res) => {
      res.resume();
      req.destroy();
      resolve(undefined);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'ERROR'));
  });
}

/** One GET; true on any HTTP answer (even 4xx/5xx: something serves), false on no answer. */
export async function answersHttp(url: string, timeoutMs: number, trust?: HttpTrust): Promise<boolean> {
  return (await httpAnswerError(url, timeoutMs, trust)) === undefined;
}



/**
 * Polls `url` until it answers HTTP or `timeoutMs` passes; `stop` resolving
 * ends the wait early (a process that exited will never answer).
 */
export async function waitForHttp(url: string, timeoutMs: number, stop?: Promise<unknown>, trust?: HttpTrust): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let stopped = false;
  void stop?.then(() => (stopped = true));
  while (Date.now() < deadline && !stopped) {
    if (await answersHttp(url, Math.min(2_000, Math.max(deadline - Date.now(), 1)), trust)) return true;
    // The retry interval of a readiness poll, not synchronisation.
    await Promise.race([stop, new Promise((r) => setTimeout(r, 100))]);
  }
  return false;
}

/**
 * Resolves true once host:port accepts a TCP connection, false at the
 * deadline. An app need not answer any particular path (a Socket.IO server
 * answers nothing outside /socket.io/); accepting connections is what a
 * proxy in front of it needs.
 */
export async function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      const done = (result: boolean): void => {
        s.destroy();
        resolve(result);
      };
      s.setTimeout(Math.max(1, Math.min(1_000, deadline - Date.now())), () => done(false));
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
    });
    if (ok || Date.now() >= deadline) return ok;
    // The retry interval of a readiness poll, not synchronisation.
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** A URL's hostname that names this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || hostname === '::1';
}
