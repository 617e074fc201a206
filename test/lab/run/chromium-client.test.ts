/**
 * `run --clients node,chromium`: headless Chromium probes each setup through
 * the origin's page beside the Node clients, graded by the same checks.
 *  - over HTTP/1.1 the browser's own 6-connections-per-host limit stalls a 7th
 *    SSE stream (the cell says so, and why Node differs); over HTTP/2 it does not;
 *  - a stripped Upgrade is found by the browser too, from what reached the origin
 *    (a page never sees the handshake's status);
 *  - the report is schema-valid, and the browser's entries carry no expectations
 *    of their own;
 *  - Socket.IO and SockJS run with their own browser clients too.
 */
import { DEFAULT_PROBE_OPTIONS } from '../../../src/checks';
import { runMatrix } from '../../../src/run/run';
import { builtInSetups } from '../../../src/run/setups';
import type { Report, SetupResult } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import { TRANSPORTS } from '../../../src/vocabulary';
import { describeWith, needChromium } from '../../helpers/needs';

jest.setTimeout(240_000);

describeWith([needChromium()], 'headless Chromium as a client of the matrix', () => {
  let report: Report;
  const entry = (id: string): SetupResult => report.setups.find((s) => s.id === id)!;
  const cell = (id: string, t: string) => entry(id).cells.find((c) => c.transport === t)!;

  beforeAll(async () => {
    const ids = ['direct', 'direct-h2', 'strip-upgrade', 'idle-timeout'];
    report = await runMatrix({
      setups: builtInSetups({ real: false }).filter((s) => ids.includes(s.id)),
      transports: [...TRANSPORTS],
      probe: { ...DEFAULT_PROBE_OPTIONS, idleMs: 4000, holdMs: 4000 },
      clients: ['node', 'chromium'],
      libraries: ['socket.io', 'sockjs'],
    });
  });

  it('adds a browser entry right after each setup, schema-valid, with no expectations of its own', () => {
    expect(validateReport(report)).toBeNull();
    expect(report.setups.map((s) => s.id)).toEqual(expect.arrayContaining(['direct', 'direct@chromium', 'direct-h2', 'direct-h2@chromium', 'strip-upgrade', 'strip-upgrade@chromium']));
    for (const s of report.setups.filter((x) => x.client === 'chromium')) {
      expect(report.setups[report.setups.indexOf(s) - 1]!.id).toBe(s.clientOf);
      expect(s.cells.map((c) => c.library ?? c.transport)).toEqual([...TRANSPORTS, 'socket.io', 'sockjs']);
      expect(s.cells.every((c) => c.client === 'chromium' && c.expected === undefined && c.matches === undefined)).toBe(true);
      // The browser ran the checks a browser can: never an error of its own here.
      expect(s.cells.filter((c) => c.verdict === 'error')).toEqual([]);
    }
    expect(report.options.chromium).toMatch(/^\d+\./);
  });

  it('over HTTP/1.1 a 7th SSE stream stalls in the browser, and the cell says why Node saw no such thing', () => {
    const sse = cell('direct@chromium', 'sse');
    expect(sse).toMatchObject({ verdict: 'degraded', reason: 'browser-connection-limit', protocol: { tls: false, http: 'h1' } });
    expect(sse.checks.find((c) => c.id === 'parallel-streams')!.measured).toMatchObject({ streams: 7, delivered: 6 });
    expect(sse.differsFromNode).toEqual({ verdict: 'pass', reason: 'none', why: expect.stringMatching(/6 HTTP\/1\.1 connections per host/) });
    // Everything else through the direct path is the same for both clients.
    for (const t of ['short-poll', 'long-poll', 'websocket']) expect(cell('direct@chromium', t)).toMatchObject({ verdict: 'pass', reason: 'none' });
  });

  it('over HTTP/2 all seven streams share one connection and deliver', () => {
    const sse = cell('direct-h2@chromium', 'sse');
    expect(sse).toMatchObject({ verdict: 'pass', protocol: { tls: true, http: 'h2' } });
    expect(sse.checks.find((c) => c.id === 'parallel-streams')).toMatchObject({ status: 'pass', measured: { delivered: 7 } });
  });

  it('finds a stripped Upgrade from what reached the origin, and a cut idle stream, as the Node clients do', () => {
    const ws = cell('strip-upgrade@chromium', 'websocket');
    expect(ws).toMatchObject({ verdict: 'fail', reason: 'upgrade-stripped' });
    expect(ws.explanation).toMatch(/the browser saw only close code 1006/);
    expect(ws.differsFromNode).toBeUndefined();
    for (const t of ['sse', 'websocket', 'long-poll']) {
      const node = cell('idle-timeout', t);
      const browser = cell('idle-timeout@chromium', t);
      expect([t, browser.verdict, browser.reason]).toEqual([t, node.verdict, node.reason]);
    }
  });

  it('runs Socket.IO and SockJS with their own browser clients: a WebSocket where it works, a fallback where the Upgrade is stripped', () => {
    for (const l of ['socket.io', 'sockjs']) {
      expect(entry('direct@chromium').cells.find((c) => c.library === l)).toMatchObject({ verdict: 'pass', transport: 'websocket', client: 'chromium' });
      const strip = entry('strip-upgrade@chromium').cells.find((c) => c.library === l)!;
      expect(strip).toMatchObject({ verdict: 'degraded', reason: 'upgrade-stripped', measured: { reachedWebsocket: false, consistentWithTransports: true } });
      // The same as Node's client of the same library: nothing to explain.
      expect(strip.differsFromNode).toBeUndefined();
    }
  });
});
