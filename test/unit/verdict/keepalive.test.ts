import type { KeepaliveResult, KeepaliveTrial } from '../../../src/observation/limits';
import { describeKeepalives, keepaliveAdvice } from '../../../src/verdict/keepalive';
import { recommend } from '../../../src/verdict/recommend';
import { HEARTBEAT_CAP_MS } from '../../../src/verdict/thresholds';

const kept = (kind: KeepaliveTrial['kind']): KeepaliveTrial => ({ kind, outcome: 'kept' });
const cut = (kind: KeepaliveTrial['kind'], cutAtMs = 2000): KeepaliveTrial => ({ kind, outcome: 'cut', cutAtMs, how: 'close' });
const ws = (...trials: KeepaliveTrial[]): KeepaliveResult => ({ transport: 'websocket', silenceMs: 3000, everyMs: 500, trials });

describe('describeKeepalives', () => {
  it('splits the kinds into kept and cut, the control apart', () => {
    const d = describeKeepalives(ws(cut('none'), cut('server-message'), kept('server-ping'), kept('client-message'), kept('client-ping')));
    expect(d).toMatchObject({ kept: ['server-ping', 'client-message', 'client-ping'], cut: ['server-message'], controlCut: true, started: 5 });
    expect(d.sentence).toBe(
      'with no keepalive the stream was cut after 2.0 s; kept open by a server→client ping, a client→server data message, a client→server ping; NOT by a server→client data message (each every 500 ms)',
    );
  });

  it('says so when the control survived or never started', () => {
    expect(describeKeepalives(ws(kept('none'), kept('server-ping'))).sentence).toBe('a stream with no keepalive survived 3.0 s');
    const none = describeKeepalives(ws({ kind: 'none', outcome: 'not-started', detail: 'answered 403' }, { kind: 'server-ping', outcome: 'not-started' }));
    expect(none).toMatchObject({ started: 0, controlCut: false });
  });
});

describe('keepaliveAdvice', () => {
  it('advises the cheapest kind that worked, at half the cut, naming the better ones that did not', () => {
    const a = keepaliveAdvice(ws(cut('none'), cut('server-ping'), cut('server-message'), kept('client-message'), kept('client-ping')), 4000);
    expect(a).toMatchObject({ kind: 'client-message', everyMs: 2000, kept: ['client-message', 'client-ping'], ignored: ['server-ping', 'server-message'] });
    expect(a!.advice).toBe(
      'websocket: a server→client ping, a server→client data message does NOT keep this path alive; send a client→server data message every 2 s (a client→server ping also works)',
    );
  });

  it('prefers an SSE comment, and a named event when comments do not count', () => {
    const sse = (...trials: KeepaliveTrial[]): KeepaliveResult => ({ transport: 'sse', silenceMs: 3000, everyMs: 500, trials });
    expect(keepaliveAdvice(sse(cut('none'), kept('server-event'), kept('server-comment')), 2000)?.kind).toBe('server-comment');
    const dropped = keepaliveAdvice(sse(cut('none'), kept('server-event'), cut('server-comment')), 2000)!;
    expect(dropped.kind).toBe('server-event');
    expect(dropped.advice).toBe('sse: an SSE comment line (:) does NOT keep this path alive; send a named SSE event (event: heartbeat) every 1 s');
  });

  it('caps the interval, and uses the control’s cut when none is given', () => {
    expect(keepaliveAdvice(ws(cut('none', 600_000), kept('server-ping')), 600_000)?.everyMs).toBe(HEARTBEAT_CAP_MS);
    expect(keepaliveAdvice(ws(cut('none', 3000), kept('server-ping')), undefined)?.everyMs).toBe(1500);
  });

  it('nothing kept: reconnect (streams) or a shorter hold (long polls); nothing cut: no advice', () => {
    const none = keepaliveAdvice(ws(cut('none'), cut('server-ping'), cut('server-message'), cut('client-message'), cut('client-ping')), 2000)!;
    expect(none.kind).toBeUndefined();
    expect(none.advice).toMatch(/^websocket: no keepalive kept the stream open .*: reconnect before the cut and resume from the last event$/);
    const lp: KeepaliveResult = { transport: 'long-poll', silenceMs: 3000, everyMs: 500, trials: [cut('none'), cut('trickle')] };
    expect(keepaliveAdvice(lp, 2000)?.advice).toMatch(/hold requests below the cut$/);
    expect(keepaliveAdvice(ws(kept('none'), kept('server-ping')), 2000)).toBeUndefined();
  });
});

describe('recommend with keepalive trials', () => {
  const idle = { transport: 'websocket' as const, outcome: 'cut' as const, timeoutMs: 2000, cutAtMs: 2000, searchedToMs: 8000, rounds: 2, trials: [] };
  const base = { idle: { websocket: idle }, lifetime: {}, largestMessage: {}, concurrency: {}, product: { evidence: [] }, maxIdleMs: 8000, maxStreams: 64 };
  const trials = ws(cut('none'), cut('server-ping'), kept('server-message'), cut('client-message'), kept('client-ping'));

  it('marks the advice verified when the same kind and interval held through the path, and the fix names the kind', () => {
    const r = recommend({ ...base, keepalive: { websocket: trials }, keepaliveVerified: { websocket: { kind: 'server-message', everyMs: 1000, silenceMs: 3000, kept: true } } });
    expect(r.keepalive).toEqual([expect.objectContaining({ transport: 'websocket', kind: 'server-message', everyMs: 1000, verified: true })]);
    expect(r.fixes.find((f) => f.transport === 'websocket')?.fix.app).toBe(
      'Send a server→client data message every 1 s (half of the 2 s cut measured here): that is what kept streams open through this path, and a server→client ping, a client→server data message did not.',
    );
    expect(r.transports.find((t) => t.transport === 'websocket')?.why).toContain('a server→client data message every 1 s');
  });

  it('a verification that failed is reported, and the fix falls back to the generic heartbeat', () => {
    const r = recommend({ ...base, keepalive: { websocket: trials }, keepaliveVerified: { websocket: { kind: 'server-message', everyMs: 1000, silenceMs: 3000, kept: false, detail: 'cut after 2 s (close)' } } });
    expect(r.keepalive?.[0]).toMatchObject({ verified: false, verifyDetail: 'cut after 2 s (close)' });
    expect(r.fixes.find((f) => f.transport === 'websocket')?.fix.app).toMatch(/^Send a WebSocket ping/);
  });
});
