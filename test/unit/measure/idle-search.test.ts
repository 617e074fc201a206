/**
 * The idle search's planning, without sockets: the ladder, the bracket the
 * trials prove, the next round's silences, and whole searches against a model
 * path (an idle timer that closes, or one that drops silently).
 */
import { bracketOf, converged, ladder, nextSilences, searchIdle, summarizeIdle, type IdleRoundRunner } from '../../../src/measure/idle-search';
import type { IdleTrial } from '../../../src/measure/types';

/** A path with an idle timer of `timeoutMs`: a stream quiet that long is cut, seen `detectMs` later (or never, when it drops). */
function modelPath(timeoutMs: number, how: 'close' | 'silent', detectMs = 5): { run: IdleRoundRunner; rounds: number[][] } {
  const rounds: number[][] = [];
  const run: IdleRoundRunner = async (silences, round) => {
    rounds.push(silences);
    return silences.map((silenceMs): IdleTrial => {
      if (silenceMs < timeoutMs) return { silenceMs, round, outcome: 'survived' };
      return how === 'close' ? { silenceMs, round, outcome: 'cut', cutAfterMs: timeoutMs + detectMs, how: 'close' } : { silenceMs, round, outcome: 'cut', how: 'silent' };
    });
  };
  return { run, rounds };
}

describe('ladder', () => {
  it('halves from the maximum down to the shortest rung', () => {
    expect(ladder(8000)).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(ladder(120_000)).toEqual([938, 1875, 3750, 7500, 15_000, 30_000, 60_000, 120_000]);
  });
  it('spreads fewer rungs over the same span when streams are scarce', () => {
    const rungs = ladder(120_000, 500, 3);
    expect(rungs).toHaveLength(3);
    expect(rungs[0]).toBe(938);
    expect(rungs[2]).toBe(120_000);
    expect(ladder(8000, 500, 1)).toEqual([8000]);
  });
  it('a maximum below the shortest rung is one rung', () => {
    expect(ladder(300)).toEqual([300]);
  });
});

describe('bracketOf', () => {
  it('the longest survivor below, the measured cut time above', () => {
    const b = bracketOf([
      { silenceMs: 2000, round: 0, outcome: 'survived' },
      { silenceMs: 4000, round: 0, outcome: 'cut', cutAfterMs: 3010, how: 'close' },
      { silenceMs: 8000, round: 0, outcome: 'cut', cutAfterMs: 3004, how: 'close' },
    ]);
    expect(b).toEqual({ lo: 2000, hi: 3004, hiMeasured: true, cutTimes: [3010, 3004] });
  });
  it('a silent cut bounds by its silence only', () => {
    const b = bracketOf([
      { silenceMs: 2000, round: 0, outcome: 'survived' },
      { silenceMs: 4000, round: 0, outcome: 'cut', how: 'silent' },
      { silenceMs: 8000, round: 0, outcome: 'cut', how: 'silent', implied: true },
    ]);
    expect(b).toEqual({ lo: 2000, hi: 4000, hiMeasured: false, cutTimes: [] });
  });
  it('not-started and stopped trials prove nothing', () => {
    expect(bracketOf([{ silenceMs: 1000, round: 0, outcome: 'not-started' }, { silenceMs: 2000, round: 0, outcome: 'stopped' }])).toEqual({
      lo: 0,
      hi: undefined,
      hiMeasured: false,
      cutTimes: [],
    });
  });
});

describe('nextSilences', () => {
  it('after a measured cut: just below it, plus a midpoint while the bracket is wide', () => {
    expect(nextSilences({ lo: 2000, hi: 3000, hiMeasured: true, cutTimes: [3000] }, 0.1, 3)).toEqual([2349, 2760, 2880]);
    expect(nextSilences({ lo: 2800, hi: 3000, hiMeasured: true, cutTimes: [3000] }, 0.1, 3)).toEqual([2880]);
  });
  it('without a measured cut (or when confirming failed): geometric points inside the bracket', () => {
    expect(nextSilences({ lo: 2000, hi: 4000, hiMeasured: false, cutTimes: [] }, 0.1, 3)).toEqual([2378, 2828, 3364]);
    expect(nextSilences({ lo: 2000, hi: 4000, hiMeasured: true, cutTimes: [4000] }, 0.1, 3, true)).toEqual([2378, 2828, 3364]);
  });
  it('nothing survived: searches below the cut down to an eighth of it', () => {
    const next = nextSilences({ lo: 0, hi: 400, hiMeasured: false, cutTimes: [] }, 0.1, 3);
    expect(next[0]).toBeGreaterThanOrEqual(50);
    expect(next.every((x) => x < 400)).toBe(true);
  });
});

describe('converged', () => {
  it('within the precision, or the cut below 100 ms, or nothing cut', () => {
    expect(converged({ lo: 2900, hi: 3000, hiMeasured: true, cutTimes: [] }, 0.1)).toBe(true);
    expect(converged({ lo: 2000, hi: 3000, hiMeasured: true, cutTimes: [] }, 0.1)).toBe(false);
    expect(converged({ lo: 0, hi: 90, hiMeasured: true, cutTimes: [] }, 0.1)).toBe(true);
    expect(converged({ lo: 8000, hi: undefined, hiMeasured: false, cutTimes: [] }, 0.1)).toBe(true);
    // Jitter: a survivor just past a measured cut agrees with it.
    expect(converged({ lo: 3050, hi: 3004, hiMeasured: true, cutTimes: [] }, 0.1)).toBe(true);
  });
});

