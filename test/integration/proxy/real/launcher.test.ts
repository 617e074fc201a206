/**
 * The launcher's lifecycle and failure modes, with a tiny "product" that is a
 * node script (so each failure can be staged exactly). The config check of a
 * real product is in test/lab/proxy/real/launcher.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  ProxyStartError,
  ProxyUnavailable,
  startRealProxy,
  stopAllRealProxies,
  UnknownRealProductError,
  type RunningProxy,
} from '../../../../src/proxy/real/launcher';
import { templatePathFor } from '../../../../src/proxy/real/installed';
import type { LaunchSpec } from '../../../../src/proxy/real/product';
import { nginx } from '../../../../src/proxy/real/products/nginx';
import { recordGet } from '../../../helpers/behaviour';
import { isRunning, runningInGroup } from '../../../helpers/ps';

let scratch: string;
const started: RunningProxy[] = [];

beforeAll(async () => {
  scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pushthrough-launcher-test-'));
  // the launched programs run as `nobody` when the tests run as root
  await fs.promises.chmod(scratch, 0o777);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await stopAllRealProxies();
  await fs.promises.rm(scratch, { recursive: true, force: true });
});

/** A fake product: `node -e <script> <configPath> <port> <workDir>`. */
function nodeProduct(script: string, overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    binary: process.execPath,
    debianPackage: 'nodejs',
    daemons: [],
    pidFiles: [],
    configFileName: 'fake.conf',
    foregroundArgs: (ctx) => ['-e', script, ctx.configPath, String(ctx.port), ctx.workDir],
    versionArgs: ['--version'],
    versionPattern: /v(\d+\.\d+\.\d+)/,
    ...overrides,
  };
}

const SERVE = `
const http = require('http');
const fs = require('fs');
const [conf, port, dir] = process.argv.slice(1);
const text = fs.readFileSync(conf, 'utf8').trim();
fs.writeFileSync(dir + '/fake.log', 'a line in a log file\\n');
console.log('config: ' + text);
http.createServer((req, res) => res.end('fake says ' + text)).listen(Number(port), '127.0.0.1');
`;

async function writeTemplate(name: string, text: string): Promise<string> {
  const file = path.join(scratch, name);
  await fs.promises.writeFile(file, text);
  await fs.promises.chmod(file, 0o644);
  return file;
}

async function start(launch: LaunchSpec, templatePath: string, readyTimeoutMs = 20_000): Promise<RunningProxy> {
  const proxy = await startRealProxy({ product: 'fake', launch, templatePath, originHost: '127.0.0.1', originPort: 9, readyTimeoutMs });
  started.push(proxy);
  return proxy;
}

async function startError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the start to fail');
    },
    (err: unknown) => err,
  );
}

