/**
 * Exit codes a CI gate can trust (README, exit codes): a cell the tester
 * could not run is never "all as expected", user mistakes are one line and
 * exit 2 before anything runs, and every command agrees.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, listen } from '../../../src/util/net';
import type { Report } from '../../../src/report/types';
import { killGroup, runCli, startCli, waitExit } from '../../helpers/cli';

let tmp: string;
const children: ChildProcess[] = [];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-exit-'));
});
afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const oneLine = (s: string): void => {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
};

it('an external setup where nothing answers is an error cell and exit 4, never "all as expected"', async () => {
  const port = await freePort();
  const out = path.join(tmp, 'dead.json');
  const res = await runCli(['run', '--external', `dead=http://127.0.0.1:${port}`, '--idle', '1', '--hold', '1', '--format', 'json', '--out', out]);
  expect(res.code).toBe(4);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  const dead = report.setups.find((s) => s.id === 'dead')!;
  expect(dead.cells.every((c) => c.verdict === 'error')).toBe(true);
  expect(dead.cells.every((c) => c.matches === undefined)).toBe(true);
});

it('--wait: an external setup that never answers in time is one error per cell, with why', async () => {
  const port = await freePort();
  const out = path.join(tmp, 'wait.json');
  const res = await runCli(['run', '--wait', '0.5', '--external', `late=http://127.0.0.1:${port}`, '--transports', 'sse', '--format', 'json', '--out', out]);
  expect(res.code).toBe(4);
  const cell = (JSON.parse(fs.readFileSync(out, 'utf8')) as Report).setups.find((s) => s.id === 'late')!.cells[0];
  expect([cell.verdict, cell.reason]).toEqual(['error', 'tester-error']);
  expect(cell.explanation).toMatch(/nothing answered HTTP at http:\/\/127\.0\.0\.1:\d+ within 1 s \(--wait\)/);
});

describe('refused at once, one line, exit 2', () => {
  it('two setup files with the same id', async () => {
    const a = path.join(tmp, 'a.yaml');
    const b = path.join(tmp, 'b.yaml');
    for (const f of [a, b]) fs.writeFileSync(f, 'id: mine\nkind: simulated\ndescription: x\nfaults: []\n');
    const res = await runCli(['run', '--setup-file', a, b]);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/setup id 'mine' is used twice/);
  });

  it.each(['direct', 'idle-timeout'])('a setup file that reuses the built-in id %s', async (id) => {
    const f = path.join(tmp, `${id}.yaml`);
    fs.writeFileSync(f, `id: ${id}\nkind: simulated\ndescription: x\nfaults: []\n`);
    const res = await runCli(['run', '--setup-file', f]);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(new RegExp(`setup id '${id}' is a built-in setup's`));
  });

  it('a setup file naming a product pushthrough does not know', async () => {
    const f = path.join(tmp, 'product.yaml');
    fs.writeFileSync(f, 'id: mine\nkind: real\ndescription: x\nreal: { product: ngnix, template: ./t.tmpl }\n');
    const res = await runCli(['run', '--setup-file', f]);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/field 'real\.product' is 'ngnix' \(expected one of: .*nginx/);
  });

  it('an --out that cannot be written, before anything is probed', async () => {
    const started = Date.now();
    const res = await runCli(['run', '--out', '/proc/x/r.json']);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/--out \/proc\/x\/r\.json: cannot write there/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    ['run', ['run', '--format', 'yaml']],
    ['probe', ['probe', 'http://127.0.0.1:9', '--format', 'yaml']],
    ['setups', ['setups', '--format', 'yaml']],
    ['diff', ['diff', 'a.json', 'b.json', '--format', 'yaml']],
  ])('an unknown --format (%s)', async (_name, args) => {
    const res = await runCli(args);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/yaml/);
  });

  it('probe against a server that is not a pushthrough origin says what answered instead', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/html', Server: 'someapp/1.0' }).end('<h1>Not Found</h1>'));
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const res = await runCli(['probe', `http://127.0.0.1:${port}`]);
      expect(res.code).toBe(2);
      oneLine(res.stderr);
      expect(res.stderr).toMatch(/is not a pushthrough origin \(GET \/health answered HTTP 404 from someapp\/1\.0: "<h1>Not Found<\/h1>"\)/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

it('a diff of a report that is not one is a usage error; the diff itself exits 0 or 1', async () => {
  const notReport = path.join(tmp, 'not.json');
  fs.writeFileSync(notReport, '{"tool":"other"}');
  const res = await runCli(['diff', notReport, notReport]);
  expect(res.code).toBe(2);
  oneLine(res.stderr);
  expect(res.stderr).toMatch(/is not a pushthrough report/);
});

describe('pushthrough proxy: a setup in front of any app', () => {
  it('strips the Upgrade and buffers the stream like nginx’s defaults, and stops what it started on SIGTERM', async () => {
    const origin = await startCli(['origin', '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    children.push(origin.child);
    const proxy = await startCli(['proxy', '--setup', 'nginx-default-like', '--target', origin.match[1], '--port', '0'], /proxy listening on (http:\/\/127\.0\.0\.1:\d+) → /);
    children.push(proxy.child);
    const upgraded = await new Promise<number | undefined>((resolve) => {
      const req = http.get(`${proxy.match[1]}/ws`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('upgrade', () => resolve(101));
      req.on('error', () => resolve(undefined));
    });
    // The origin saw a plain GET and answered what `ws` answers to one.
    expect(upgraded).toBe(426);
    proxy.child.kill('SIGTERM');
    expect(await waitExit(proxy.child, 15_000)).toBe(143);
  });

  it('needs exactly one of --setup and --real', async () => {
    const res = await runCli(['proxy', '--target', 'http://127.0.0.1:9']);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/exactly one of --setup <id\|file> and --real <product=template>/);
  });
});
