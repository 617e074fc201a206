/**
 * A library's cell from what its own client saw, beside the setup's
 * transport cells: the transport it ended on, a fallback and its reason,
 * flapping, a silent drop after the silence, Socket.IO's "Session ID
 * unknown", and whether it agrees with the websocket cell.
 */
import type { LibraryObservation } from '../../../src/observation/types';
import { gradeLibrary, libraryFix, libraryNotRun } from '../../../src/verdict/library';
import type { Cell } from '../../../src/verdict/types';

const wsCell = (verdict: Cell['verdict'], reason: Cell['reason']): Cell => ({ transport: 'websocket', verdict, reason, explanation: '', checks: [] });
const cells = (ws: Cell, more: Cell[] = []): Cell[] => [{ transport: 'long-poll', verdict: 'pass', reason: 'none', explanation: '', checks: [] }, ws, ...more];

function observation(o: Partial<LibraryObservation> & { seqs?: number[] }): LibraryObservation {
  const seqs = o.seqs ?? [1, 2, 3, 4, 5];
  return {
    library: 'socket.io',
    startedAt: 0,
    durationMs: 7000,
    scenario: { channel: 'c', count: 4, intervalMs: 250, tailMs: 4000 },
    connectedAtMs: 20,
    transports: [
      { atMs: 20, name: 'polling', transport: 'long-poll' },
      { atMs: 60, name: 'websocket', transport: 'websocket' },
    ],
    arrivals: seqs.map((seq) => ({ seq, offsetMs: seq * 250, arrivedMs: seq * 250 + 30, bytes: 90, connection: 0, intact: true })),
    disconnects: [],
    errors: [],
    reconnects: 0,
    ...o,
  };
}

it('passes over WebSocket after Socket.IO’s own upgrade, which is not a switch', () => {
  const c = gradeLibrary(observation({}), cells(wsCell('pass', 'none')));
  expect(c).toMatchObject({ library: 'socket.io', transport: 'websocket', verdict: 'pass', reason: 'none', measured: { switches: 0, received: 5, expected: 5, consistentWithTransports: true } });
  expect(c.explanation).toBe('Socket.IO connected in 20 ms and delivered all 5 events in order over websocket (polling → websocket)');
});

it('a fallback is degraded with the websocket cell’s reason, and agrees with it', () => {
  const c = gradeLibrary(observation({ transports: [{ atMs: 20, name: 'polling', transport: 'long-poll' }] }), cells(wsCell('fail', 'upgrade-stripped')));
  expect(c).toMatchObject({ transport: 'long-poll', verdict: 'degraded', reason: 'upgrade-stripped', measured: { consistentWithTransports: true, reachedWebsocket: false } });
  expect(c.explanation).toMatch(/over polling \(long-poll\): it fell back because WebSocket fails here \(upgrade-stripped\)/);
});

it('a WebSocket the websocket cell says fails, yet the library used: not consistent', () => {
  expect(gradeLibrary(observation({}), cells(wsCell('fail', 'upgrade-stripped'))).measured?.consistentWithTransports).toBe(false);
});

it('a WebSocket SockJS stopped waiting for on its own timer, where the websocket cell passes: a handshake timeout, not the path refusing WebSocket', () => {
  const obs = observation({
    library: 'sockjs',
    transports: [{ atMs: 640, name: 'xhr-streaming', transport: 'sse' }],
    abandoned: [{ atMs: 630, name: 'websocket', transport: 'websocket', code: 2007, reason: 'Transport timed out', timedOut: true, timeoutMs: 610 }],
  });
  const c = gradeLibrary(obs, cells(wsCell('pass', 'none')));
  expect(c).toMatchObject({ transport: 'sse', verdict: 'degraded', reason: 'handshake-timeout', measured: { consistentWithTransports: true, reachedWebsocket: false, abandoned: [{ name: 'websocket', timedOut: true }] } });
  expect(c.explanation).toMatch(/^SockJS delivered all 5 events, in order, over xhr-streaming \(sse\): it gave up its WebSocket when its own 610 ms timer ran out, though this path carries WebSocket/);
  expect(libraryFix(c, cells(wsCell('pass', 'none')), undefined)?.app).toMatch(/SockJS’s `timeout` option/);
  // Where the path itself refused the WebSocket (not the library's timer), falling back beside a passing websocket cell still disagrees with it.
  const refused = observation({ ...obs, abandoned: [{ ...obs.abandoned![0], code: 1006, reason: 'WebSocket connection broken', timedOut: false }] });
  expect(gradeLibrary(refused, cells(wsCell('pass', 'none')))).toMatchObject({ reason: 'upgrade-rejected', measured: { consistentWithTransports: false } });
  // A timer that fired well after it was due ran on a busy tester: the handshake may have been answered in time, unread.
  const late = observation({ ...obs, abandoned: [{ ...obs.abandoned![0], lateMs: 480 }] });
  const error = gradeLibrary(late, cells(wsCell('pass', 'none')));
  expect(error).toMatchObject({ verdict: 'error', reason: 'tester-error' });
  expect(error.explanation).toMatch(/SockJS's own 610 ms timer gave up its WebSocket 480 ms after it was due: this machine's event loop was busy/);
  expect(error.measured).not.toHaveProperty('consistentWithTransports');
  // Late or not, where WebSocket fails here the handshake could not have been answered: the websocket cell's reason stands.
  expect(gradeLibrary(late, cells(wsCell('fail', 'upgrade-rejected')))).toMatchObject({ verdict: 'degraded', reason: 'upgrade-rejected' });
  // No websocket cell, or one that works only below a connection limit (which may queue the handshake): no evidence the path carries WebSocket, so no word on the timer.
  expect(gradeLibrary(obs, [cells(wsCell('pass', 'none'))[0]])).toMatchObject({ verdict: 'degraded', reason: 'upgrade-rejected' });
  expect(gradeLibrary(obs, cells(wsCell('degraded', 'connection-limit')))).toMatchObject({ verdict: 'degraded', reason: 'connection-limit' });
  // Where WebSocket works but is cut when idle, the timer is still why it fell back.
  expect(gradeLibrary(obs, cells(wsCell('degraded', 'idle-timeout')))).toMatchObject({ reason: 'handshake-timeout', explanation: expect.stringMatching(/the websocket cell is degraded: idle-timeout/) });
  // Where WebSocket fails here anyway, the fallback carries the websocket cell's reason, timer or not.
  expect(gradeLibrary(obs, cells(wsCell('fail', 'upgrade-stripped')))).toMatchObject({ reason: 'upgrade-stripped', measured: { consistentWithTransports: true } });
});

