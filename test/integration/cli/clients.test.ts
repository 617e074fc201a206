/**
 * `--clients` and `pushthrough reports` as a user meets them without a
 * browser: a wrong value is one line and exit 2 before anything runs; a
 * Chromium that is not installed makes the browser's cells skipped with the
 * install command (never an error, never a fail) while the Node cells run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../../src/report/types';
import { freePort } from '../../../src/util/net';
import { runCli } from '../../helpers/cli';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-clients-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const oneLine = (s: string): void => {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
};

it.each([
  [['run', '--clients', 'firefox'], "pushthrough: --clients must be a comma-separated list of node, chromium, got 'firefox'"],
  [['probe', 'http://127.0.0.1:9', '--clients', ''], "pushthrough: --clients must be a comma-separated list of node, chromium, got ''"],
  [['reports', 'ftp://x'], "pushthrough: <origin-url> must be an http:// or https:// URL, got 'ftp://x'"],
  [['reports', 'http://127.0.0.1:9', '../etc'], "pushthrough: report id '../etc' is not one the origin gives (expected an id from the list, or latest)"],
])('%j is one line and exit 2', async (args, line) => {
  const res = await runCli(args);
  expect(res.code).toBe(2);
  oneLine(res.stderr);
  expect(res.stderr.trim()).toBe(line);
});

it('reports from an origin that is not there: one line naming it, exit 2', async () => {
  const port = await freePort();
  const res = await runCli(['reports', `http://127.0.0.1:${port}`]);
  expect(res.code).toBe(2);
  oneLine(res.stderr);
  expect(res.stderr).toMatch(new RegExp(`^pushthrough: cannot reach http://127.0.0.1:${port}: ECONNREFUSED \\(expected a running \`pushthrough origin\`\\)`));
});

it('without Chromium, the browser cells are skipped with the install command and the Node cells run as usual', async () => {
  const out = path.join(tmp, 'r.json');
  const res = await runCli(['run', '--setups', 'passthrough', '--clients', 'node,chromium', '--idle', '1', '--hold', '1', '--format', 'json', '--out', out], {
    env: { PUSHTHROUGH_CHROMIUM: path.join(tmp, 'no-chromium-here') },
  });
  expect(res.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  const browser = report.setups.find((s) => s.id === 'passthrough@chromium')!;
  expect(browser.notInstalled).toEqual({ product: 'chromium', label: 'Chromium', install: 'apt-get install -y chromium' });
  expect(browser.cells.every((c) => c.verdict === 'skipped' && c.reason === 'not-run' && /apt-get install -y chromium/.test(c.explanation))).toBe(true);
  expect(report.setups.find((s) => s.id === 'passthrough')!.cells.every((c) => c.verdict === 'pass' && c.matches === true)).toBe(true);
});