describe('searchIdle against a model path', () => {
  it('a closing idle timer of 3 s: two rounds, the value is the measured cut, bracket within 10 %', async () => {
    const path = modelPath(3000, 'close');
    const r = await searchIdle('sse', path.run, { maxIdleMs: 8000 });
    expect(path.rounds).toHaveLength(2);
    expect(r).toMatchObject({ outcome: 'cut', timeoutMs: 3005, cutAtMs: 3005, cutMeasured: true, how: 'close', rounds: 2 });
    expect(r.survivedMs).toBeGreaterThanOrEqual(2880);
    expect(r.precision).toBeLessThanOrEqual(0.1);
  });

  it('a 60 s timer searched up to 120 s', async () => {
    const path = modelPath(60_000, 'close', 40);
    const r = await searchIdle('websocket', path.run, { maxIdleMs: 120_000 });
    expect(r.timeoutMs).toBe(60_040);
    expect(r.survivedMs! * 1.1).toBeGreaterThanOrEqual(r.cutAtMs!);
    expect(path.rounds.length).toBeLessThanOrEqual(3);
  });

  it('a silent drop at 3 s: bisection only, the value in the middle of a bracket within 10 %', async () => {
    const path = modelPath(3000, 'silent');
    const r = await searchIdle('websocket', path.run, { maxIdleMs: 8000 });
    expect(r.outcome).toBe('cut');
    expect(r.how).toBe('silent');
    expect(r.cutMeasured).toBe(false);
    expect(r.survivedMs).toBeLessThan(3000);
    expect(r.cutAtMs).toBeGreaterThanOrEqual(3000);
    expect(r.cutAtMs! / r.survivedMs!).toBeLessThanOrEqual(1.1);
    expect(r.timeoutMs).toBe(Math.round((r.survivedMs! + r.cutAtMs!) / 2));
    expect(path.rounds.length).toBeLessThanOrEqual(4);
  });

  it('no timer: every silence survives, outcome none after one round', async () => {
    const path = modelPath(Infinity, 'close');
    const r = await searchIdle('sse', path.run, { maxIdleMs: 8000 });
    expect(r).toMatchObject({ outcome: 'none', survivedMs: 8000, rounds: 1 });
    expect(r.timeoutMs).toBeUndefined();
  });

  it('a timer below the shortest rung still converges from below', async () => {
    const path = modelPath(300, 'close');
    const r = await searchIdle('sse', path.run, { maxIdleMs: 8000 });
    expect(r.outcome).toBe('cut');
    expect(r.timeoutMs).toBe(305);
    expect(r.survivedMs).toBeGreaterThan(0);
  });

  it('a cut seen late (timer granularity) is confirmed by bisection instead of looping on it', async () => {
    // Cut at 3 s but noticed 600 ms later: 96 % and 92 % of the measured time are both cut.
    const path = modelPath(3000, 'close', 600);
    const r = await searchIdle('sse', path.run, { maxIdleMs: 8000 });
    expect(r.survivedMs).toBeLessThan(3000);
    expect(r.cutAtMs).toBeGreaterThanOrEqual(3000);
    expect(r.cutAtMs! / r.survivedMs!).toBeLessThanOrEqual(1.1);
  });

  it('streams that never start: unknown, with the reason', async () => {
    const run: IdleRoundRunner = async (silences, round) =>
      silences.map((silenceMs) => ({ silenceMs, round, outcome: 'not-started' as const, how: 'status' as const, code: 403, detail: 'the stream was answered 403 instead of an event stream' }));
    const r = await searchIdle('sse', run, { maxIdleMs: 8000 });
    expect(r.outcome).toBe('unknown');
    expect(r.error).toMatch(/answered 403/);
  });

  it('an abort keeps what the finished rounds proved and marks the result partial', async () => {
    const stop = new AbortController();
    const path = modelPath(3000, 'close');
    const run: IdleRoundRunner = async (silences, round) => {
      if (round === 1) {
        stop.abort();
        return silences.map((silenceMs) => ({ silenceMs, round, outcome: 'stopped' as const, detail: 'interrupted' }));
      }
      return path.run(silences, round);
    };
    const r = await searchIdle('sse', run, { maxIdleMs: 8000, signal: stop.signal });
    expect(r.partial).toBe(true);
    expect(r).toMatchObject({ outcome: 'cut', survivedMs: 2000, cutAtMs: 3005 });
  });

  it('reports each round on onProgress', async () => {
    const lines: string[] = [];
    await searchIdle('sse', modelPath(3000, 'close').run, { maxIdleMs: 8000, onProgress: (l) => lines.push(l) });
    expect(lines[0]).toBe('sse idle: round 0, 5 silent streams: 0.5 s, 1.0 s, 2.0 s, 4.0 s, 8.0 s');
    expect(lines).toContain('sse idle: survived 2.0 s, cut at 3.0 s');
  });
});

it('summarizeIdle: the median of the measured cut times is the value', () => {
  const r = summarizeIdle(
    'sse',
    [
      { silenceMs: 2900, round: 1, outcome: 'survived' },
      { silenceMs: 4000, round: 0, outcome: 'cut', cutAfterMs: 3100, how: 'reset', code: 'ECONNRESET' },
      { silenceMs: 8000, round: 0, outcome: 'cut', cutAfterMs: 3000, how: 'reset', code: 'ECONNRESET' },
      { silenceMs: 3050, round: 1, outcome: 'cut', cutAfterMs: 3020, how: 'reset', code: 'ECONNRESET' },
    ],
    { maxIdleMs: 8000, precision: 0.1, rounds: 2 },
  );
  expect(r).toMatchObject({ outcome: 'cut', timeoutMs: 3020, survivedMs: 2900, cutAtMs: 3000, how: 'reset', code: 'ECONNRESET', precision: 0.034 });
});
