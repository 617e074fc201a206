/** `pushthrough run --real nginx=./my-site.conf.tmpl`: a user's own template runs as a setup. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../../src/report/types';
import { killGroup, runCli, startCli, waitExit } from '../../helpers/cli';
import { startOrigin } from '../../../src/origin/server';
import { itWith, needProduct } from '../../helpers/needs';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-user-tmpl-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

itWith([needProduct('nginx')], 'a user template (here: the tuned one with a 1 s read timeout) is rendered, started, probed and reported', async () => {
  const mine = path.join(tmp, 'my-site.conf.tmpl');
  const tuned = fs.readFileSync(path.resolve('proxies/nginx/tuned.conf.tmpl'), 'utf8');
  fs.writeFileSync(mine, tuned.replace(/proxy_read_timeout\s+\S+;/g, 'proxy_read_timeout 1s;'));
  const out = path.join(tmp, 'r.json');
  const res = await runCli(['run', '--real', `nginx=${mine}`, '--idle', '2', '--hold', '2', '--format', 'json', '--out', out], { timeoutMs: 60_000 });
  expect(res.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  expect(report.setups.map((s) => s.id)).toEqual(['direct', 'nginx-my-site-user']);
  const user = report.setups[1];
  expect(user.kind).toBe('real');
  expect(user.product).toMatch(/^nginx /);
  const sse = user.cells.find((c) => c.transport === 'sse')!;
  expect([sse.verdict, sse.reason]).toEqual(['degraded', 'idle-timeout']);
  const cut = sse.checks.find((c) => c.id === 'idle')!.measured.cutAtMs as number;
  expect(cut).toBeGreaterThan(800);
  expect(cut).toBeLessThan(1800);
});

it('a template for an unknown product or a missing file is a usage error', async () => {
  let res = await runCli(['run', '--real', 'nginxx=./x.tmpl']);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/unknown product 'nginxx'/);
  res = await runCli(['run', '--real', 'nginx=./does-not-exist.tmpl']);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/does not exist/);
});

itWith([needProduct('nginx')], 'pushthrough proxy --real nginx=tuned runs the shipped template of that name', async () => {
  const origin = await startOrigin({ port: 0 });
  const { child, match } = await startCli(['proxy', '--real', 'nginx=tuned', '--target', origin.url, '--port', '0'], /proxy listening on (http:\/\/127\.0\.0\.1:\d+)[^\n]*\n {2}nginx-tuned: (nginx [^\n]*)\n/, 30_000);
  try {
    expect(match[2]).toMatch(/^nginx \d+\.\d+\S* from .*proxies\/nginx\/tuned\.conf\.tmpl$/);
    const res = await fetch(`${match[1]}/health`);
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await waitExit(child, 15_000)).toBe(143);
  } finally {
    killGroup(child);
    await origin.close();
  }
});
