/**
 * What a load run means: k6-style thresholds, and the limit found, named
 * from the product's own configuration (nginx's worker_connections).
 */
import type { LoadMeasurement } from '../../../src/observation/load';
import { checkThresholds, limitSentence, nginxCapacity, parseThreshold, type Threshold } from '../../../src/verdict/load';

const measured = (o: Partial<LoadMeasurement> = {}): LoadMeasurement => ({
  url: 'http://127.0.0.1:1',
  transports: ['websocket'],
  streams: 1000,
  rampMs: 10_000,
  durationMs: 30_000,
  intervalMs: 1000,
  workers: 1,
  timeline: [],
  peakOpen: { all: 511, websocket: 511 },
  peakHeld: { websocket: 511 },
  opened: 511,
  failed: { timeout: 489 },
  pending: 0,
  cut: {},
  latency: { p50: 4, p95: 20, p99: 120, samples: 9000 },
  timeToOpen: { p50: 2, p95: 9 },
  firstFailure: { transport: 'websocket', open: 511, held: 511, kind: 'timeout', detail: 'no answer within 10000 ms' },
  processes: [],
  ...o,
});

it.each([
  ['p99<500ms', { metric: 'p99', op: '<', value: 500, share: false }],
  ['p95 <= 2s', { metric: 'p95', op: '<=', value: 2000, share: false }],
  ['failed<1%', { metric: 'failed', op: '<', value: 0.01, share: true }],
  ['cut<=3', { metric: 'cut', op: '<=', value: 3, share: false }],
  ['open>=900', { metric: 'open', op: '>=', value: 900, share: false }],
])('parses %s', (text, expected) => {
  expect(parseThreshold(text)).toMatchObject(expected);
});

it.each([
  ['p99', /is not one: expected METRIC<VALUE/],
  ['p99<5%', /a latency is in ms or s, not %/],
  ['failed<3ms', /failed is a count or a share \(%\), not a time/],
  ['rps>10', /is not one/],
])('refuses %s, naming what is wrong and what was expected', (text, message) => {
  expect(parseThreshold(text)).toMatch(message);
});

it('checks thresholds against what was measured', () => {
  const ts = ['p99<500ms', 'failed<1%', 'open>=500'].map((t) => parseThreshold(t) as Threshold);
  expect(checkThresholds(ts, measured()).map((r) => [r.text, r.ok, Math.round(r.actual * 1000) / 1000])).toEqual([
    ['p99<500ms', true, 120],
    ['failed<1%', false, 0.489],
    ['open>=500', true, 511],
  ]);
  // No event at all: a latency threshold cannot hold.
  expect(checkThresholds([parseThreshold('p99<500ms') as Threshold], measured({ latency: { samples: 0 } }))[0]!.ok).toBe(false);
});

it('reads nginx’s capacity from its configuration: worker_processes × worker_connections, two connections per proxied stream', () => {
  expect(nginxCapacity('worker_processes 1;\nevents { worker_connections 1024; }\n')).toMatchObject({ streams: 512, doc: 'https://nginx.org/en/docs/ngx_core_module.html#worker_connections' });
  expect(nginxCapacity('worker_processes 2;\nevents {\n  worker_connections 768;\n}\n')?.streams).toBe(768);
  expect(nginxCapacity('worker_processes auto;\nevents { worker_connections 768; }')?.why).toMatch(/worker_processes 1/);
  expect(nginxCapacity('http {}')).toBeUndefined();
});

it('names the limit it found, with the product’s reason', () => {
  const cap = nginxCapacity('worker_processes 1;\nevents { worker_connections 1024; }')!;
  expect(limitSentence(measured(), 'nginx-naive', cap)).toBe(
    "nginx-naive: 511 WebSockets open at most; the rest were left without an answer (no answer within 10000 ms) (worker_connections 1024 × worker_processes 1; each proxied stream holds 2 connections (the client's and the upstream one), and the listening socket counts too: about 512 streams)",
  );
  expect(limitSentence(measured({ firstFailure: undefined }), 'x')).toBeUndefined();
  // Held but never answered (a path that holds response heads) still counts; nothing held at all is not a capacity.
  expect(limitSentence(measured({ peakOpen: { all: 0, sse: 0 }, peakHeld: { sse: 511 }, firstFailure: { transport: 'sse', open: 0, held: 482, kind: 'reset', detail: 'ECONNRESET' } }), 'nginx-naive')).toBe(
    "nginx-naive: at most 511 SSE streams held (0 of them answered; the path holds the others' response heads); the rest were reset",
  );
  // A path that holds response heads, then answers the rest 503 when full: a capacity, though none was answered.
  expect(limitSentence(measured({ peakOpen: { all: 0, sse: 0 }, peakHeld: { sse: 300 }, firstFailure: { transport: 'sse', open: 0, held: 300, kind: 'status 503', detail: 'HTTP 503' } }), 'lb')).toBe(
    "lb: at most 300 SSE streams held (0 of them answered; the path holds the others' response heads); the rest were answered HTTP 503",
  );
  // Measured through nginx-naive with a 3 s ramp: 4 handshakes were on their way when the first 426 came. They were not let in.
  for (const held of [0, 4]) {
    expect(limitSentence(measured({ peakOpen: { all: 0, websocket: 0 }, peakHeld: { websocket: held }, firstFailure: { transport: 'websocket', open: 0, held, kind: 'status 426', detail: 'HTTP 426 instead of 101' } }), 'nginx-naive')).toMatch(
      /^nginx-naive: no WebSocket opened at all \(the first answered HTTP 426 instead of 101\): the path does not carry this transport/,
    );
  }
});
