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
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import type { LaunchContext, RealProductSpec } from './product-spec';
import { REAL_PRODUCTS } from './products';
import { livingGroupMembers, processesMentioning, signalGroup, signalProcess, waitFor } from './process-group';
import { renderTemplate } from './template';

/** proxies/ at the package root (same depth from src/proxy/real and dist/proxy/real). */
export const PROXIES_DIR = path.resolve(__dirname, '..', '..', '..', 'proxies');

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const KILL_WAIT_MS = 3_000;
const MAX_PORT_ATTEMPTS = 3;
const MAX_STREAM_LINES = 400;
const MAX_LOG_FILE_BYTES = 32 * 1024;
const MAX_LOG_FILE_LINES = 200;

/** How to start one real proxy. */
export interface RealProxyOptions {
  /** product name: nginx, haproxy, apache2, caddy, squid, varnish, lighttpd, h2o, trafficserver, tinyproxy */
  product: string;
  /** path of a `.conf.tmpl` using {{LISTEN_PORT}} {{ORIGIN_HOST}} {{ORIGIN_PORT}} {{WORK_DIR}} */
  templatePath: string;
  originHost: string;
  originPort: number;
  /** how long the proxy may take to answer its first request; default per product (20 s or more) */
  readyTimeoutMs?: number;
  /** use this spec instead of the built-in one for `product` (tests, unusual installs) */
  spec?: RealProductSpec;
}

/** A real proxy answering on 127.0.0.1. */
export interface RunningProxy {
  product: string;
  /** the program's own version string, e.g. "1.22.1" */
  version: string;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** PID of the program we started; it leads the process group that stop() kills */
  pid: number;
  workDir: string;
  /** the proxy's own stdout/stderr/log-file lines, capped */
  logs(): string[];
  /** kills the process group, removes WORK_DIR; idempotent */
  stop(): Promise<void>;
}

/** The product's binary is not installed (or cannot run here): the setup is `skipped`. */
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
export class ProxyStartError extends Error {
  constructor(
    message: string,
    public readonly logs: string[],
  ) {
    super(message);
    this.name = 'ProxyStartError';
  }
}

/** The product name is not one we know (user input). */
export class UnknownRealProductError extends Error {
  constructor(public readonly product: string) {
    super(`unknown real proxy "${product}"; expected one of: ${Object.keys(REAL_PRODUCTS).join(', ')}`);
    this.name = 'UnknownRealProductError';
  }
}

/**
 * What a shipped variant models: templates named `forward*` are explicit
 * forward proxies (clients send absolute-form requests and CONNECT, the
 * client's `--via`); every other template is a reverse proxy in front of the origin.
 */
export function variantRole(variant: string): 'reverse' | 'forward' {
  return variant.startsWith('forward') ? 'forward' : 'reverse';
}

/** Path of one of our templates: proxies/<product>/<variant>.conf.tmpl */
export function templatePathFor(product: string, variant: string): string {
  return path.join(PROXIES_DIR, product, `${variant}.conf.tmpl`);
}

/** Every product we can launch, whether its binary is here, and the variants shipped under proxies/. */
export function listRealProducts(): Array<{
  product: string;
  binary: string;
  available: boolean;
  installHint: string;
  variants: string[];
}> {
  return Object.values(REAL_PRODUCTS).map((spec) => ({
    product: spec.product,
    binary: spec.binary,
    available: isExecutable(spec.binary) && spec.unsupportedReason?.() === undefined,
    installHint: spec.unsupportedReason?.() ?? spec.installHint,
    variants: listVariants(spec.product),
  }));
}

/** Variants shipped for a product, from proxies/<product>/*.conf.tmpl, sorted. */
export function listVariants(product: string): string[] {
  try {
    return fs
      .readdirSync(path.join(PROXIES_DIR, product))
      .filter((name) => name.endsWith('.conf.tmpl'))
      .map((name) => name.slice(0, -'.conf.tmpl'.length))
      .sort();
  } catch {
    return [];
  }
}

const running = new Set<ManagedProxy>();

/**
 * Renders the template, starts the product in the foreground in its own
 * process group, and resolves once it answers HTTP on its port.
 * @throws ProxyUnavailable when the binary is missing; ProxyStartError when it will not start or answer
 */
