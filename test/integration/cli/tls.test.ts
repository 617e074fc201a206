/**
 * TLS where pushthrough speaks it (issue 10, part 1): `origin --tls` serves
 * https/wss with a throwaway CA and prints where its certificate is; `probe`
 * trusts it with --ca FILE or NODE_EXTRA_CA_CERTS, skips verification with
 * --insecure, and says in one line (exit 2) when it does not trust the
 * server; `origin --cert/--key` serves a certificate of the user's own; the
 * JS API's probe() takes `ca`.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { killGroup, runCli, startCli, waitExit } from '../../helpers/cli';
import { makeThrowawayTls, type ThrowawayTls } from '../../../src/util/certs';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { probe } from '../../../src/run/probe-url';
import { closeAgents } from '../../../src/client/http';
import type { Report } from '../../../src/report/types';

const started: ChildProcess[] = [];
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-tls-test-'));
});
/** What a test started in this process, closed after it whatever happened. */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) killGroup(c, 'SIGKILL');
  for (const close of closers.splice(0).reverse()) await close();
  fs.rmSync(tmp, { recursive: true, force: true });
  await closeAgents();
});

/** An origin serving TLS with a fresh throwaway CA. */
async function tlsOrigin(): Promise<{ origin: RunningOrigin; made: ThrowawayTls }> {
  const made = await makeThrowawayTls();
  const origin = await startOrigin({ port: 0, tls: { cert: made.cert, key: made.key } });
  closers.push(() => origin.close());
  return { origin, made };
}

const verdicts = (stdout: string): string[] => (JSON.parse(stdout) as { setups: Array<{ cells: Array<{ transport: string; verdict: string }> }> }).setups[0]!.cells.map((c) => `${c.transport}:${c.verdict}`);
const ALL_PASS = ['short-poll:pass', 'long-poll:pass', 'sse:pass', 'websocket:pass'];
const QUICK = ['--idle', '1', '--hold', '1', '--format', 'json'];

it('origin --tls: untrusted is one line and exit 2; --ca, NODE_EXTRA_CA_CERTS and --insecure each probe all four transports over TLS; ^C removes the CA', async () => {
  const { child, match } = await startCli(['origin', '--port', '0', '--tls'], /listening on (https:\/\/127\.0\.0\.1:\d+)\nTLS with a throwaway CA: trust it with --ca (\S+) \(or NODE_EXTRA_CA_CERTS=\S+, curl --cacert \S+\)\n/, 20_000);
  started.push(child);
  const [, url, caFile] = match as unknown as [string, string, string];
  expect(fs.readFileSync(caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

  const untrusted = await runCli(['probe', url, ...QUICK]);
  expect(untrusted.code).toBe(2);
  expect(untrusted.stderr.trim().split('\n')).toEqual([
    `pushthrough: ${url}: its certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); pass --ca FILE with the CA that signed it (or set NODE_EXTRA_CA_CERTS), or --insecure to skip verification`,
  ]);

  const withCa = await runCli(['probe', url, '--ca', caFile, ...QUICK]);
  expect([withCa.code, verdicts(withCa.stdout)]).toEqual([0, ALL_PASS]);
  const withEnv = await runCli(['probe', url, ...QUICK], { env: { NODE_EXTRA_CA_CERTS: caFile } });
  expect([withEnv.code, verdicts(withEnv.stdout)]).toEqual([0, ALL_PASS]);
  const insecure = await runCli(['probe', url, '--insecure', ...QUICK]);
  expect([insecure.code, verdicts(insecure.stdout)]).toEqual([0, ALL_PASS]);

  process.kill(-child.pid!, 'SIGINT');
  expect(await waitExit(child, 10_000)).toBe(130);
  expect(fs.existsSync(path.dirname(caFile))).toBe(false);
}, 90_000);

it('origin --cert/--key serves the user’s own certificate; a CA that did not sign it is still refused', async () => {
  const own = await makeThrowawayTls();
  const other = await makeThrowawayTls();
  const file = (name: string, text: string): string => (fs.writeFileSync(path.join(tmp, name), text), path.join(tmp, name));
  const { child, match } = await startCli(['origin', '--port', '0', '--cert', file('cert.pem', own.cert), '--key', file('key.pem', own.key)], /listening on (https:\/\/127\.0\.0\.1:\d+)/, 20_000);
  started.push(child);
  const ok = await runCli(['probe', match[1]!, '--ca', file('ca.pem', own.ca), ...QUICK]);
  expect([ok.code, verdicts(ok.stdout)]).toEqual([0, ALL_PASS]);
  const wrong = await runCli(['probe', match[1]!, '--ca', file('other.pem', other.ca), ...QUICK]);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/its certificate is not trusted \(\w+\)/);
}, 60_000);

it.each([
  [['origin', '--port', '0', '--cert', 'x.pem'], /^pushthrough: --key is missing: --cert and --key go together$/],
  [['origin', '--port', '0', '--tls', '--key', 'x.pem'], /^pushthrough: --tls makes a throwaway certificate; give either --tls or --cert with --key, not both$/],
  [['origin', '--port', '0', '--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem'], /^pushthrough: --cert \/nonexistent\/c.pem: cannot read it \(ENOENT\); expected a PEM file$/],
  [['probe', 'https://127.0.0.1:1', '--ca', '/nonexistent/ca.pem'], /^pushthrough: --ca \/nonexistent\/ca.pem: cannot read it \(ENOENT\); expected a PEM file$/],
  [['probe', 'https://127.0.0.1:1', '--ca', 'package.json'], /^pushthrough: --ca package.json: no PEM certificate in it/],
])('bad TLS input is one line and exit 2: %j', async (args, line) => {
  const r = await runCli(args as string[], { timeoutMs: 20_000 });
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toMatch(line);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

/**
 * A tiny forward proxy that only tunnels (CONNECT), as corporate proxies do
 * for https; `refuse` answers 403 instead. It records what it was asked.
 */
async function connectProxy(refuse: false | 403 | 407 | 502 = false): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [method, authority] = head.subarray(0, end).toString('latin1').split(' ');
      asked.push(`${method} ${authority}`);
      if (method !== 'CONNECT' || refuse) return void client.end(`HTTP/1.1 ${refuse || 403} No\r\nContent-Length: 0\r\n\r\n`);
      const [host, port] = [authority!.slice(0, authority!.lastIndexOf(':')), Number(authority!.slice(authority!.lastIndexOf(':') + 1))];
      const upstream = net.connect(port, host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head.subarray(end + 4));
        client.pipe(upstream).pipe(client);
      });
      open.add(upstream);
      upstream.on('close', () => (open.delete(upstream), client.destroy()));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => (open.forEach((s) => s.destroy()), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, asked };
}

