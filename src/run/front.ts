/**
 * A setup in front of any HTTP/WebSocket app, not only pushthrough's origin:
 * `pushthrough proxy`, the JS API's startProxy() and the container lab's proxy
 * services. A simulated setup is a fault stack on http-proxy, with the real
 * products' timeouts (src/setup/real-world.ts) and faults that can be changed
 * while it runs; a real one is a product started from its template.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startRealProxy } from '../proxy/real/launcher';
import { templateServesTls } from '../proxy/real/template';
import { runThrowawayTls } from '../util/certs';
import { FirewallUnavailable, startFirewall } from '../proxy/firewall/firewall';
import { startSimulatedProxy, validateFaults, type FaultSpec } from '../proxy/simulated/simulated-proxy';
import { realWorldFaults, realWorldFirewall } from '../setup/real-world';
import type { Setup } from '../setup/types';
import { UsageError } from '../util/errors';
import { acceptsConnections } from '../util/net';
import { builtInSetups, loadUserSetupFile, realSetupFrom } from './setups';

export interface ProxyOptions {
  /** a setup id (`pushthrough setups`), a setup file (.yaml/.json), or a Setup */
  setup?: string | Setup;
  /** instead of `setup`: a real product and its template, `nginx=tuned` or `nginx=./site.conf.tmpl` */
  real?: string;
  /** the app behind: http://host:port */
  target: string;
  /** port to listen on; 0 (the default) = any free port */
  port?: number;
  /** address to listen on (default 127.0.0.1); real templates listen on 127.0.0.1 only */
  host?: string;
  /** the products' real timeouts times this (default 1; 0.02 runs the matrix's timing) */
  scale?: number;
  /** wait up to this long for the target to answer (default 3 s) */
  waitMs?: number;
  /** every log line as it is written: one per exchange, and what faults do to long ones while they last */
  onLog?: (line: string) => void;
  /**
   * A TLS front (a simulated setup with `tls: true`, or a real product's
   * template naming {{TLS_CERT}}, {{TLS_KEY}} or {{TLS_PEM}}): serve this
   * certificate and key (PEM) instead of a throwaway one from a CA made for
   * this process
   */
  tls?: { cert: string; key: string };
}

/** A running proxy in front of an app. */
export interface RunningProxy {
  /** where clients connect: https:// for a TLS front */
  url: string;
  port: number;
  /** a TLS front with a throwaway certificate: the CA certificate (PEM) clients must trust */
  ca?: string;
  setup: Setup;
  /** one line per part of the setup, for the person who started it */
  explanation: string[];
  /** where real-world values replaced the matrix's scaled ones */
  realWorld: string[];
  /** the fault stack in use (simulated setups; empty for a real product) */
  faults(): FaultSpec[];
  /**
   * Replaces the fault stack: new exchanges get it at once.
   * @throws UsageError naming the first invalid fault; or for a real product, whose faults are its config
   */
  setFaults(faults: FaultSpec[]): void;
  /** Drops every open connection, as a load balancer reload does. */
  reset(): void;
  logs(): string[];
  /** resolves if the proxy ends by itself (a real program that exited) */
  exited: Promise<void>;
  /** Stops it and everything it started. */
  close(): Promise<void>;
}

/** `--setup`: a built-in id, a setup file (YAML/JSON), or a Setup already loaded. */
export function setupFrom(spec: string | Setup): Setup {
  if (typeof spec !== 'string') return spec;
  if (/\.(ya?ml|json)$/.test(spec) || spec.includes(path.sep)) return loadUserSetupFile(path.resolve(spec));
  const found = builtInSetups().find((s) => s.id === spec);
  if (!found) throw new UsageError(`setup: unknown setup '${spec}' (expected a setup id from 'pushthrough setups', or a setup file)`);
  return found;
}

