/** The load run's HTML page: its facts, and streams and latency over time as inline SVG. */
import type { LoadMeasurement } from '../../../../src/observation/load';
import { renderLoadHtml } from '../../../../src/report/render/load-html';
import type { LoadSection } from '../../../../src/report/types';

const measurement: LoadMeasurement = {
  url: 'http://127.0.0.1:1',
  transports: ['sse'],
  streams: 700,
  rampMs: 3000,
  durationMs: 3000,
  intervalMs: 1000,
  workers: 1,
  timeline: [
    { t: 1, open: 200, pending: 30, opened: 200, failed: 0, cut: 0, p50: 3, p95: 9, p99: 14 },
    { t: 2, open: 450, pending: 20, opened: 250, failed: 0, cut: 0, p50: 4, p95: 12, p99: 30 },
    // A second with no event: the latency lines break there.
    { t: 3, open: 511, pending: 0, opened: 61, failed: 120, cut: 0 },
    { t: 4, open: 511, pending: 0, opened: 0, failed: 69, cut: 2, p50: 5, p95: 15, p99: 40 },
  ],
  peakOpen: { all: 511, sse: 511 },
  peakHeld: { sse: 511 },
  opened: 511,
  failed: { reset: 189 },
  pending: 0,
  cut: { reset: 2 },
  latency: { p50: 4, p95: 12, p99: 35, samples: 1800 },
  timeToOpen: { p50: 2, p95: 7 },
  processes: [{ what: 'origin', pid: 1, rssMiB: 80, openFiles: 530 }],
};
const section: LoadSection = {
  target: 'setup <nginx-naive>',
  measurement,
  limit: { sentence: 'nginx-naive: 511 SSE streams open, the next reset' },
  thresholds: [{ text: 'failed<1%', ok: false, actual: 0.27, share: true } as LoadSection['thresholds'][number]],
};

const html = renderLoadHtml(section, { version: '0.0.0', startedAt: '2026-11-28T00:00:00.000Z' });

it('is one page with no script, the target escaped, the limit and the broken threshold', () => {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script/);
  expect(html).toContain('setup &lt;nginx-naive&gt;');
  expect(html).toContain('511 SSE streams open, the next reset');
  expect(html).toMatch(/✘ broken<\/span> <code>failed&lt;1%<\/code> — measured 27\.00%/);
  expect(html).toContain('189 reset');
});

it('draws streams over time: open, waiting, and failures and cuts as running totals', () => {
  const chart = html.slice(html.indexOf('Streams over time'), html.indexOf('Delivery latency over time'));
  const points = (cls: string) => (new RegExp(`<path class="${cls}" d="([^"]+)"`).exec(chart)?.[1] ?? '').split(/(?=[ML])/).length;
  expect(points('open')).toBe(4);
  expect(points('waiting')).toBe(4);
  // 0, 0, 120, 189: the last point is the highest of the chart's values.
  expect(chart).toMatch(/<path class="failed" d="[^"]+"><title>failed to open \(total\)<\/title>/);
  expect(chart).toMatch(/>200</); // the y axis reaches past 189 and 511 in nice steps
});

it('draws latency p50, p95 and p99, with a gap in the second no event arrived', () => {
  const chart = html.slice(html.indexOf('Delivery latency over time'));
  const p99 = /<path class="p99" d="([^"]+)"/.exec(chart)![1];
  // Two pieces: seconds 1-2, then a fresh move to second 4.
  expect(p99.match(/M/g)).toHaveLength(2);
  expect(p99.match(/L/g)).toHaveLength(1);
  expect(chart).toContain('<li><i class="p95"></i>p95</li>');
});
