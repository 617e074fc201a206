/**
 * Runs a REAL proxy program (nginx, haproxy, squid...) from its own binary in
 * front of the origin, with a config rendered from a template.
 *
 *   template ──render──▶ WORK_DIR/<config> ──spawn (own process group)──▶ proxy on 127.0.0.1:PORT ──▶ origin
 *
 * Everything the proxy writes (pid, logs, cache, sockets) goes to a private
 * WORK_DIR made with mkdtemp; stop() kills the whole process group and removes
 * that dir. When this process runs as root the proxy runs as `nobody`, so it
 * behaves as it would for an ordinary user and cannot write outside WORK_DIR.
 *
 * Failures are typed: ProxyUnavailable (binary missing → the setup is
 * `skipped` with an install hint) vs ProxyStartError (it would not start or
 * answer → an `error` cell, with the proxy's own log lines).
 */
import { spawn } from 'node:child_process';
import { runRegistry } from '../../util/run-registry';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { baseEnv, chownTree, execToEnd, readVersion, unprivilegedUser } from './exec';
import { isExecutable } from './installed';
import { ManagedProxy, type RunningProxy } from './managed-proxy';
import { installHint, type LaunchContext, type LaunchSpec } from './product';
import { RUNNABLE_PRODUCTS, runnableProduct } from './products';
import { splitLines } from './proxy-logs';
import { CA_PLACEHOLDERS, namedPlaceholders, renderTemplate, TEMPLATE_PLACEHOLDERS, templateNeedsTls, templateServesTls } from './template';
import { runThrowawayTls, writeServerTls, type ServerTls } from '../../util/certs';
import { TesterError } from '../../util/errors';
import { freePort, waitForHttp } from '../../util/net';

export type { RunningProxy } from './managed-proxy';

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const MAX_PORT_ATTEMPTS = 3;

/** How to start one real proxy. */
export interface RealProxyOptions {
  /** product id: nginx, haproxy, apache2, caddy, squid, varnish, lighttpd, h2o, trafficserver, tinyproxy */
  product: string;
  /** path of a `.conf.tmpl` using {{LISTEN_PORT}} {{ORIGIN_HOST}} {{ORIGIN_PORT}} {{WORK_DIR}}, and for a TLS front {{TLS_CERT}} {{TLS_KEY}} {{TLS_PEM}} */
  templatePath: string;
  /** a TLS front's certificate and key; default the run's throwaway one (util/certs runThrowawayTls) */
  tls?: ServerTls;
  originHost: string;
  originPort: number;
  /** listen here instead of a free port the OS picks (the lab's fixed port plan) */
  port?: number;
  /** how long the proxy may take to answer its first request; default per product (20 s or more) */
  readyTimeoutMs?: number;
  /** run this instead of the product's own launch (tests, unusual installs) */
  launch?: LaunchSpec;
}

/** The product's binary is not installed: the setup is `skipped`. */
export class ProxyUnavailable extends Error {
  constructor(
    message: string,
    /** what to run to make it available, e.g. "apt-get install -y nginx" */
    public readonly installHint: string,
  ) {
    super(message);
    this.name = 'ProxyUnavailable';
  }
}

/** The proxy would not start or answer in time: an `error` cell, with its logs. */
export class ProxyStartError extends TesterError {
  constructor(message: string, logs: string[]) {
    super(message, logs);
    this.name = 'ProxyStartError';
  }
}

/** The product name is not one we can run (user input). */
export class UnknownRealProductError extends Error {
  constructor(public readonly product: string) {
    super(`unknown real proxy "${product}"; expected one of: ${RUNNABLE_PRODUCTS.map((p) => p.id).join(', ')}`);
    this.name = 'UnknownRealProductError';
  }
}

const running = new Set<ManagedProxy>();

/**
 * Renders the template, starts the product in the foreground in its own
 * process group, and resolves once it answers HTTP on its port.
 * @throws ProxyUnavailable when the binary is missing; ProxyStartError when it will not start or answer
 */
export async function startRealProxy(opts: RealProxyOptions): Promise<RunningProxy> {
  const product = runnableProduct(opts.product);
  const launch = opts.launch ?? product?.launch;
  if (!launch) throw new UnknownRealProductError(opts.product);
  if (!isExecutable(launch.binary)) {
    throw new ProxyUnavailable(`${opts.product}: ${launch.binary} is not installed`, product ? installHint(product) : `install ${launch.binary}`);
  }
  let template: string;
  try {
    template = await fs.promises.readFile(opts.templatePath, 'utf8');
  } catch (err) {
    throw new ProxyStartError(`${opts.product}: cannot read template ${opts.templatePath}: ${(err as Error).message}`, []);
  }
  const missing = launch.missingFor?.(template);
  if (missing) throw new ProxyUnavailable(`${opts.product}: ${missing.path} is not installed (template ${path.basename(opts.templatePath)} needs it)`, missing.install);
  const version = await readVersion(launch);
  let tls: ServerTls | undefined;
  if (templateNeedsTls(template)) {
    try {
      tls = opts.tls ?? (await runThrowawayTls());
    } catch (err) {
      throw new ProxyStartError(`${opts.product}: cannot make the throwaway certificate its TLS template needs: ${(err as Error).message}`, []);
    }
    const named = namedPlaceholders(template);
    const caNamed = CA_PLACEHOLDERS.filter((name) => named.has(name));
    if (caNamed.length > 0 && !(tls.ca && tls.caKey)) {
      throw new ProxyStartError(`${opts.product}: template ${opts.templatePath} signs certificates with the run's CA ({{${caNamed.join('}}, {{')}}}); a certificate of your own has no CA key to give it`, []);
    }
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? launch.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, launch, template, version, readyTimeoutMs, tls);
    } catch (err) {
      // Another program may grab the port between our probe-listen and the proxy's bind.
      const portTaken = err instanceof ProxyStartError && err.logs.some((line) => ADDRESS_IN_USE.test(line));
      if (!portTaken || attempt >= MAX_PORT_ATTEMPTS || opts.port !== undefined) throw err;
    }
  }
}

