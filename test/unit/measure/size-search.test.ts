/** The size search's bisection against model paths (no sockets). */
import { formatSize, searchSize, type SizeTrialRunner } from '../../../src/measure/size-search';
import type { SizeTrial } from '../../../src/measure/types';

function limitedAt(maxBytes: number): { run: SizeTrialRunner; tried: number[] } {
  const tried: number[] = [];
  const run: SizeTrialRunner = async (bytes) => {
    tried.push(bytes);
    return bytes <= maxBytes ? { bytes, ok: true, ms: 1 } : { bytes, ok: false, how: 'close', code: 1009, ms: 1 };
  };
  return { run, tried };
}

it('finds a 64 KiB limit to within 5 % in a dozen trials', async () => {
  const path = limitedAt(65536);
  const r = await searchSize('websocket', path.run);
  expect(r.outcome).toBe('limit');
  expect(r.largestOkBytes).toBeLessThanOrEqual(65536);
  expect(r.smallestFailedBytes).toBeGreaterThan(65536);
  expect(r.smallestFailedBytes! / r.largestOkBytes!).toBeLessThanOrEqual(1.05);
  expect(r).toMatchObject({ how: 'close', code: 1009, searchedToBytes: 16 * 1024 * 1024 });
  // The first two trials are the bounds; every failure was tried twice.
  expect(path.tried.slice(0, 3)).toEqual([16 * 1024 * 1024, 16 * 1024 * 1024, 1024]);
  expect(path.tried.length).toBeLessThanOrEqual(24);
});

it('no limit up to the maximum: one trial', async () => {
  const path = limitedAt(Infinity);
  const r = await searchSize('sse', path.run, { maxBytes: 1024 * 1024 });
  expect(r).toMatchObject({ outcome: 'none', largestOkBytes: 1024 * 1024 });
  expect(path.tried).toEqual([1024 * 1024]);
});

it('a limit below the smallest step is searched from 16 bytes', async () => {
  const r = await searchSize('websocket', limitedAt(500).run);
  expect(r.outcome).toBe('limit');
  expect(r.largestOkBytes).toBeLessThanOrEqual(500);
  expect(r.smallestFailedBytes! / r.largestOkBytes!).toBeLessThanOrEqual(1.05);
});

it('nothing passes at all: unknown, with the failure', async () => {
  const r = await searchSize('websocket', limitedAt(0).run);
  expect(r.outcome).toBe('unknown');
  expect(r.error).toMatch(/even a 16-byte message failed \(close 1009\)/);
});

it('a failure no size avoids (a refused handshake) stops the search at once', async () => {
  const tried: number[] = [];
  const run: SizeTrialRunner = async (bytes) => {
    tried.push(bytes);
    return { bytes, ok: false, how: 'status', code: 403, ms: 1 };
  };
  const r = await searchSize('websocket', run, { isFatal: (t) => t.how === 'status' });
  expect(r).toMatchObject({ outcome: 'unknown', error: 'no message could be sent (HTTP 403)', how: 'status', code: 403 });
  // Tried twice (a failure counts once confirmed), then no bisection.
  expect(tried).toEqual([16 * 1024 * 1024, 16 * 1024 * 1024]);
});

it('a single transient failure does not count: it is tried again', async () => {
  let failedOnce = false;
  const run: SizeTrialRunner = async (bytes): Promise<SizeTrial> => {
    if (bytes === 16 * 1024 * 1024 && !failedOnce) {
      failedOnce = true;
      return { bytes, ok: false, how: 'reset', code: 'ECONNRESET', ms: 1 };
    }
    return { bytes, ok: true, ms: 1 };
  };
  const r = await searchSize('sse', run);
  expect(r.outcome).toBe('none');
  expect(r.trials.map((t) => t.ok)).toEqual([false, true]);
});

it('an abort stops the bisection and marks it partial', async () => {
  const stop = new AbortController();
  const path = limitedAt(65536);
  const run: SizeTrialRunner = async (bytes) => {
    const t = await path.run(bytes);
    if (path.tried.length === 4) stop.abort();
    return t;
  };
  const r = await searchSize('websocket', run, { signal: stop.signal });
  expect(r.partial).toBe(true);
  expect(path.tried.length).toBeLessThanOrEqual(5);
});

it('formatSize', () => {
  expect(formatSize(16 * 1024 * 1024)).toBe('16 MiB');
  expect(formatSize(65536)).toBe('64 KiB');
  expect(formatSize(63800)).toBe('62.3 KiB');
  expect(formatSize(500)).toBe('500 B');
});
