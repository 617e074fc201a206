/**
 * The CLI as a new user runs it from the README: real processes, real ports
 * from the OS, exit codes, one-line errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { killGroup, runCli, startCli, waitExit } from '../../helpers/cli';
import { validateReport } from '../../../src/report/validate';
import type { Report } from '../../../src/report/types';

let tmp: string;
const children: ChildProcess[] = [];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-cli-'));
});
afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('origin + probe --format json: a report that validates against the schema, four pass cells', async () => {
  const { child, match } = await startCli(['origin', '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:(\d+))/);
  children.push(child);
  const out = path.join(tmp, 'r.json');
  const res = await runCli(['probe', match[1], '--format', 'json', '--out', out, '--idle', '1', '--hold', '1']);
  expect(res.stderr).toMatch(/wrote json report/);
  expect(res.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  expect(validateReport(report)).toBeNull();
  expect(report.setups[0].cells.map((c) => [c.transport, c.verdict])).toEqual([
    ['short-poll', 'pass'],
    ['long-poll', 'pass'],
    ['sse', 'pass'],
    ['websocket', 'pass'],
  ]);
  // SIGTERM: the origin closes its connections and exits.
  child.kill('SIGTERM');
  expect(await waitExit(child)).toBe(143);
});

it('run --setups direct prints the matrix and exits 0', async () => {
  const res = await runCli(['run', '--setups', 'direct', '--idle', '1', '--hold', '1']);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/direct/);
  expect(res.stdout).toMatch(/✔ pass/);
  expect(res.stdout).toMatch(/all as expected/);
});

describe('bad input: one line naming what is wrong, exit 2, no stack trace', () => {
  const oneLine = (s: string): void => {
    expect(s.trim().split('\n')).toHaveLength(1);
    expect(s).not.toMatch(/\n\s+at /);
  };

  it('an unknown option', async () => {
    const res = await runCli(['run', '--frobnicate']);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('a URL where nothing answers', async () => {
    const res = await runCli(['probe', 'http://127.0.0.1:9']);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/nothing answers at http:\/\/127\.0\.0\.1:9/);
  });

  it.each([
    ['an unknown fault', 'unknown-fault.yaml', 'id: bad\nkind: simulated\ndescription: x\nfaults:\n  - name: teleport\n', /unknown-fault\.yaml: .*unknown fault 'teleport'/],
    ['a negative timeout', 'negative.yaml', 'id: bad\nkind: simulated\ndescription: x\nfaults:\n  - name: idle-timeout\n    params: { idleMs: -5 }\n', /negative\.yaml: .*idleMs/],
    ["'tls' on a kind that is not simulated", 'tls-external.yaml', 'id: mine\nkind: external\ndescription: x\nurl: https://example.invalid\ntls: true\n', /tls-external\.yaml: field 'tls' belongs to kind simulated/],
    ["'http2' but no 'tls'", 'h2-plain.yaml', 'id: mine\nkind: simulated\ndescription: x\nhttp2: true\nfaults: []\n', /h2-plain\.yaml: field 'http2' needs 'tls: true'/],
  ])('a setup file with %s', async (_what, name, text, line) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    const res = await runCli(['run', '--setup-file', f]);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(line);
  });

  it('a setup file that is not YAML, and one with an unknown field', async () => {
    const broken = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(broken, 'id: [unclosed\n');
    let res = await runCli(['run', '--setup-file', broken]);
    expect(res.code).toBe(2);
    oneLine(res.stderr);
    expect(res.stderr).toMatch(/broken\.yaml: not valid YAML/);
    const extra = path.join(tmp, 'extra.yaml');
    fs.writeFileSync(extra, 'id: x\nkind: simulated\ndescription: y\nfaults: []\ncolour: blue\n');
    res = await runCli(['run', '--setup-file', extra]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/extra\.yaml: unknown field 'colour'/);
  });

  it('an unknown setup id and a bad --idle', async () => {
    let res = await runCli(['run', '--setups', 'nope']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown setup 'nope'/);
    res = await runCli(['probe', 'http://127.0.0.1:9', '--idle', 'soon']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--idle must be a number of seconds/);
  });
});
