/**
 * The keepalive phase of the measurement, through simulated one-direction
 * idle timers on real sockets: which kinds keep a stream open past the
 * measured cut, the advice drawn from them, and that advice applied through
 * the path (verified). Ctrl-C during the phase keeps what was measured.
 */
import { measure } from '../../../src/measure/measure';
import { renderMarkdown } from '../../../src/report/render/markdown';
import { closeAgents } from '../../../src/client/http';
import { startStack, type Stack } from '../../helpers/simulated';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});
afterAll(() => closeAgents());

it('a client-side read timer on tunnels: server messages do not count, the advised server ping is verified, SSE and long polls are left alone', async () => {
  stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 800, resetBy: 'client', scope: 'tunnels' } }]);
  const lines: string[] = [];
  const m = await measure({ target: { baseUrl: stack.proxy.url }, maxIdleMs: 3000, phases: ['idle', 'keepalive'], onProgress: (l) => lines.push(l) });
  expect(m.idle.websocket?.outcome).toBe('cut');
  expect(m.idle.sse?.outcome).toBe('none');
  // Only the transports with a cut (and long polls, held past the shortest cut) are tried.
  expect(Object.keys(m.keepalive ?? {}).sort()).toEqual(['long-poll', 'websocket']);
  const ws = m.keepalive!.websocket!;
  const outcome = Object.fromEntries(ws.trials.map((t) => [t.kind, t.outcome]));
  expect(outcome).toEqual({ none: 'cut', 'server-message': 'cut', 'server-ping': 'kept', 'client-message': 'kept', 'client-ping': 'kept' });
  expect(ws.silenceMs).toBeGreaterThan(m.idle.websocket!.timeoutMs!);
  // A held long poll is not timed here: nothing to advise.
  expect(m.keepalive!['long-poll']!.trials.find((t) => t.kind === 'none')?.outcome).toBe('kept');
  const advice = m.recommendations.keepalive ?? [];
  expect(advice).toHaveLength(1);
  expect(advice[0]).toMatchObject({ transport: 'websocket', kind: 'server-ping', ignored: ['server-message'], verified: true });
  expect(advice[0]!.everyMs).toBeLessThanOrEqual(m.idle.websocket!.timeoutMs! / 2);
  expect(m.keepaliveVerified?.websocket).toMatchObject({ kind: 'server-ping', kept: true });
  expect(lines.some((l) => /websocket keepalive: verified: the stream survived/.test(l))).toBe(true);
  // The fix names the kind, and the report says what kept it open.
  expect(m.recommendations.fixes.find((f) => f.transport === 'websocket')?.fix.app).toMatch(/^Send a server→client ping every .* and a server→client data message did not\.$/);
  const md = renderMarkdown({ tool: 'pushthrough', version: '0', startedAt: m.startedAt, durationMs: m.durationMs, options: {}, checks: [], setups: [{ id: 'x', kind: 'external', description: 'x', cells: [], measurement: m }] });
  expect(md).toContain('| keeps it open | nothing to keep alive | kept by server ping, client message, client ping; NOT by server message |');
  expect(md).toMatch(/- websocket: send a server→client ping every \d+ ms .*— verified through the path/);
}, 60_000);

it('Ctrl-C during the keepalive phase keeps what was measured and marks it partial', async () => {
  stack = await startStack([{ name: 'idle-timeout', params: { idleMs: 600 } }]);
  const stop = new AbortController();
  const m = await measure({
    target: { baseUrl: stack.proxy.url },
    maxIdleMs: 2000,
    phases: ['idle', 'keepalive'],
    signal: stop.signal,
    onProgress: (l) => {
      if (/keepalive: each kind/.test(l)) stop.abort();
    },
  });
  expect(m.partial).toBe(true);
  expect(m.idle.sse?.outcome).toBe('cut');
  const trials = Object.values(m.keepalive ?? {}).flatMap((r) => r!.trials);
  expect(trials.length).toBeGreaterThan(0);
  expect(trials.every((t) => t.outcome === 'stopped')).toBe(true);
  expect(m.recommendations.keepalive ?? []).toEqual([]);
}, 30_000);