export async function startRealProxy(opts: RealProxyOptions): Promise<RunningProxy> {
  const spec = opts.spec ?? REAL_PRODUCTS[opts.product];
  if (!spec) throw new UnknownRealProductError(opts.product);
  if (!isExecutable(spec.binary)) {
    throw new ProxyUnavailable(`${spec.product}: ${spec.binary} is not installed`, spec.installHint);
  }
  const unsupported = spec.unsupportedReason?.();
  if (unsupported !== undefined) throw new ProxyUnavailable(`${spec.product}: ${unsupported}`, unsupported);

  let template: string;
  try {
    template = await fs.promises.readFile(opts.templatePath, 'utf8');
  } catch (err) {
    throw new ProxyStartError(
      `${spec.product}: cannot read template ${opts.templatePath}: ${(err as Error).message}`,
      [],
    );
  }
  const version = await readVersion(spec);
  const readyTimeoutMs = opts.readyTimeoutMs ?? spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(spec, template, opts, version, readyTimeoutMs);
    } catch (err) {
      // Another program may grab the port between our probe-listen and the proxy's bind.
      const portTaken = err instanceof ProxyStartError && err.logs.some((line) => ADDRESS_IN_USE.test(line));
      if (!portTaken || attempt >= MAX_PORT_ATTEMPTS) throw err;
    }
  }
}

/** Stops every proxy this process started (SIGINT/SIGTERM handlers, test teardown). */
export async function stopAllRealProxies(): Promise<void> {
  await Promise.all([...running].map((proxy) => proxy.stop()));
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|cannot bind socket|could not bind|bind\(\) .*failed/i;

async function startOnce(
  spec: RealProductSpec,
  template: string,
  opts: RealProxyOptions,
  version: string,
  readyTimeoutMs: number,
): Promise<RunningProxy> {
  const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `pushthrough-${spec.product}-`));
  const port = await freePort();
  const ctx: LaunchContext = {
    workDir,
    configPath: path.join(workDir, spec.configFileName),
    port,
    originHost: opts.originHost,
    originPort: opts.originPort,
  };
  const cleanupDir = () => fs.promises.rm(workDir, { recursive: true, force: true, maxRetries: 3 });

  const rendered = renderTemplate(template, {
    LISTEN_PORT: port,
    ORIGIN_HOST: opts.originHost,
    ORIGIN_PORT: opts.originPort,
    WORK_DIR: workDir,
  });
  if (rendered.unknownPlaceholders.length > 0) {
    await cleanupDir();
    throw new ProxyStartError(
      `${spec.product}: template ${opts.templatePath} uses unknown placeholder(s) ${rendered.unknownPlaceholders
        .map((name) => `{{${name}}}`)
        .join(', ')}; expected only {{LISTEN_PORT}}, {{ORIGIN_HOST}}, {{ORIGIN_PORT}}, {{WORK_DIR}}`,
      [],
    );
  }

  const runAs = unprivilegedUser();
  try {
    await fs.promises.writeFile(ctx.configPath, rendered.text);
    await spec.prepare?.(ctx);
    if (runAs) await chownTree(workDir, runAs.uid, runAs.gid);
  } catch (err) {
    await cleanupDir();
    throw new ProxyStartError(`${spec.product}: cannot prepare ${workDir}: ${(err as Error).message}`, []);
  }
  const env = { ...baseEnv(workDir), ...spec.env?.(ctx) };

  if (spec.checkArgs) {
    const check = await run(spec.binary, spec.checkArgs(ctx), { cwd: workDir, env, runAs, timeoutMs: 30_000 });
    if (check.code !== 0) {
      await cleanupDir();
      throw new ProxyStartError(
        `${spec.product}: config check failed for ${opts.templatePath} (exit ${check.code})`,
        splitLines(check.output),
      );
    }
  }

  const child = spawn(spec.binary, spec.foregroundArgs(ctx), {
    cwd: workDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  const proxy = new ManagedProxy(spec, version, port, workDir, child);
  running.add(proxy);
  installExitSafetyNet();

  try {
    await proxy.waitUntilAnswering(readyTimeoutMs);
  } catch (err) {
    const logs = proxy.logs();
    await proxy.stop();
    throw new ProxyStartError(`${spec.product}: ${(err as Error).message}`, [...logs, ...proxy.logs()].slice(-1000));
  }
  return proxy;
}

class ManagedProxy implements RunningProxy {
  readonly product: string;
  readonly url: string;
  readonly pid: number;
  private readonly streamLines: string[] = [];
  private frozenFileLines: string[] | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;

  constructor(
    spec: RealProductSpec,
    readonly version: string,
    readonly port: number,
    readonly workDir: string,
    private readonly child: ChildProcess,
  ) {
    this.product = spec.product;
    this.url = `http://127.0.0.1:${port}`;
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      // spawn failure (EACCES, ENOENT after the existence check): no 'exit' follows
      child.once('error', (err) => {
        this.pushLine('spawn', err.message);
        this.exitInfo = { code: null, signal: null };
        resolve();
      });
    });
    this.capture(child.stdout, 'stdout');
    this.capture(child.stderr, 'stderr');
  }

  logs(): string[] {
    const fileLines = this.frozenFileLines ?? readLogFiles(this.workDir);
    return [...this.streamLines, ...fileLines].slice(-1000);
  }

  async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitInfo) throw new Error(`exited (${describeExit(this.exitInfo)}) before answering on ${this.url}`);
      if (await answersHttp(this.port, Math.min(2_000, Math.max(deadline - Date.now(), 1)))) return;
      // poll again soon, but wake up at once if the process dies
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    throw new Error(`did not answer HTTP on ${this.url} within ${timeoutMs} ms`);
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const pgid = this.pid;
    if (pgid > 0) {
      signalGroup(pgid, 'SIGTERM');
      const gone = () => this.exitInfo !== undefined && livingGroupMembers(pgid).length === 0;
      if (!(await waitFor(gone, STOP_GRACE_MS))) {
        signalGroup(pgid, 'SIGKILL');
        await waitFor(gone, KILL_WAIT_MS);
      }
    }
    // A program that called setsid() itself left our group; it still names WORK_DIR on its command line.
    for (const pid of processesMentioning(this.workDir)) signalProcess(pid, 'SIGKILL');
    this.frozenFileLines = readLogFiles(this.workDir);
    await fs.promises.rm(this.workDir, { recursive: true, force: true, maxRetries: 3 });
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    running.delete(this);
  }

  private capture(stream: NodeJS.ReadableStream | null, label: string): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.pushLine(label, line);
    });
    stream.on('end', () => {
      if (partial) this.pushLine(label, partial);
      partial = '';
    });
  }

  private pushLine(label: string, line: string): void {
    if (line.trim() === '') return;
    this.streamLines.push(`[${label}] ${line.trimEnd()}`);
    if (this.streamLines.length > MAX_STREAM_LINES) this.streamLines.splice(0, this.streamLines.length - MAX_STREAM_LINES);
  }
}

