/**
 * A simulated proxy: one HTTP server on 127.0.0.1 that forwards to the origin
 * through a stack of faults (see fault-types.ts for the order and
 * http-proxy-adapter.ts for the plumbing).
 *
 *   client ──▶ [ faults[0] … faults[n-1] ] ──http-proxy──▶ targets[0] (or the one `balance` picks)
 *
 * It never crashes on a client or upstream error: every socket has an error
 * listener, upstream failures become 502 answers, and a fault that throws
 * turns into a 502 (before headers) or a closed connection (after).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { ExchangeRun } from './exchange';
import { ExchangeRecord } from './exchange-record';
import type { ProxyRuntime, StackedFault } from './runtime';
import { resolveFaults, SimulatedProxyConfigError, type FaultSpec } from './fault-specs';
import { HttpProxyAdapter } from './http-proxy-adapter';
import { listen } from '../../util/net';
import { startH2PassThrough, type RunningH2PassThrough } from '../h2/pass-through';

export interface SimulatedProxyOptions {
  /** origin base URLs, at least one; `balance` uses all, every other fault targets[0] */
  targets: string[];
  /** listed from the client's side to the origin's side */
  faults: FaultSpec[];
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: the OS picks a free port */
  port?: number;
  /** every log line as it is written: one per exchange, and what faults do to long ones while they last */
  onLog?: (line: string) => void;
  /**
   * Serve https (and wss) with this certificate and key: a TLS front. HTTP/1.1
   * only, said so by ALPN (http-proxy speaks no HTTP/2), unless `http2`.
   */
  tls?: { cert: string; key: string };
  /**
   * With `tls`: offer HTTP/2 (and HTTP/1.1) by ALPN, through pushthrough's
   * HTTP/2 front (src/proxy/h2) listening where asked, before the faults: they
   * act on the front's connections to them, as an HTTP/2 load balancer's
   * timeouts act on its backend connections, and reach the client as stream ends.
   */
  http2?: boolean;
}

export interface RunningSimulatedProxy {
  /** http://127.0.0.1:PORT, or https:// for a TLS front (the HTTP/2 front's, with `http2`) */
  url: string;
  port: number;
  /** one sentence per fault of the current stack, in stack order */
  readonly explained: string[];
  /** the current fault stack, as data (defaults filled in) */
  faults(): FaultSpec[];
  /**
   * Replaces the fault stack: new exchanges get it at once, exchanges under
   * way keep the stack they started with.
   * @throws SimulatedProxyConfigError naming the first invalid fault
   */
  setFaults(faults: FaultSpec[]): void;
  /** Drops every open connection, as a load balancer reload does; keeps listening. */
  reset(): void;
  /** the log, the newest line last (at most the last 500) */
  logs(): string[];
  /** Closes the server and destroys every socket, including held and dropped ones. */
  close(): Promise<void>;
}

export { explainFaults, resolveFaults, SimulatedProxyConfigError, validateFaults, type FaultSpec, type ResolvedFault } from './fault-specs';

const MAX_LOG_LINES = 500;

function parseTargets(targets: string[]): URL[] {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new SimulatedProxyConfigError('targets must list at least one origin URL (e.g. http://127.0.0.1:8080)');
  }
  return targets.map((t, i) => {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      throw new SimulatedProxyConfigError(`targets[${i}]: '${t}' is not a URL (expected http://host:port)`);
    }
    if (url.protocol !== 'http:') throw new SimulatedProxyConfigError(`targets[${i}]: '${t}' must be an http:// URL`);
    return url;
  });
}

/** A fault stack in use: closed once it is replaced and its last exchange has ended. */
class Stack {
  active = 0;
  retired = false;
  constructor(
    readonly specs: FaultSpec[],
    readonly faults: StackedFault[],
    readonly explained: string[],
  ) {}

  static of(faults: FaultSpec[], targets: readonly URL[]): Stack {
    const resolved = resolveFaults(faults ?? []);
    if (resolved.some((f) => f.name === 'balance') && targets.length < 2) {
      throw new SimulatedProxyConfigError(`fault 'balance' needs at least 2 targets (got ${targets.length})`);
    }
    return new Stack(
      resolved.map((f) => ({ name: f.name, params: f.params })),
      resolved.map((f) => ({ name: f.name, behaviour: f.definition.create(f.params) })),
      resolved.map((f) => f.definition.explain(f.params)),
    );
  }

