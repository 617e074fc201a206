/**
 * The real proxies, from their own binaries: every product × template run
 * through the probes as `pushthrough run` does, each cell asserted against
 * the expectations written beside its template. A missing binary makes its
 * setups' tests skipped (with the install command) — and in CI, where
 * PUSHTHROUGH_REQUIRE_PROXIES=1, makes them fail instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { realSetups } from '../../../src/run/setups';
import { startRealProxy, type RunningProxy } from '../../../src/proxy/real/launcher';
import { TRANSPORTS } from '../../../src/observation/types';
import type { Report } from '../../../src/report/types';
import { killGroup, runCli, startCli } from '../../helpers/cli';
import { describeWith, itWith, needProduct } from '../../helpers/needs';

const setups = realSetups();
let report: Report;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-real-'));
  const out = path.join(tmp, 'real.json');
  // --keepalive as well: it changes no verdict, and setups list the heartbeat kinds that keep their streams open.
  await runCli(['run', '--setups', setups.map((s) => s.id).join(','), '--keepalive', '--format', 'json', '--out', out], { timeoutMs: 170_000 });
  report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
}, 180_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('every real setup has expectations for all four transports', () => {
  expect(setups.length).toBeGreaterThanOrEqual(30);
  for (const s of setups) for (const t of TRANSPORTS) expect([s.id, t, s.expect?.[t]?.verdict]).toEqual([s.id, t, expect.any(String)]);
});

const products = [...new Set(setups.map((s) => s.real!.product))];
for (const product of products) {
  describeWith([needProduct(product)], product, () => {
    const cases = setups.filter((s) => s.real!.product === product).flatMap((s) => TRANSPORTS.map((t) => [s.id, t] as const));
    it.each(cases)('%s × %s is as measured and written beside its template', (id, transport) => {
      const cell = report.setups.find((s) => s.id === id)!.cells.find((c) => c.transport === transport)!;
      const keepalive = cell.checks.find((c) => c.id === 'keepalive');
      const kept = [...((keepalive?.measured.kept as string[] | undefined) ?? [])].sort();
      expect({ verdict: cell.verdict, reason: cell.reason, why: cell.matches || cell.matches === undefined ? '' : cell.explanation }).toEqual({ ...cell.expected, why: '' });
      // A stream the path cut is kept open by the kinds written beside the template, and only those.
      if (keepalive?.measured.controlCut === true) expect({ transport, kept }).toEqual({ transport, kept: [...(setups.find((s) => s.id === id)!.keepalive?.[transport as 'sse'] ?? ['(no keepalive: list)'])].sort() });
      else expect(cell.expectedKeepalive).toBeUndefined();
    });
  });
}

itWith([needProduct('nginx')], 'every cell records what its client spoke: HTTP/2 by ALPN to a TLS front for polls and SSE, the HTTP/1.1 Upgrade for WebSocket', () => {
  const protocols = (id: string) => Object.fromEntries(report.setups.find((s) => s.id === id)!.cells.map((c) => [c.transport, c.protocol]));
  const h2 = { tls: true, http: 'h2' };
  expect(protocols('nginx-tls-tuned')).toEqual({ 'short-poll': h2, 'long-poll': h2, sse: h2, websocket: { tls: true, http: 'h1', handshake: 'upgrade' } });
  const h1 = { tls: false, http: 'h1' };
  expect(protocols('nginx-tuned')).toEqual({ 'short-poll': h1, 'long-poll': h1, sse: h1, websocket: { ...h1, handshake: 'upgrade' } });
});

itWith([needProduct('haproxy'), needProduct('nginx')], 'WebSocket over HTTP/2 (RFC 8441): HAProxy offers and carries it, nginx does not offer it', () => {
  const extended = (id: string) => report.setups.find((s) => s.id === id)!.cells.find((c) => c.transport === 'websocket')!.checks.find((c) => c.id === 'extended-connect');
  expect(extended('haproxy-tls-tuned')).toMatchObject({ status: 'pass', measured: { offered: true, received: 8 } });
  expect(extended('nginx-tls-tuned')).toMatchObject({ status: 'skip', measured: { offered: false } });
  expect(extended('nginx-tuned')).toBeUndefined();
});

itWith([needProduct('nginx')], 'run --http1: SSE through nginx-tls-buffered speaks HTTP/1.1 inside TLS, is held by the buffer, and is held to the HTTP/1.1 expectation', async () => {
  const out = path.join(tmp, 'http1.json');
  await runCli(['run', '--setups', 'nginx-tls-buffered', '--transports', 'sse,long-poll', '--http1', '--no-mitigations', '--format', 'json', '--out', out], { timeoutMs: 60_000 });
  const r = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  const cells = Object.fromEntries(r.setups.find((s) => s.id === 'nginx-tls-buffered')!.cells.map((c) => [c.transport, c]));
  expect(r.options.http1).toBe(true);
  expect(cells.sse).toMatchObject({ verdict: 'fail', reason: 'buffered', matches: true, protocol: { tls: true, http: 'h1' } });
  // Over HTTP/2 the same setup delivers SSE on time (the main run's cell).
  expect(report.setups.find((s) => s.id === 'nginx-tls-buffered')!.cells.find((c) => c.transport === 'sse')).toMatchObject({ verdict: 'pass', protocol: { http: 'h2' } });
  expect(cells['long-poll']).toMatchObject({ verdict: 'pass', matches: true, protocol: { tls: true, http: 'h1' } });
});

itWith([needProduct('nginx')], 'real setups carry the product version and its own log lines', () => {
  const nginx = report.setups.find((s) => s.id === 'nginx-naive')!;
  expect(nginx.product).toMatch(/^nginx \d+\.\d+/);
  expect(nginx.logs?.length).toBeGreaterThan(0);
  expect(nginx.cells.find((c) => c.transport === 'sse')!.fix?.proxy?.snippet).toMatch(/proxy_buffering off/);
});

describe('probe --via: clients go through a forward proxy (the corporate-firewall case)', () => {
  let origin: ChildProcess;
  let originUrl: string;
  const proxies: RunningProxy[] = [];
  beforeAll(async () => {
    const started = await startCli(['origin', '--port', '0'], /listening on (http:\/\/\S+)/);
    origin = started.child;
    originUrl = started.match[1];
  });
  afterAll(async () => {
    killGroup(origin);
    await Promise.all(proxies.map((p) => p.stop()));
  });

  for (const product of ['tinyproxy', 'squid']) itWith([needProduct(product)], `through ${product} forward: HTTP transports pass, ws:// loses its Upgrade`, async () => {
    const u = new URL(originUrl);
    const proxy = await startRealProxy({ product, templatePath: path.resolve('proxies', product, 'forward.conf.tmpl'), originHost: u.hostname, originPort: Number(u.port) });
    proxies.push(proxy);
    const out = path.join(tmp, `via-${product}.json`);
    const res = await runCli(['probe', originUrl, '--via', proxy.url, '--idle', '1', '--hold', '1', '--format', 'json', '--out', out], { timeoutMs: 60_000 });
    expect(res.code).toBe(1);
    const r = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
    const v = Object.fromEntries(r.setups[0].cells.map((c) => [c.transport, `${c.verdict}/${c.reason}`]));
    expect(v).toEqual({ 'short-poll': 'pass/none', 'long-poll': 'pass/none', sse: 'pass/none', websocket: 'fail/upgrade-stripped' });
    // The proxy really was in the path: its own log shows the requests.
    expect(proxy.logs().join('\n')).toMatch(/poll|sse|GET/i);
  });
});
