/**
 * The compatibility run: every built-in simulated setup × the four
 * transports, run as a user runs it (`pushthrough run --no-real`), each cell
 * asserted against the expectation in its setup file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firewallSetups, simulatedSetups } from '../../../src/run/setups';
import { validateReport } from '../../../src/report/validate';
import { TRANSPORTS } from '../../../src/observation/types';
import type { Report } from '../../../src/report/types';
import { runCli } from '../../helpers/cli';

const setups = simulatedSetups();
/** `--no-real` keeps the kernel's firewall setups but the one layered over a real proxy (test/lab/firewall covers them all). */
const firewalls = firewallSetups({ real: false });
let report: Report;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-matrix-'));
  const out = path.join(tmp, 'matrix.json');
  const junit = path.join(tmp, 'matrix.xml');
  const res = await runCli(['run', '--no-real', '--format', 'json', '--out', out, '--junit', junit], { timeoutMs: 150_000 });
  report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  // The exit code follows the matches: 0 when every cell is as expected.
  const mismatches = report.setups.flatMap((s) => s.cells.filter((c) => c.matches === false));
  expect(res.code).toBe(mismatches.length === 0 ? 0 : 1);
  expect(fs.readFileSync(junit, 'utf8')).toMatch(/<testsuites/);
}, 160_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('covers every built-in setup and validates against the report schema', () => {
  expect(validateReport(report)).toBeNull();
  expect(report.setups.map((s) => s.id).sort()).toEqual(['direct', 'direct-h2', ...setups.map((s) => s.id), ...firewalls.map((s) => s.id)].sort());
  expect(firewalls.map((s) => s.id)).not.toContain('nat-over-nginx-tuned');
  // The HTTP/2 baseline was measured in the same run, over HTTP/2, and sets the margin of HTTP/2 cells.
  expect(typeof report.options.baselineMaxLateMsH2).toBe('number');
  expect(report.setups.find((s) => s.id === 'direct-h2')!.cells.find((c) => c.transport === 'sse')!.protocol).toEqual({ tls: true, http: 'h2' });
  expect(setups.length).toBeGreaterThanOrEqual(26);
});

const cases = setups.flatMap((s) => TRANSPORTS.map((t) => [s.id, t, s.expect?.[t]] as const));

it.each(cases)('%s × %s is as its setup file expects', (id, transport, expected) => {
  const cell = report.setups.find((s) => s.id === id)!.cells.find((c) => c.transport === transport)!;
  expect(expected).toBeDefined();
  // On a mismatch, show the measured explanation next to the verdict.
  expect({ verdict: cell.verdict, reason: cell.reason, why: cell.verdict === expected!.verdict && cell.reason === expected!.reason ? '' : cell.explanation }).toEqual({
    verdict: expected!.verdict,
    reason: expected!.reason,
    why: '',
  });
  expect(cell.matches).toBe(true);
});

it('an idle cut carries its measured time, and the heartbeat that rescued it', () => {
  const cell = report.setups.find((s) => s.id === 'idle-timeout')!.cells.find((c) => c.transport === 'sse')!;
  const idle = cell.checks.find((c) => c.id === 'idle')!;
  expect(idle.measured.cutAtMs as number).toBeGreaterThan(900);
  expect(idle.measured.cutAtMs as number).toBeLessThan(2000);
  const heartbeat = cell.mitigations?.find((m) => m.id === 'heartbeat');
  expect(heartbeat?.rescued).toBe(true);
});

it('a failed WebSocket reports where its fallback lands', () => {
  const cell = report.setups.find((s) => s.id === 'strip-upgrade')!.cells.find((c) => c.transport === 'websocket')!;
  const fb = cell.mitigations?.find((m) => m.id === 'fallback');
  expect(fb?.landsOn).toBe('sse');
});

describe('run --keepalive over the setups that list their keepalive', () => {
  const listed = setups.filter((s) => s.keepalive);
  let keepalive: Report;
  beforeAll(async () => {
    const out = path.join(tmp, 'keepalive.json');
    const res = await runCli(['run', '--setups', listed.map((s) => s.id).join(','), '--keepalive', '--format', 'json', '--out', out], { timeoutMs: 60_000 });
    keepalive = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
    expect(validateReport(keepalive)).toBeNull();
    expect(res.code).toBe(0);
  }, 70_000);

  it('covers the imitations whose idle timer counts one direction only', () => {
    expect(listed.map((s) => s.id)).toEqual(expect.arrayContaining(['read-idle-like', 'upstream-read-timeout-like', 'aws-alb-like']));
  });

  it.each(listed.flatMap((s) => (['long-poll', 'sse', 'websocket'] as const).map((t) => [s.id, t] as const)))('%s × %s is kept open by the kinds its setup file lists', (id, transport) => {
    const cell = keepalive.setups.find((s) => s.id === id)!.cells.find((c) => c.transport === transport)!;
    const check = cell.checks.find((c) => c.id === 'keepalive');
    const listedKinds = setups.find((s) => s.id === id)!.keepalive?.[transport];
    expect(listedKinds).toBeDefined();
    expect([...(check!.measured.kept as string[])].sort()).toEqual([...listedKinds!].sort());
    expect(cell.expectedKeepalive).toEqual(listedKinds);
    expect(cell.matches).toBe(true);
  });
});
