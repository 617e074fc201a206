/**
 * A load run as one self-contained HTML page: what was held and what failed,
 * the limit found with its fix, the thresholds, and two charts drawn as
 * inline SVG (no script, no network): streams open, failed and cut over time,
 * and delivery latency p50/p95/p99 over time. Pure: a function of the JSON
 * report's load section.
 */
import type { LoadSecond } from '../../observation/load';
import type { LoadSection } from '../types';
import { decimal } from './common';
import { esc } from './html-escape';
import { CSS, pageOpening } from './html-style';
import { niceStep } from './timeline-svg';
import { kinds, measuredOf } from './load';

interface Series {
  name: string;
  cls: string;
  /** one value per second of the timeline; undefined leaves a gap */
  values: Array<number | undefined>;
}

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { left: 58, right: 18, top: 30, bottom: 38 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

const LOAD_CSS = `
.load-chart .grid{stroke:var(--line);stroke-width:.6}
.load-chart .axis{stroke:var(--muted);stroke-width:1}
.load-chart text{font:11px var(--sans);fill:var(--muted)}
.load-chart path{fill:none;stroke-width:2;stroke-linejoin:round}
.load-chart .open{stroke:var(--arrived)}.load-chart .waiting{stroke:var(--emitted);stroke-dasharray:4 3}
.load-chart .failed{stroke:var(--fail)}.load-chart .cut{stroke:var(--cut);stroke-dasharray:6 3}
.load-chart .p50{stroke:var(--pass)}.load-chart .p95{stroke:var(--degraded)}.load-chart .p99{stroke:var(--fail)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:14px;margin:6px 0 0;padding:0;font-size:.85rem}
.legend i{display:inline-block;width:18px;height:0;border-top:3px solid;vertical-align:middle;margin-right:6px}
.legend .open{border-color:var(--arrived)}.legend .waiting{border-color:var(--emitted);border-top-style:dashed}
.legend .failed{border-color:var(--fail)}.legend .cut{border-color:var(--cut);border-top-style:dashed}
.legend .p50{border-color:var(--pass)}.legend .p95{border-color:var(--degraded)}.legend .p99{border-color:var(--fail)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
`;

/** A line chart of per-second values; a series breaks where it has no value (no event that second). */
export function loadChartSvg(title: string, yLabel: string, timeline: LoadSecond[], series: Series[], idPrefix: string): string {
  const tMax = Math.max(1, ...timeline.map((s) => s.t));
  const xStep = niceStep(tMax, 8);
  const xMax = Math.ceil(tMax / xStep) * xStep;
  const top = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const yStep = niceStep(top, 4);
  const yMax = Math.ceil(top / yStep) * yStep;
  const x = (t: number): string => decimal(MARGIN.left + (t / xMax) * PLOT_W, 1);
  const y = (v: number): string => decimal(MARGIN.top + PLOT_H - (v / yMax) * PLOT_H, 1);
  const parts = [
    `<svg class="load-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${idPrefix}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${idPrefix}-t">${esc(title)}</title>`,
  ];
  for (let t = 0; t <= xMax + 1e-9; t += xStep) {
    parts.push(`<line class="grid" x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(yMax)}"/>`, `<text x="${x(t)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${decimal(t, 1)} s</text>`);
  }
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(`<line class="grid" x1="${x(0)}" y1="${y(v)}" x2="${x(xMax)}" y2="${y(v)}"/>`, `<text x="${MARGIN.left - 8}" y="${decimal(Number(y(v)) + 4, 1)}" text-anchor="end">${decimal(v, 1)}</text>`);
  }
  parts.push(
    `<line class="axis" x1="${x(0)}" y1="${y(0)}" x2="${x(xMax)}" y2="${y(0)}"/>`,
    `<line class="axis" x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(yMax)}"/>`,
    `<text x="${MARGIN.left - 8}" y="${MARGIN.top - 14}" text-anchor="end">${esc(yLabel)}</text>`,
  );
  for (const s of series) {
    const d: string[] = [];
    let pen = 'M';
    timeline.forEach((sec, i) => {
      const v = s.values[i];
      if (v === undefined) {
        pen = 'M';
        return;
      }
      d.push(`${pen}${x(sec.t)} ${y(v)}`);
      pen = 'L';
    });
    if (d.length) parts.push(`<path class="${s.cls}" d="${d.join(' ')}"><title>${esc(s.name)}</title></path>`);
  }
  parts.push('</svg>');
  const legend = `<ul class="legend">${series.map((s) => `<li><i class="${s.cls}"></i>${esc(s.name)}</li>`).join('')}</ul>`;
  return `<figure class="chart">${parts.join('\n')}${legend}</figure>`;
}

