/**
 * `run --no-real --libraries socket.io,sockjs`: Socket.IO and SockJS, their
 * own servers on the origin and their own clients, through every built-in
 * simulated and firewall setup, as a user runs it. The cross-check: where
 * the websocket cell says WebSocket does not work here, each library really
 * ends up on one of its fallbacks, and where it works, each one opens a
 * WebSocket; where a balancer has no affinity, Socket.IO's polling meets
 * "Session ID unknown" while SockJS's WebSocket does not care.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report, SetupResult } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import type { Cell } from '../../../src/verdict/types';
import type { LibraryMeasured } from '../../../src/verdict/library';
import { runCli } from '../../helpers/cli';

let report: Report;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-libraries-'));
  const out = path.join(tmp, 'libraries.json');
  const res = await runCli(['run', '--no-real', '--libraries', 'socket.io,sockjs', '--format', 'json', '--out', out], { timeoutMs: 150_000 });
  report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  // The libraries carry no expectations of their own: the transports' cells decide the exit code, as without them.
  expect(res.code).toBe(report.setups.some((s) => s.cells.some((c) => c.matches === false)) ? 1 : 0);
}, 160_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const lib = (s: SetupResult, id: string): Cell & { measured: LibraryMeasured } => s.cells.find((c) => c.library === id) as Cell & { measured: LibraryMeasured };
const ws = (s: SetupResult): Cell => s.cells.find((c) => c.transport === 'websocket' && !c.library)!;

it('adds a socket.io and a sockjs cell to every setup, and the report validates', () => {
  expect(validateReport(report)).toBeNull();
  for (const s of report.setups) {
    expect(s.cells.filter((c) => c.library).map((c) => c.library)).toEqual(['socket.io', 'sockjs']);
    // Never the tester's error; SockJS's Node client is skipped only where it cannot be given the run's CA.
    for (const c of s.cells.filter((x) => x.library)) {
      expect([s.id, c.library, c.verdict === 'error' ? c.explanation : 'ok']).toEqual([s.id, c.library, 'ok']);
      if (c.verdict === 'skipped') expect([s.id, c.library, c.explanation]).toEqual([s.id, 'sockjs', expect.stringMatching(/cannot be given the CA/)]);
    }
  }
});

it('each library opens a WebSocket exactly where the websocket cell says WebSocket works, and falls back where it does not', () => {
  const checked: string[] = [];
  for (const s of report.setups) {
    for (const id of ['socket.io', 'sockjs']) {
      const c = lib(s, id);
      if (c.verdict === 'skipped') continue;
      expect([s.id, id, c.measured.consistentWithTransports]).not.toEqual([s.id, id, false]);
      if (ws(s).verdict === 'fail' && c.measured.connected) {
        expect([s.id, id, c.measured.reachedWebsocket, c.measured.endedOnTransport]).toEqual([s.id, id, false, expect.stringMatching(/^(long-poll|sse)$/)]);
        checked.push(`${s.id}/${id}`);
      }
    }
  }
  // The built-in setups that break WebSocket really make both libraries fall back.
  expect(checked).toEqual(expect.arrayContaining(['strip-upgrade/socket.io', 'strip-upgrade/sockjs', 'reject-upgrade/socket.io', 'reject-upgrade/sockjs', 'nginx-default-like/socket.io', 'nginx-default-like/sockjs', 'http10/socket.io']));
});

it('says why: the fallback names the websocket cell’s reason; a balancer without affinity fails Socket.IO’s polling, not SockJS’s WebSocket', () => {
  const strip = report.setups.find((s) => s.id === 'strip-upgrade')!;
  expect(lib(strip, 'socket.io')).toMatchObject({ verdict: 'degraded', reason: 'upgrade-stripped', transport: 'long-poll', measured: { endedOn: 'polling', received: 9, duplicates: 0 } });
  expect(lib(strip, 'socket.io').explanation).toMatch(/fell back because WebSocket fails here \(upgrade-stripped\)/);
  expect(lib(strip, 'socket.io').fix?.app).toMatch(/^Fall back to SSE or long polling/);
  const rr = report.setups.find((s) => s.id === 'round-robin')!;
  expect(lib(rr, 'socket.io')).toMatchObject({ verdict: 'fail', reason: 'not-sticky' });
  expect(lib(rr, 'socket.io').measured.sessionUnknown).toBeGreaterThan(0);
  expect(lib(rr, 'sockjs')).toMatchObject({ verdict: 'pass', measured: { endedOn: 'websocket', sessionUnknown: 0 } });
  const direct = report.setups.find((s) => s.id === 'direct')!;
  for (const id of ['socket.io', 'sockjs']) expect(lib(direct, id)).toMatchObject({ verdict: 'pass', transport: 'websocket', measured: { received: 9, missing: [] } });
});

it('a path that drops an idle connection silently loses the event sent after the silence, and the cell says the library had not noticed', () => {
  const drop = report.setups.find((s) => s.id === 'idle-timeout-silent-drop')!;
  for (const id of ['socket.io', 'sockjs']) {
    expect(lib(drop, id)).toMatchObject({ verdict: 'degraded', reason: 'idle-timeout', measured: { missing: [9] } });
    expect(lib(drop, id).explanation).toMatch(/the event sent after 4\.0 s of silence never arrived: nothing closed: the path dropped the idle connection silently/);
  }
});