it('--via a forward proxy that tunnels: https and wss go through CONNECT, TLS to the origin inside, all four transports pass', async () => {
  const { origin, made } = await tlsOrigin();
  const proxy = await connectProxy();
  const caFile = path.join(tmp, 'ca.pem');
  fs.writeFileSync(caFile, made.ca);
  const r = await runCli(['probe', origin.url, '--via', proxy.url, '--ca', caFile, ...QUICK, '--no-mitigations']);
  expect([r.code, verdicts(r.stdout)]).toEqual([0, ALL_PASS]);
  const authority = new URL(origin.url).host;
  // Every client asked for a tunnel to the origin, and nothing else.
  expect(new Set(proxy.asked)).toEqual(new Set([`CONNECT ${authority}`]));
  // The WebSocket checks too (one CONNECT each), not only fetch's pooled tunnels.
  expect(proxy.asked.length).toBeGreaterThanOrEqual(4);
}, 60_000);

it('--via a forward proxy that refuses CONNECT: every transport is graded blocked, naming the status and the 443-only policy, exit 1', async () => {
  const { origin } = await tlsOrigin();
  const proxy = await connectProxy(403);
  const out = path.join(tmp, 'refused.json');
  const r = await runCli(['probe', origin.url, '--via', proxy.url, '--insecure', ...QUICK, '--no-mitigations', '--out', out]);
  expect(r.code).toBe(1);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  const cells = report.setups[0]!.cells;
  expect(cells.map((c) => `${c.transport}:${c.verdict}:${c.reason}`)).toEqual(['short-poll:fail:blocked', 'long-poll:fail:blocked', 'sse:fail:blocked', 'websocket:fail:blocked']);
  for (const c of cells) expect(c.explanation).toMatch(/refused CONNECT.*HTTP 403.*443 only/);
  expect(cells[0]!.fix?.app).toMatch(/port 443/);
}, 60_000);

it.each([
  [407, /asks for credentials \(HTTP 407\): give them in --via http:\/\/user:password@host:port/],
  [502, /could not open a tunnel to 127\.0\.0\.1:\d+ \(HTTP 502\): it cannot reach the origin there/],
] as const)('--via a forward proxy that answers CONNECT %s: one line saying what to fix, exit 2 (no cell is about the path)', async (status, line) => {
  const { origin } = await tlsOrigin();
  const proxy = await connectProxy(status);
  const r = await runCli(['probe', origin.url, '--via', proxy.url, '--insecure', ...QUICK]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(line);
}, 30_000);

it('the JS API: startOrigin({ tls }) and probe(url, { ca })', async () => {
  const { origin, made } = await tlsOrigin();
  expect(origin.url).toMatch(/^https:\/\//);
  const report = await probe(origin.url, { ca: [made.ca], idleMs: 1000, holdMs: 1000, mitigations: false });
  expect(report.setups[0]!.cells.map((c) => `${c.transport}:${c.verdict}`)).toEqual(ALL_PASS);
}, 60_000);