  enter(): () => void {
    this.active += 1;
    return () => {
      this.active -= 1;
      if (this.retired && this.active === 0) this.close();
    };
  }

  retire(): void {
    this.retired = true;
    if (this.active === 0) this.close();
  }

  close(): void {
    for (const f of this.faults) {
      try {
        f.behaviour.close?.();
      } catch {
        // closing must finish whatever a fault does
      }
    }
  }
}

/** Starts a simulated proxy in front of `targets` with the given fault stack. */
export async function startSimulatedProxy(opts: SimulatedProxyOptions): Promise<RunningSimulatedProxy> {
  const targets = parseTargets(opts.targets);
  let stack = Stack.of(opts.faults, targets);
  const host = opts.host ?? '127.0.0.1';
  const clientSockets = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  const adapter = new HttpProxyAdapter();
  // Reused upstream connections, as nginx's `keepalive` and HAProxy's `http-reuse safe`.
  const keepAlive = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });
  const logLines: string[] = [];
  const log = (line: string): void => {
    logLines.push(line);
    if (logLines.length > MAX_LOG_LINES) logLines.splice(0, logLines.length - MAX_LOG_LINES);
    opts.onLog?.(line);
  };
  const trackUpstream = (socket: Socket): void => {
    if (socket.destroyed || upstreamSockets.has(socket)) return;
    upstreamSockets.add(socket);
    socket.once('close', () => upstreamSockets.delete(socket));
  };
  let nextId = 0;
  /** One exchange with the current stack, its own log record, and its line when it ends. */
  const exchange = (req: http.IncomingMessage, mode: ConstructorParameters<typeof ExchangeRun>[3]): void => {
    const record = new ExchangeRecord(++nextId, req, log);
    const used = stack;
    const leave = used.enter();
    const rt: ProxyRuntime = { adapter, faults: used.faults, targets, keepAlive, trackUpstream, log: (line) => record.note(line) };
    const run = new ExchangeRun(rt, record.id, req, mode);
    run.onEnd(() => {
      record.finish(run.status, run.upgrade);
      leave();
    });
    run.start();
  };
  // Behind an HTTP/2 front the fault stack itself listens in plain HTTP on loopback.
  const h2Front = opts.tls !== undefined && opts.http2 === true;
  const ownTls = h2Front ? undefined : opts.tls;
  const server = ownTls ? https.createServer({ cert: ownTls.cert, key: ownTls.key, ALPNProtocols: ['http/1.1'] }) : http.createServer();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      exchange(req, { kind: 'http', res });
    } catch {
      res.destroy();
    }
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    try {
      exchange(req, { kind: 'handshake', head });
    } catch {
      socket.destroy();
    }
  });
  server.on('connection', (socket: Socket) => {
    clientSockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => clientSockets.delete(socket));
  });
  // Garbage from a client: 400 and close, never a crash.
  server.on('clientError', (_err: Error, socket: Socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  // Streams and held requests are long-lived by design; timeouts are faults' business.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  const ownPort = await listen(server, h2Front ? 0 : (opts.port ?? 0), h2Front ? '127.0.0.1' : host);
  server.on('error', () => {});
  const dropAll = (): void => {
    for (const s of clientSockets) s.destroy();
    for (const s of upstreamSockets) s.destroy();
    keepAlive.destroy();
  };
  const closeOwn = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      dropAll();
      server.closeAllConnections();
      stack.retire();
      adapter.close();
    });
  let front: RunningH2PassThrough | undefined;
  try {
    front = h2Front ? await startH2PassThrough({ target: `http://127.0.0.1:${ownPort}`, tls: opts.tls!, host, port: opts.port }) : undefined;
  } catch (err) {
    await closeOwn();
    throw err;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: front?.url ?? `${ownTls ? 'https' : 'http'}://${urlHost}:${ownPort}`,
    port: front?.port ?? ownPort,
    get explained() {
      return stack.explained;
    },
    faults: () => structuredClone(stack.specs),
    setFaults(faults) {
      const next = Stack.of(faults, targets);
      const old = stack;
      stack = next;
      old.retire();
    },
    reset() {
      log(`reset: dropped ${clientSockets.size} client and ${upstreamSockets.size} upstream connection(s)`);
      dropAll();
    },
    logs: () => [...logLines],
    close() {
      closing ??= (async () => {
        await front?.close();
        await closeOwn();
      })();
      return closing;
    },
  };
}