/** One request through the port; any HTTP answer (even 4xx/5xx) means the proxy is serving. */
function answersHttp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/health', method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        req.destroy();
        resolve(true);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A port the OS considers free right now (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const versionCache = new Map<string, Promise<string>>();

function readVersion(spec: RealProductSpec): Promise<string> {
  const key = `${spec.binary}\0${spec.versionArgs.join('\0')}`;
  let pending = versionCache.get(key);
  if (!pending) {
    pending = run(spec.binary, spec.versionArgs, { timeoutMs: 15_000 }).then(
      (result) => spec.versionPattern.exec(result.output)?.[1] ?? 'unknown',
    );
    versionCache.set(key, pending);
  }
  return pending;
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runAs?: { uid: number; gid: number };
  timeoutMs: number;
}

/** Runs a short command to completion; output = stdout + stderr. */
function run(binary: string, args: string[], opts: RunOptions): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        const output = `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}`;
        resolve({ code, output });
      },
    );
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * When we are root, run proxies as `nobody`: several programs refuse to run
 * as root (squid's cache_effective_user, h2o, tinyproxy) or would switch to a
 * system user that cannot enter our private WORK_DIR.
 */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('nobody:'));
    const fields = line?.split(':');
    if (fields && fields.length > 3) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    // fall through to the conventional ids
  }
  return { uid: 65534, gid: 65534 };
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.promises.chown(dir, uid, gid);
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.promises.lchown(full, uid, gid);
  }
}

/** A small, predictable environment: HOME/TMPDIR inside WORK_DIR so nothing is written elsewhere. */
function baseEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    HOME: workDir,
    TMPDIR: workDir,
    XDG_CONFIG_HOME: path.join(workDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(workDir, 'xdg-data'),
  };
}

/** Last lines of every *.log / *.out file under WORK_DIR (a few levels deep). */
function readLogFiles(workDir: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 3) walk(full, depth + 1);
      else if (entry.isFile() && /\.(log|out)$/.test(entry.name)) {
        const label = path.relative(workDir, full);
        for (const line of tailLines(full)) lines.push(`[${label}] ${line}`);
      }
    }
  };
  walk(workDir, 0);
  return lines;
}

function tailLines(file: string): string[] {
  try {
    const { size } = fs.statSync(file);
    const start = Math.max(0, size - MAX_LOG_FILE_BYTES);
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      const lines = splitLines(buffer.toString('utf8'));
      if (start > 0) lines.shift(); // probably cut in the middle
      return lines.slice(-MAX_LOG_FILE_LINES);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}

function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}

function describeExit(info: { code: number | null; signal: NodeJS.Signals | null }): string {
  return info.signal ? `signal ${info.signal}` : `code ${info.code}`;
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
    for (const proxy of running) {
      if (proxy.pid > 0) signalGroup(proxy.pid, 'SIGKILL');
      try {
        fs.rmSync(proxy.workDir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}