/** Stops every proxy this process started (SIGINT/SIGTERM handlers, test teardown). */
export async function stopAllRealProxies(): Promise<void> {
  await Promise.all([...running].map((proxy) => proxy.stop()));
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|cannot bind socket|could not bind|bind\(\) .*failed/i;

async function startOnce(opts: RealProxyOptions, launch: LaunchSpec, template: string, version: string, readyTimeoutMs: number, tls: ServerTls | undefined): Promise<RunningProxy> {
  const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `pushthrough-${opts.product}-`));
  // Written down at once, so a SIGKILLed run leaves a record the next run reaps.
  const forgetDir = runRegistry.tempDir(workDir, opts.product);
  const port = opts.port ?? (await freePort());
  const ctx: LaunchContext = { workDir, configPath: path.join(workDir, launch.configFileName), port, originHost: opts.originHost, originPort: opts.originPort };
  const cleanupDir = async (): Promise<void> => {
    await fs.promises.rm(workDir, { recursive: true, force: true, maxRetries: 3 });
    forgetDir();
  };

  // Only the TLS files the template names (the CA's key only for an intercepting proxy), owner-only,
  // written before the tree is handed to the unprivileged user.
  let tlsFiles = {};
  try {
    tlsFiles = tls ? writeServerTls(workDir, tls, namedPlaceholders(template)) : {};
  } catch (err) {
    await cleanupDir();
    throw new ProxyStartError(`${opts.product}: cannot write its TLS files into ${workDir}: ${(err as Error).message}`, []);
  }
  const rendered = renderTemplate(template, { LISTEN_PORT: port, ORIGIN_HOST: opts.originHost, ORIGIN_PORT: opts.originPort, WORK_DIR: workDir, ...tlsFiles });
  if (rendered.unknownPlaceholders.length > 0) {
    await cleanupDir();
    const unknown = rendered.unknownPlaceholders.map((name) => `{{${name}}}`).join(', ');
    const known = TEMPLATE_PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ');
    throw new ProxyStartError(`${opts.product}: template ${opts.templatePath} uses unknown placeholder(s) ${unknown}; expected only ${known}`, []);
  }

  const runAs = unprivilegedUser();
  try {
    await fs.promises.writeFile(ctx.configPath, rendered.text);
    await launch.prepare?.(ctx);
    if (runAs) await chownTree(workDir, runAs.uid, runAs.gid);
  } catch (err) {
    await cleanupDir();
    throw new ProxyStartError(`${opts.product}: cannot prepare ${workDir}: ${(err as Error).message}`, []);
  }
  const env = { ...baseEnv(workDir), ...launch.env?.(ctx) };

  if (launch.checkArgs) {
    const check = await execToEnd(launch.binary, launch.checkArgs(ctx), { cwd: workDir, env, runAs, timeoutMs: 30_000 });
    if (check.code !== 0) {
      await cleanupDir();
      throw new ProxyStartError(`${opts.product}: config check failed for ${opts.templatePath} (exit ${check.code})`, splitLines(check.output));
    }
  }

  const child = spawn(launch.binary, launch.foregroundArgs(ctx), {
    cwd: workDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  const forgetProcess = child.pid ? runRegistry.process(child.pid, opts.product) : () => undefined;
  // Only a template that serves TLS itself is reached at https:// (an intercepting forward proxy takes CONNECT in the clear).
  const proxy = new ManagedProxy(opts.product, version, port, workDir, child, tls && templateServesTls(template) ? { ca: tls.ca } : undefined, () => {
    running.delete(proxy);
    forgetProcess();
    forgetDir();
  });
  running.add(proxy);
  installExitSafetyNet();

  try {
    await waitUntilAnswering(proxy, readyTimeoutMs);
  } catch (err) {
    const logs = proxy.logs();
    await proxy.stop();
    throw new ProxyStartError(`${opts.product}: ${(err as Error).message}`, [...logs, ...proxy.logs()].slice(-1000));
  }
  return proxy;
}

/** Polls GET /health until any HTTP answer comes, waking at once if the program exits. */
async function waitUntilAnswering(proxy: ManagedProxy, timeoutMs: number): Promise<void> {
  // A user's own certificate may not chain to anything here: readiness only needs an answer.
  if (await waitForHttp(`${proxy.url}/health`, timeoutMs, proxy.exited, proxy.tls ? (proxy.ca ? { ca: proxy.ca } : { insecure: true }) : undefined)) return;
  const exit = proxy.exitDescription();
  if (exit) throw new Error(`exited (${exit}) before answering on ${proxy.url}`);
  throw new Error(`did not answer HTTP on ${proxy.url} within ${timeoutMs} ms`);
}

let safetyNetInstalled = false;

/**
 * Last resort when the process exits without calling stopAllRealProxies():
 * 'exit' handlers must be synchronous, so SIGKILL each group and remove its dir.
 */
function installExitSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on('exit', () => {
    for (const proxy of running) proxy.killNow();
    runRegistry.close();
  });
}