function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) throw new UsageError(`scale must be a number above 0 and at most 100 (1 = the products' real timeouts, 0.02 = the matrix's), got ${scale}`);
  return scale;
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  if ((opts.setup === undefined) === (opts.real === undefined)) throw new UsageError('give exactly one of setup and real');
  const setup = opts.setup !== undefined ? setupFrom(opts.setup) : realSetupFrom(opts.real!, 'real');
  let target: URL;
  try {
    target = new URL(opts.target);
  } catch {
    throw new UsageError(`target: '${opts.target}' is not a URL (expected http://host:port of your app)`);
  }
  if (target.protocol !== 'http:') throw new UsageError(`target: '${opts.target}' must be an http:// URL (the proxy speaks plain HTTP to the app)`);
  const waitMs = opts.waitMs ?? 3_000;
  if (!(await acceptsConnections(target.hostname, Number(target.port || 80), waitMs))) {
    throw new UsageError(`target: nothing accepts connections at ${target.host} (waited ${waitMs / 1000} s; expected your app to be running there)`);
  }
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  try {
    const servesTls = setup.kind === 'simulated' ? setup.tls === true : setup.kind === 'real' && !!setup.real && templateServesTls(fs.readFileSync(setup.real.template, 'utf8'));
    if (opts.tls && !servesTls) {
      throw new UsageError(`tls: a certificate is for a TLS front (a simulated setup with 'tls: true', or a real product's template naming {{TLS_CERT}}, {{TLS_KEY}} or {{TLS_PEM}}); '${setup.id}' speaks plain HTTP`);
    }
    if (setup.kind === 'simulated') return await simulated(setup, target, host, port, opts);
    if (setup.kind === 'real' && setup.real) return await real(setup, target, host, port, opts.tls);
    if (setup.kind === 'firewall' && setup.firewall) return await firewall(setup, target, host, port, opts);
  } catch (err) {
    if (err instanceof FirewallUnavailable) throw new UsageError(`setup '${setup.id}': ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use (pick another, or 0 for any free port)`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${host} (not an address of this machine)`);
    throw err;
  }
  throw new UsageError(`setup '${setup.id}' is ${setup.kind}: only simulated, real and firewall setups can stand in front of an app`);
}

async function simulated(setup: Setup, target: URL, host: string, port: number, opts: ProxyOptions): Promise<RunningProxy> {
  const { faults, changes } = realWorldFaults(setup.faults ?? [], checkScale(opts.scale ?? 1));
  // A setup given as an object was not checked by a loader.
  const problem = validateFaults(faults);
  if (problem) throw new UsageError(`setup '${setup.id}': ${problem}`);
  // A TLS front: the user's certificate, or a throwaway one whose CA the caller shows.
  const made = setup.tls && !opts.tls ? await runThrowawayTls() : undefined;
  const tls = setup.tls ? (opts.tls ?? { cert: made!.cert, key: made!.key }) : undefined;
  const proxy = await startSimulatedProxy({ targets: [target.origin], faults, host, port, onLog: opts.onLog, ...(tls ? { tls, http2: setup.http2 } : {}) });
  return {
    url: proxy.url,
    port: proxy.port,
    ...(made ? { ca: made.ca } : {}),
    setup,
    get explanation() {
      return proxy.explained.length ? proxy.explained : ['passes everything through unchanged'];
    },
    realWorld: changes,
    faults: () => proxy.faults(),
    setFaults(next) {
      const problem = validateFaults(next);
      if (problem) throw new UsageError(problem);
      proxy.setFaults(next);
    },
    reset: () => proxy.reset(),
    logs: () => proxy.logs(),
    exited: new Promise(() => undefined),
    close: () => proxy.close(),
  };
}

async function real(setup: Setup, target: URL, host: string, port: number, tls: { cert: string; key: string } | undefined): Promise<RunningProxy> {
  const spec = setup.real!;
  if (host !== '127.0.0.1') throw new UsageError(`host ${host}: a real product's template listens on 127.0.0.1 (expected 127.0.0.1 with a real product)`);
  const proxy = await startRealProxy({
    product: spec.product,
    templatePath: spec.template,
    originHost: target.hostname,
    originPort: Number(target.port || 80),
    port: port === 0 ? undefined : port,
    tls,
  });
  const fixed = (): never => {
    throw new UsageError(`${spec.product}: a real product's behaviour is its config template; faults apply to simulated setups only`);
  };
  return {
    url: proxy.url,
    port: proxy.port,
    ...(proxy.ca ? { ca: proxy.ca } : {}),
    setup,
    explanation: [`${proxy.product} ${proxy.version} from ${spec.template}${spec.forward ? ' (a forward proxy: clients go through it with --via)' : ''}`],
    realWorld: [],
    faults: () => [],
    setFaults: fixed,
    reset: fixed,
    logs: () => proxy.logs(),
    exited: proxy.exited,
    close: () => proxy.stop(),
  };
}

/**
 * The kernel's firewall in front of the app (or in front of the setup it
 * stands over, itself in front of the app), with the products' own idle
 * timeout times --scale, in whole seconds as conntrack counts them.
 */
async function firewall(setup: Setup, target: URL, host: string, port: number, opts: ProxyOptions): Promise<RunningProxy> {
  const { spec, changes } = realWorldFirewall(setup.firewall!, checkScale(opts.scale ?? 1));
  const inner = setup.inner ? await startProxy({ ...opts, setup: setup.inner, host: '127.0.0.1', port: 0 }) : undefined;
  const upstream = inner ? new URL(inner.url) : target;
  let fw;
  try {
    fw = await startFirewall(spec, { host: upstream.hostname, port: Number(upstream.port || 80) }, { host, port });
  } catch (err) {
    await inner?.close();
    throw err;
  }
  const fixed = (): never => {
    throw new UsageError(`setup '${setup.id}': a firewall's behaviour is its rules; faults apply to simulated setups only`);
  };
  return {
    url: fw.url,
    port: Number(new URL(fw.url).port),
    setup,
    explanation: [fw.explanation, ...(inner ? [`in front of ${setup.inner!.id}: ${inner.explanation.join('; ')}`] : [])],
    realWorld: changes,
    faults: () => [],
    setFaults: fixed,
    reset: fixed,
    logs: () => [...fw.logs(), ...(inner?.logs() ?? [])],
    // The hop gone (and its namespace with it), or the proxy it stands in front of: either ends this.
    exited: Promise.race([fw.exited, inner?.exited ?? new Promise<void>(() => undefined)]),
    close: async () => {
      await fw.stop();
      await inner?.close();
    },
  };
}
