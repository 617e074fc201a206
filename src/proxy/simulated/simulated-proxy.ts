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
import type { Socket } from 'node:net';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ExchangeRun, type ProxyRuntime, type StackedFault } from './exchange';
import type { FaultDefinition } from './fault-types';
import { FAULTS } from './faults';
import { HttpProxyAdapter } from './http-proxy-adapter';
import { listen } from '../../util/net';

/** One fault of a stack, as data (JSON/YAML setups, CLI). */
export interface FaultSpec {
  name: string;
  params?: Record<string, unknown>;
}

export interface SimulatedProxyOptions {
  /** origin base URLs, at least one; `balance` uses all, every other fault targets[0] */
  targets: string[];
  /** listed from the client's side to the origin's side */
  faults: FaultSpec[];
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: the OS picks a free port */
  port?: number;
}

export interface RunningSimulatedProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** one sentence per fault, in stack order */
  explained: string[];
  /** what the faults logged (limits reached), the newest last */
  logs(): string[];
  /** Closes the server and destroys every socket, including held and dropped ones. */
  close(): Promise<void>;
}

const MAX_LOG_LINES = 500;

/** A fault spec that passed its schema, with defaults applied. */
export interface ResolvedFault {
  name: string;
  params: Record<string, unknown>;
  definition: FaultDefinition<Record<string, unknown>>;
}

/** Bad options: `message` is one line naming what is wrong and what was expected. */
export class SimulatedProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedProxyConfigError';
  }
}

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, strictRequired: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(def: FaultDefinition<unknown>): ValidateFunction {
  let v = validators.get(def.name);
  if (!v) {
    v = ajv.compile(def.paramsSchema);
    validators.set(def.name, v);
  }
  return v;
}

function describeSchemaError(err: ErrorObject, schema: Record<string, unknown>): string {
  const field = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const subject = field === '' ? 'params' : field;
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((schema['properties'] as Record<string, unknown>) ?? {});
      return `unknown parameter '${String(p['additionalProperty'])}' (expected one of: ${known.join(', ') || 'none'})`;
    }
    case 'type': {
      const type = String(p['type']);
      return `${subject} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    }
    case 'enum':
      return `${subject} must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${subject} must be ${String(p['comparison'])} ${String(p['limit'])}`;
    case 'minItems':
      return `${subject} must have at least ${String(p['limit'])} item(s)`;
    case 'anyOf':
    case 'oneOf':
      return typeof schema['description'] === 'string' ? `params: ${schema['description']}` : `params ${err.message ?? 'are invalid'}`;
    default:
      return `${subject} ${err.message ?? 'is invalid'}`;
  }
}

function valueAt(params: unknown, instancePath: string): unknown {
  let v: unknown = params;
  for (const key of instancePath.split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Checks every fault spec against its fault's schema (defaults applied) and
 * resolves them; throws SimulatedProxyConfigError with a one-line message.
 */
export function resolveFaults(faults: FaultSpec[]): ResolvedFault[] {
  if (!Array.isArray(faults)) throw new SimulatedProxyConfigError('faults must be a list of {name, params}');
  return faults.map((spec, i) => {
    if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string') {
      throw new SimulatedProxyConfigError(`faults[${i}]: expected an object {name, params} with a fault name`);
    }
    const definition = FAULTS[spec.name] as FaultDefinition<Record<string, unknown>> | undefined;
    if (!definition) {
      throw new SimulatedProxyConfigError(`faults[${i}]: unknown fault '${spec.name}' (expected one of: ${Object.keys(FAULTS).join(', ')})`);
    }
    const raw = spec.params ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SimulatedProxyConfigError(`faults[${i}] '${spec.name}': params must be an object`);
    }
    const params = structuredClone(raw) as Record<string, unknown>;
    const validate = validatorFor(definition);
    if (!validate(params)) {
      // For anyOf/oneOf ajv lists each branch's error first; the summary reads better.
      const errors = validate.errors ?? [];
      const err = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf') ?? errors[0];
      const text = err ? describeSchemaError(err, definition.paramsSchema) : 'params are invalid';
      const got = err && err.keyword !== 'additionalProperties' && err.instancePath ? ` (got ${JSON.stringify(valueAt(raw, err.instancePath))})` : '';
      throw new SimulatedProxyConfigError(`faults[${i}] '${spec.name}': ${text}${got}`);
    }
    return { name: spec.name, params, definition };
  });
}

/**
 * One line naming the first invalid fault (index, name, field, what was
 * expected), or null when every spec is valid.
 */
export function validateFaults(faults: FaultSpec[]): string | null {
  try {
    resolveFaults(faults);
    return null;
  } catch (err) {
    if (err instanceof SimulatedProxyConfigError) return err.message;
    throw err;
  }
}

/** One sentence per fault, in stack order (for reports and `pushthrough setups`). */
export function explainFaults(faults: FaultSpec[]): string[] {
  return resolveFaults(faults).map((f) => f.definition.explain(f.params));
}

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

/** Starts a simulated proxy in front of `targets` with the given fault stack. */
export async function startSimulatedProxy(opts: SimulatedProxyOptions): Promise<RunningSimulatedProxy> {
  const targets = parseTargets(opts.targets);
  const resolved = resolveFaults(opts.faults ?? []);
  if (resolved.some((f) => f.name === 'balance') && targets.length < 2) {
    throw new SimulatedProxyConfigError(`fault 'balance' needs at least 2 targets (got ${targets.length})`);
  }
  const host = opts.host ?? '127.0.0.1';
  const faults: StackedFault[] = resolved.map((f) => ({ name: f.name, behaviour: f.definition.create(f.params) }));
  const clientSockets = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  const adapter = new HttpProxyAdapter();
  const logLines: string[] = [];
  const rt: ProxyRuntime = {
    adapter,
    faults,
    targets,
    trackUpstream(socket) {
      if (socket.destroyed || upstreamSockets.has(socket)) return;
      upstreamSockets.add(socket);
      socket.once('close', () => upstreamSockets.delete(socket));
    },
    log(line) {
      logLines.push(line);
      if (logLines.length > MAX_LOG_LINES) logLines.splice(0, logLines.length - MAX_LOG_LINES);
    },
  };
  let nextId = 0;
  const server = http.createServer();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      new ExchangeRun(rt, ++nextId, req, { kind: 'http', res }).start();
    } catch {
      res.destroy();
    }
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    try {
      new ExchangeRun(rt, ++nextId, req, { kind: 'handshake', head }).start();
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

  const port = await listen(server, opts.port ?? 0, host);
  server.on('error', () => {});
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    explained: resolved.map((f) => f.definition.explain(f.params)),
    logs: () => [...logLines],
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of clientSockets) s.destroy();
        for (const s of upstreamSockets) s.destroy();
        server.closeAllConnections();
        for (const f of faults) {
          try {
            f.behaviour.close?.();
          } catch {
            // closing must finish whatever a fault does
          }
        }
        adapter.close();
      });
      return closing;
    },
  };
}