/** Running totals: how many failed (or were cut) by each second. */
function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}

export function renderLoadHtml(l: LoadSection, meta: { version: string; startedAt: string }): string {
  const m = l.measurement;
  const tl = m.timeline;
  const title = `pushthrough load · ${l.target}`;
  const facts: Array<[string, string]> = [
    ['streams', `${m.streams} ${m.transports.join(' + ')}, ramp ${m.rampMs / 1000} s, held ${m.durationMs / 1000} s, an event every ${m.intervalMs} ms (${m.workers} generator process${m.workers === 1 ? '' : 'es'})`],
    ['open at most', Object.entries(m.peakOpen).map(([k, v]) => `${v} ${k}`).join(', ') || '0'],
    ['failed to open', `${kinds(m.failed)}${m.pending ? `; still waiting for an answer at the end: ${m.pending}` : ''}`],
    ['cut while open', kinds(m.cut)],
    ['delivery latency', m.latency.samples ? `p50 ${m.latency.p50} ms, p95 ${m.latency.p95} ms, p99 ${m.latency.p99} ms (${m.latency.samples} events sampled)` : 'no event arrived'],
    ['time to open', `p50 ${m.timeToOpen.p50 ?? '–'} ms, p95 ${m.timeToOpen.p95 ?? '–'} ms`],
    ...m.processes.map((p): [string, string] => [p.what, `${p.rssMiB} MiB RSS, ${p.openFiles} open files at most`]),
  ];
  const limit = l.limit
    ? [
        `<p><strong>Limit:</strong> ${esc(l.limit.sentence)}</p>`,
        l.limit.fix?.proxy ? `<p>Fix (${esc(l.limit.fix.proxy.label ?? l.limit.fix.proxy.product)}):</p><pre><code>${esc(l.limit.fix.proxy.snippet)}</code></pre>` : '',
        l.limit.fix?.app ? `<p>In the app: ${esc(l.limit.fix.app)}</p>` : '',
      ].join('\n')
    : m.testerError
      ? ''
      : '<p><strong>Limit:</strong> none reached: every stream opened and stayed open.</p>';
  const thresholds = l.thresholds.length
    ? `<h2>Thresholds</h2><ul>${l.thresholds
        .map((t) => `<li class="${t.ok ? 'v-pass' : 'v-fail'}"><span class="badge">${t.ok ? '✔ held' : '✘ broken'}</span> <code>${esc(t.text)}</code> — measured ${esc(measuredOf(t))}</li>`)
        .join('')}</ul>`
    : '';
  const streamsChart = loadChartSvg(
    'Streams over time',
    'streams',
    tl,
    [
      { name: 'open', cls: 'open', values: tl.map((s) => s.open) },
      { name: 'waiting for an answer', cls: 'waiting', values: tl.map((s) => s.pending) },
      { name: 'failed to open (total)', cls: 'failed', values: cumulative(tl.map((s) => s.failed)) },
      { name: 'cut while open (total)', cls: 'cut', values: cumulative(tl.map((s) => s.cut)) },
    ],
    'streams',
  );
  const latencyChart = loadChartSvg(
    'Delivery latency over time',
    'ms',
    tl,
    [
      { name: 'p50', cls: 'p50', values: tl.map((s) => s.p50) },
      { name: 'p95', cls: 'p95', values: tl.map((s) => s.p95) },
      { name: 'p99', cls: 'p99', values: tl.map((s) => s.p99) },
    ],
    'latency',
  );
  return [
    ...pageOpening(title, `${CSS}${LOAD_CSS}`),
    `<header><h1>${esc(title)}</h1><p class="meta">${esc(meta.startedAt)}</p></header>`,
    '<main>',
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    m.testerError ? `<p class="v-error"><strong>Tester:</strong> ${esc(m.testerError)}</p>` : '',
    limit,
    thresholds,
    '<h2>Streams</h2>',
    streamsChart,
    '<h2>Delivery latency</h2>',
    tl.some((s) => s.p99 !== undefined) ? latencyChart : '<p class="muted">No event arrived, so there is no latency to draw.</p>',
    '</main>',
    `<footer><p>Generated by pushthrough ${esc(meta.version)} from the JSON load report of ${esc(meta.startedAt)}. This page is self-contained and needs no network.</p></footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
