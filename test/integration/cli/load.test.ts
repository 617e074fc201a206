/**
 * `pushthrough load` as a user runs it: streams held through a simulated
 * setup by forked generators against an origin in its own process, the
 * report schema-valid, thresholds gating the exit code, the limit found
 * named, and bad input one line and exit 2.
 */
import type { Report } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import { runCli } from '../../helpers/cli';

jest.setTimeout(90_000);

const oneLine = (s: string): void => {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
};

it('holds every stream of the three transports through passthrough, with latency, the processes’ weight, and thresholds met', async () => {
  const res = await runCli(['load', '--setup', 'passthrough', '--transports', 'sse,websocket,long-poll', '--streams', '300', '--ramp', '1', '--duration', '2', '--threshold', 'p99<2s', '--threshold', 'failed<1%', '--threshold', 'open>=300', '--format', 'json'], { timeoutMs: 60_000 });
  expect(res.code).toBe(0);
  const report = JSON.parse(res.stdout) as Report;
  expect(validateReport(report)).toBeNull();
  const m = report.load!.measurement;
  expect(m).toMatchObject({ streams: 300, opened: 300, failed: {}, cut: {}, peakOpen: { all: 300, sse: 100, websocket: 100, 'long-poll': 100 } });
  expect(m.latency.samples).toBeGreaterThan(0);
  expect(m.processes.find((p) => p.what === 'origin')!.openFiles).toBeGreaterThanOrEqual(300);
  expect(report.load!.limit).toBeUndefined();
  expect(report.load!.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
  // Progress went to stderr, one line a second.
  expect(res.stderr).toMatch(/\[ {2}\d s\] open \d+\/300 · failed 0 · cut 0/);
});

it('--rate opens that many streams a second: the ramp is streams ÷ rate, and the report keeps both', async () => {
  const res = await runCli(['load', '--setup', 'passthrough', '--transports', 'sse', '--streams', '40', '--rate', '20/s', '--duration', '1', '--format', 'json'], { timeoutMs: 60_000 });
  expect(res.code).toBe(0);
  const report = JSON.parse(res.stdout) as Report;
  expect(validateReport(report)).toBeNull();
  expect(report.options).toMatchObject({ rampMs: 2000, ratePerSecond: 20 });
  expect(report.load!.measurement).toMatchObject({ streams: 40, opened: 40, rampMs: 2000 });
  // Not all at once: a second in, about half had been asked for.
  expect(report.load!.measurement.timeline.find((s) => s.t === 1)?.opened).toBeLessThan(40);
  expect(res.stderr).toMatch(/ramp 2 s \(20 a second\)/);
});

it('finds a connection limit, names it, and a broken threshold is exit 1', async () => {
  const res = await runCli(['load', '--setup', 'connection-limit', '--transports', 'sse', '--streams', '30', '--ramp', '1', '--duration', '1', '--threshold', 'failed<1%'], { timeoutMs: 60_000 });
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(/limit: connection-limit: \d+ SSE streams? open at most; the rest were answered HTTP 503/);
  expect(res.stdout).toMatch(/✘ failed<1% \(measured \d+\.\d+%\)/);
});

it.each([
  [['load'], 'pushthrough: load needs exactly one target: a URL, --setup ID or --real PRODUCT=VARIANT'],
  [['load', 'http://127.0.0.1:9', '--setup', 'passthrough'], 'pushthrough: load needs exactly one target: a URL, --setup ID or --real PRODUCT=VARIANT'],
  [['load', '--setup', 'passthrough', '--streams', '0'], "pushthrough: --streams must be an integer from 1 to 200000, got '0'"],
  [['load', '--setup', 'nope'], "pushthrough: no built-in setup 'nope' (see `pushthrough setups`)"],
  [['load', '--setup', 'passthrough', '--threshold', 'p99<5%'], "pushthrough: --threshold 'p99<5%': a latency is in ms or s, not %"],
  [['load', '--setup', 'passthrough', '--ramp', '5', '--rate', '100/s'], 'pushthrough: --ramp and --rate both set how fast the streams open: give one of them'],
  [['load', '--setup', 'passthrough', '--rate', 'fast'], "pushthrough: --rate must be a number of streams a second above 0 and up to 1000000, e.g. 500/s, got 'fast'"],
  [['load', '--setup', 'passthrough', '--streams', '10000', '--rate', '1/s'], 'pushthrough: --rate 1/s opens 10000 streams over 10000 s, longer than the 3600 s a ramp may take: raise the rate or lower --streams'],
  [['load', '--setup', 'passthrough', '--transports', 'short-poll'], "pushthrough: --transports must be a comma-separated list of sse, websocket, long-poll, got 'short-poll'"],
])('%j is one line and exit 2', async (args, line) => {
  const res = await runCli(args);
  expect(res.code).toBe(2);
  oneLine(res.stderr);
  expect(res.stderr.trim()).toBe(line);
});