describe('startRealProxy', () => {
  it('renders the placeholders, serves, captures stdout and log files, and stop() cleans up', async () => {
    const template = await writeTemplate('ok.tmpl', 'port={{LISTEN_PORT}} origin={{ORIGIN_HOST}}:{{ORIGIN_PORT}} dir={{WORK_DIR}}');
    const proxy = await start(nodeProduct(SERVE), template);

    const answer = await recordGet({ kind: 'reverse', proxyUrl: proxy.url }, '/');
    expect(answer.body).toBe(`fake says port=${proxy.port} origin=127.0.0.1:9 dir=${proxy.workDir}`);
    expect(proxy.version).toBe(process.versions.node);
    expect(proxy.workDir.startsWith(os.tmpdir())).toBe(true);
    expect(proxy.logs()).toEqual(
      expect.arrayContaining([`[stdout] config: port=${proxy.port} origin=127.0.0.1:9 dir=${proxy.workDir}`, '[fake.log] a line in a log file']),
    );

    await proxy.stop();
    expect(runningInGroup(proxy.pid)).toEqual([]);
    expect(fs.existsSync(proxy.workDir)).toBe(false);
    // logs survive the WORK_DIR
    expect(proxy.logs()).toContain('[fake.log] a line in a log file');
    await expect(proxy.stop()).resolves.toBeUndefined();
  });

  it('fails fast with the logs when the program exits before answering', async () => {
    const template = await writeTemplate('exit.tmpl', 'x');
    const spec = nodeProduct(`console.error('boom: bad directive'); process.exit(3);`);
    const before = Date.now();
    const error = await startError(start(spec, template, 60_000));
    expect(error).toBeInstanceOf(ProxyStartError);
    expect((error as ProxyStartError).message).toMatch(/exited \(code 3\) before answering/);
    expect((error as ProxyStartError).logs).toContain('[stderr] boom: bad directive');
    expect(Date.now() - before).toBeLessThan(20_000);
  });

  it('gives up after readyTimeoutMs when nothing answers, and leaves no process behind', async () => {
    const template = await writeTemplate('silent.tmpl', 'x');
    const spec = nodeProduct(`console.log('pid=' + process.pid); setInterval(() => {}, 1000);`);
    const error = await startError(start(spec, template, 1_500));
    expect(error).toBeInstanceOf(ProxyStartError);
    expect((error as ProxyStartError).message).toMatch(/did not answer HTTP on http:\/\/127\.0\.0\.1:\d+ within 1500 ms/);
    const pidLine = (error as ProxyStartError).logs.find((line) => line.startsWith('[stdout] pid='));
    expect(pidLine).toBeDefined();
    expect(isRunning(Number(pidLine?.split('=')[1]))).toBe(false);
  });

  it('kills a program that ignores SIGTERM with SIGKILL', async () => {
    const template = await writeTemplate('stubborn.tmpl', 'x');
    const proxy = await start(nodeProduct(`process.on('SIGTERM', () => console.log('ignoring SIGTERM'));\n${SERVE}`), template);
    await proxy.stop();
    expect(runningInGroup(proxy.pid)).toEqual([]);
    expect(proxy.logs()).toContain('[stdout] ignoring SIGTERM');
  }, 30_000);

  it('also kills a child that left the process group (setsid) but names WORK_DIR', async () => {
    const template = await writeTemplate('escape.tmpl', 'x');
    const escape = `
const child = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[3]], { detached: true, stdio: 'ignore' });
child.unref();
console.log('escaped=' + child.pid);
${SERVE}`;
    const proxy = await start(nodeProduct(escape), template);
    const escapedPid = Number(proxy.logs().find((line) => line.startsWith('[stdout] escaped='))?.split('=')[1]);
    expect(isRunning(escapedPid)).toBe(true);
    expect(runningInGroup(proxy.pid).map((row) => row.pid)).not.toContain(escapedPid);

    await proxy.stop();
    expect(isRunning(escapedPid)).toBe(false);
  });

  it('retries on a fresh port when the chosen port was taken', async () => {
    const attempts = path.join(scratch, 'attempts.txt');
    const template = await writeTemplate('busy.tmpl', attempts);
    const spec = nodeProduct(`
const fs = require('fs');
fs.appendFileSync(fs.readFileSync(process.argv[1], 'utf8').trim(), process.argv[2] + '\\n');
console.error('bind() to 127.0.0.1:' + process.argv[2] + ' failed (98: Address already in use)');
process.exit(1);`);
    const error = await startError(start(spec, template));
    expect(error).toBeInstanceOf(ProxyStartError);
    const ports = (await fs.promises.readFile(attempts, 'utf8')).trim().split('\n');
    expect(ports).toHaveLength(3);
  });

  it('names an unknown placeholder instead of passing it to the proxy', async () => {
    const template = await writeTemplate('unknown.tmpl', 'listen {{LISTEN_PORT}}; upstream {{UPSTREAM_ADDR}};');
    const error = await startError(start(nodeProduct(SERVE), template));
    expect(error).toBeInstanceOf(ProxyStartError);
    expect((error as Error).message).toContain('{{UPSTREAM_ADDR}}');
  });

  it('reports a template that cannot be read', async () => {
    const error = await startError(start(nodeProduct(SERVE), path.join(scratch, 'missing.tmpl')));
    expect(error).toBeInstanceOf(ProxyStartError);
    expect((error as Error).message).toMatch(/cannot read template .*missing\.tmpl/);
  });

  it('throws ProxyUnavailable with the install hint when the binary is missing', async () => {
    const launch: LaunchSpec = { ...nginx.launch!, binary: '/nonexistent/pushthrough/nginx' };
    const error = await startError(
      startRealProxy({ product: 'nginx', launch, templatePath: templatePathFor('nginx', 'naive'), originHost: '127.0.0.1', originPort: 9 }),
    );
    expect(error).toBeInstanceOf(ProxyUnavailable);
    expect((error as ProxyUnavailable).installHint).toBe('apt-get install -y nginx');
    expect((error as Error).message).toContain('/nonexistent/pushthrough/nginx is not installed');
  });

  it('rejects an unknown product by name', async () => {
    const error = await startError(
      startRealProxy({ product: 'ngnix', templatePath: templatePathFor('nginx', 'naive'), originHost: '127.0.0.1', originPort: 9 }),
    );
    expect(error).toBeInstanceOf(UnknownRealProductError);
    expect((error as Error).message).toMatch(/unknown real proxy "ngnix"; expected one of: .*\bnginx\b/);
  });
});

describe('stopAllRealProxies', () => {
  it('stops every running proxy this process started', async () => {
    const template = await writeTemplate('all.tmpl', 'x');
    const first = await start(nodeProduct(SERVE), template);
    const second = await start(nodeProduct(SERVE), template);
    expect(runningInGroup(first.pid).length).toBeGreaterThan(0);
    expect(runningInGroup(second.pid).length).toBeGreaterThan(0);

    await stopAllRealProxies();
    for (const proxy of [first, second]) {
      expect(runningInGroup(proxy.pid)).toEqual([]);
      expect(fs.existsSync(proxy.workDir)).toBe(false);
    }
  });
});
