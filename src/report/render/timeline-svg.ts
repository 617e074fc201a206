/**
 * The arrival timeline of one stream as inline SVG, drawn on the server side
 * so the chart works without JavaScript. x is time; two cumulative step
 * lines count events: when the origin emitted them (its schedule, offsetMs)
 * and when the client had them (arrivedMs). On a path that streams, the two
 * lines lie on top of each other; a buffering proxy turns the arrival line
 * into a staircase of bursts; an idle cut makes it stop at a red marker.
 *
 * The two clocks differ (origin channel start vs client check start), so
 * the chart shows shapes and gaps, not sub-millisecond offsets.
 */
import { decimal, formatMs, type StreamCut, type TimelinePoint } from './common';

/** What to draw: the points, plus what the check knows about the stream's end. */
export interface TimelineChartInput {
  points: TimelinePoint[];
  /** events the origin was asked to send; drawn as a dashed target when more than arrived */
  expected?: number;
  cut?: StreamCut;
  /** accessible title, e.g. "sse via nginx-default: delivery" */
  title: string;
  /** unique prefix for element ids inside the page */
  idPrefix: string;
}

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { left: 46, right: 18, top: 26, bottom: 38 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Colours per connection; the first is the regular arrival colour. */
const CONNECTION_CLASSES = ['c0', 'c1', 'c2', 'c3'];

/** Render the chart; escaping of the title is the caller's (`esc`) responsibility, passed in. */
export function timelineSvg(input: TimelineChartInput, esc: (s: string) => string): string {
  const points = [...input.points].sort((a, b) => a.arrivedMs - b.arrivedMs || a.seq - b.seq);
  const emitted = [...input.points].sort((a, b) => a.offsetMs - b.offsetMs || a.seq - b.seq);
  const maxTime = Math.max(1, ...points.map((p) => p.arrivedMs), ...points.map((p) => p.offsetMs), input.cut?.atMs ?? 0);
  const xStep = niceStep(maxTime, 8);
  const xMax = Math.ceil((maxTime * 1.02) / xStep) * xStep;
  const count = points.length;
  const yTop = Math.max(count, input.expected ?? 0, 1);
  const yStep = niceStep(yTop, 4);
  const yMax = Math.ceil(yTop / yStep) * yStep;

  const x = (ms: number): string => decimal(MARGIN.left + (ms / xMax) * PLOT_W, 1);
  const y = (n: number): string => decimal(MARGIN.top + PLOT_H - (n / yMax) * PLOT_H, 1);

  const parts: string[] = [];
  const titleId = `${input.idPrefix}-t`;
  const descId = `${input.idPrefix}-d`;
  parts.push(
    `<svg class="timeline" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${titleId}">${esc(input.title)}</title>`,
    `<desc id="${descId}">${esc(describe(input, points))}</desc>`,
  );

  // grid and axes
  const grid: string[] = [];
  for (let t = 0; t <= xMax + 1e-9; t += xStep) {
    grid.push(`<line class="grid" x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(yMax)}"/>`);
    grid.push(`<text class="tick" x="${x(t)}" y="${decimal(MARGIN.top + PLOT_H + 16, 1)}" text-anchor="middle">${esc(tickLabel(t, xMax))}</text>`);
  }
  for (let n = 0; n <= yMax; n += yStep) {
    grid.push(`<line class="grid" x1="${x(0)}" y1="${y(n)}" x2="${x(xMax)}" y2="${y(n)}"/>`);
    grid.push(`<text class="tick" x="${MARGIN.left - 8}" y="${decimal(Number(y(n)) + 4, 1)}" text-anchor="end">${n}</text>`);
  }
  parts.push(`<g class="axes">${grid.join('')}`);
  parts.push(`<line class="axis" x1="${x(0)}" y1="${y(0)}" x2="${x(xMax)}" y2="${y(0)}"/>`);
  parts.push(`<line class="axis" x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(yMax)}"/>`);
  parts.push(`<text class="label" x="${x(xMax)}" y="${HEIGHT - 4}" text-anchor="end">time since start</text>`);
  parts.push(`<text class="label" x="${MARGIN.left - 8}" y="${MARGIN.top - 14}" text-anchor="end">events</text></g>`);

  // expected total, when fewer arrived
  if (input.expected !== undefined && input.expected > count) {
    parts.push(
      `<line class="expected" x1="${x(0)}" y1="${y(input.expected)}" x2="${x(xMax)}" y2="${y(input.expected)}"/>`,
      `<text class="note" x="${decimal(Number(x(0)) + 6, 1)}" y="${decimal(Number(y(input.expected)) + 14, 1)}">${esc(
        `${input.expected} expected, ${count} arrived`,
      )}</text>`,
    );
  }

  // origin schedule: cumulative step line + hollow marks
  parts.push(`<path class="emitted" d="${stepPath(emitted.map((p) => p.offsetMs), x, y)}"/>`);
  parts.push(
    `<g class="emitted-dots">${emitted.map((p, i) => `<circle cx="${x(p.offsetMs)}" cy="${y(i + 1)}" r="2.6"/>`).join('')}</g>`,
  );

  // client arrivals: cumulative step line + filled marks coloured by connection
  parts.push(`<path class="arrived" d="${stepPath(points.map((p) => p.arrivedMs), x, y)}"/>`);
  parts.push(
    `<g class="arrived-dots">${points
      .map((p, i) => {
        const cls = CONNECTION_CLASSES[Math.min(p.connection, CONNECTION_CLASSES.length - 1)];
        return `<circle class="${cls}" cx="${x(p.arrivedMs)}" cy="${y(i + 1)}" r="3.2"><title>${esc(
          `event ${p.seq}: emitted at ${formatMs(p.offsetMs)}, arrived at ${formatMs(p.arrivedMs)} (connection ${p.connection})`,
        )}</title></circle>`;
      })
      .join('')}</g>`,
  );

  // the cut, and the quiet stretch that led to it
  if (input.cut) {
    const cx = x(input.cut.atMs);
    const before = points.filter((p) => p.arrivedMs <= input.cut!.atMs).map((p) => p.arrivedMs);
    const quietFrom = before.length > 0 ? Math.max(...before) : 0;
    if (input.cut.atMs - quietFrom > 0) {
      const qx = x(quietFrom);
      parts.push(
        `<rect class="quiet" x="${qx}" y="${y(yMax)}" width="${decimal(Number(cx) - Number(qx), 1)}" height="${decimal(PLOT_H, 1)}"/>`,
        `<text class="quiet-label" x="${decimal((Number(qx) + Number(cx)) / 2, 1)}" y="${decimal(MARGIN.top + PLOT_H - 8, 1)}" text-anchor="middle">${esc(
          `quiet for ${formatMs(input.cut.atMs - quietFrom)}`,
        )}</text>`,
      );
    }
    const when = input.cut.from === 'stream start' ? `${formatMs(input.cut.cutAtMs)} after the stream started` : `at ${formatMs(input.cut.atMs)}`;
    const label = `cut ${when}${input.cut.how ? ` (${input.cut.how})` : ''}`;
    const anchor = input.cut.atMs / xMax > 0.7 ? 'end' : 'start';
    const lx = decimal(Number(cx) + (anchor === 'end' ? -6 : 6), 1);
    parts.push(
      `<line class="cut" x1="${cx}" y1="${y(0)}" x2="${cx}" y2="${y(yMax)}"/>`,
      `<text class="cut-label" x="${lx}" y="${decimal(MARGIN.top - 8, 1)}" text-anchor="${anchor}">${esc(label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** A cumulative step path: flat until each event's time, then one step up. */
function stepPath(times: number[], x: (ms: number) => string, y: (n: number) => string): string {
  const sorted = [...times].sort((a, b) => a - b);
  const d = [`M${x(0)} ${y(0)}`];
  sorted.forEach((t, i) => {
    d.push(`H${x(t)}`, `V${y(i + 1)}`);
  });
  return d.join(' ');
}

/** 1, 2 or 5 × 10^k, so that about `target` steps cover `range`. */
export function niceStep(range: number, target: number): number {
  const raw = Math.max(range, 1e-9) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= raw) return Math.max(factor * magnitude, 1);
  return 10 * magnitude;
}

function tickLabel(ms: number, axisMaxMs: number): string {
  if (ms === 0) return '0';
  if (axisMaxMs >= 2000) return `${decimal(ms / 1000, 1)} s`;
  return `${Math.round(ms)} ms`;
}

/** A sentence for screen readers: what the picture shows. */
function describe(input: TimelineChartInput, sorted: TimelinePoint[]): string {
  const n = sorted.length;
  const lateness = sorted.map((p) => p.arrivedMs - p.offsetMs);
  const maxLate = lateness.length > 0 ? Math.max(...lateness) : 0;
  let text = `${n} event${n === 1 ? '' : 's'} arrived between ${formatMs(sorted[0]?.arrivedMs ?? 0)} and ${formatMs(
    sorted[n - 1]?.arrivedMs ?? 0,
  )}; the latest arrived ${formatMs(maxLate)} after it was emitted.`;
  if (input.expected !== undefined && input.expected > n) text += ` ${input.expected} were expected.`;
  if (input.cut) text += ` The connection was cut at ${formatMs(input.cut.atMs)}${input.cut.how ? ` (${input.cut.how})` : ''}.`;
  return text;
}