it('a WebSocket a page saw refused blind (close 1006 only), where the other transports met a connection limit: the library may open one or not', () => {
  const blind: Cell = { ...wsCell('fail', 'upgrade-rejected'), checks: [{ id: 'connect', status: 'fail', reason: 'upgrade-rejected', measured: { error: { code: 'WS_HANDSHAKE_FAILED', message: 'closed before it opened' } }, detail: '' }] };
  const limited: Cell = { transport: 'sse', verdict: 'degraded', reason: 'connection-limit', explanation: '', checks: [] };
  expect(gradeLibrary(observation({}), cells(blind, [limited])).measured?.consistentWithTransports).toBe(true);
  // Without that evidence the blind refusal stands, and a library that opened a WebSocket disagrees with it.
  expect(gradeLibrary(observation({}), cells(blind)).measured?.consistentWithTransports).toBe(false);
});

it('the event after the silence lost with nothing closed: a silent drop the library had not noticed', () => {
  const c = gradeLibrary(observation({ seqs: [1, 2, 3, 4] }), cells(wsCell('degraded', 'idle-timeout')));
  expect(c).toMatchObject({ verdict: 'degraded', reason: 'idle-timeout', measured: { missing: [5] } });
  expect(c.explanation).toMatch(/the event sent after 4\.0 s of silence never arrived: nothing closed: the path dropped the idle connection silently and Socket.IO had not noticed yet \(its heartbeat notices after pingInterval 25 s/);
});

it('reconnects and switches are flapping, with the reason of the transport the first cut hit', () => {
  const c = gradeLibrary(
    observation({ reconnects: 2, disconnects: [{ atMs: 1000, reason: 'transport close' }], transports: [...observation({}).transports, { atMs: 1300, name: 'polling', transport: 'long-poll' }, { atMs: 1400, name: 'websocket', transport: 'websocket' }] }),
    cells(wsCell('degraded', 'max-duration')),
  );
  expect(c).toMatchObject({ verdict: 'degraded', reason: 'max-duration', measured: { reconnects: 2, switches: 2 } });
  expect(c.explanation).toMatch(/flapped: 2 reconnects and 2 transport switches in 7\.0 s \(the first cut: transport close at 1\.0 s\)/);
});

it('SockJS cut before the end and not reconnecting: degraded with the cut’s reason, saying the app must reopen it', () => {
  const c = gradeLibrary(observation({ library: 'sockjs', seqs: [1, 2], transports: [{ atMs: 10, name: 'websocket', transport: 'websocket' }], disconnects: [{ atMs: 600, reason: 'close 1006' }] }), cells(wsCell('degraded', 'max-duration')));
  expect(c).toMatchObject({ library: 'sockjs', verdict: 'degraded', reason: 'max-duration' });
  expect(c.explanation).toMatch(/delivered 2 of 5 events over websocket before the path cut its session \(close 1006 at 0\.6 s\); it does not reconnect by itself/);
});

it('“Session ID unknown”: not sticky, foretold where the transports found no affinity', () => {
  const obs = observation({ connectedAtMs: undefined, transports: [], seqs: [], errors: [{ atMs: 40, message: 'xhr poll error', status: 400, body: '{"code":1,"message":"Session ID unknown"}' }] });
  const unsticky = cells(wsCell('degraded', 'not-sticky'));
  expect(gradeLibrary(obs, unsticky)).toMatchObject({ verdict: 'fail', reason: 'not-sticky', measured: { sessionUnknown: 1, consistentWithTransports: true } });
  expect(gradeLibrary(obs, cells(wsCell('pass', 'none'))).measured?.consistentWithTransports).toBe(false);
});

it('never connected: fails with the reason of the transport it tried first, naming the library’s error', () => {
  const obs = observation({ connectedAtMs: undefined, transports: [], seqs: [], errors: [{ atMs: 40, message: 'xhr poll error', body: 'Error: read ECONNRESET\n    at stack' }] });
  const c = gradeLibrary(obs, [{ transport: 'long-poll', verdict: 'fail', reason: 'blocked', explanation: '', checks: [] }, wsCell('fail', 'blocked')]);
  expect(c).toMatchObject({ transport: 'long-poll', verdict: 'fail', reason: 'blocked', explanation: 'Socket.IO never connected: xhr poll error (Error: read ECONNRESET)' });
});

it('a client that cannot run here is skipped, saying why; a crashed one is the tester’s error', () => {
  expect(libraryNotRun('sockjs', 'no CA')).toMatchObject({ library: 'sockjs', verdict: 'skipped', reason: 'not-run', explanation: 'SockJS: no CA' });
  expect(gradeLibrary(observation({ testerError: 'crashed' }), cells(wsCell('pass', 'none')))).toMatchObject({ verdict: 'error', reason: 'tester-error' });
});
