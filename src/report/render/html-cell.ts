/**
 * The HTML report's detail panel of one cell: the checks with their numbers,
 * arrival timeline charts, explanation, mitigations, the proxy's log lines
 * and the fix.
 */
import type { Transport } from '../../observation/types';
import type { Cell, CheckResult, Fix, MitigationResult } from '../../verdict/types';
import type { CheckDescription, Report, SetupResult } from '../types';
import { cellOf, clientDifferenceText, columnOf, type Column, cutOf, fixesOfCell, formatMs, measuredEntries, num, proxyLabel, showsReason, timelineOf, VERDICT_LABELS, VERDICT_SYMBOLS, verdictText } from './common';
import { cellAnchor, codeSpans, esc } from './html-escape';
import { timelineSvg } from './timeline-svg';

/** What each check does and expects, from the report. */
type CheckWhat = Map<string, CheckDescription>;

function whatHtml(d: CheckDescription | undefined): string {
  return d ? `<p class="check-what">${codeSpans(d.description)} <span class="expects">Expected: ${codeSpans(d.expectation)}</span></p>` : '';
}

const STATUS_SYMBOLS: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '–', error: '!' };

export function detailsHtml(report: Report, transports: Column[]): string {
  const what = new Map((report.checks ?? []).map((c) => [c.id as string, c]));
  const panels = report.setups.flatMap((setup) =>
    transports.flatMap((t) => {
      const cell = cellOf(setup, t);
      return cell ? [detailHtml(setup, cell, what)] : [];
    }),
  );
  return [
    '<section id="details" aria-label="Cell details">',
    '<p class="placeholder">No cell selected: choose one in the matrix above.</p>',
    ...panels,
    '</section>',
  ].join('\n');
}

function detailHtml(setup: SetupResult, cell: Cell, what: CheckWhat): string {
  const anchor = cellAnchor(setup.id, columnOf(cell));
  const out: string[] = [];
  out.push(`<article class="detail v-${cell.verdict}" id="${anchor}" tabindex="-1" aria-labelledby="${anchor}-h">`);
  out.push('<header class="detail-head">');
  out.push(`<a class="close" href="#m-${anchor}" title="Back to the matrix (Esc)">↑ Matrix</a>`);
  out.push(
    `<h3 id="${anchor}-h"><span class="badge v-${cell.verdict}"><span class="sym" aria-hidden="true">${VERDICT_SYMBOLS[cell.verdict]}</span> ${esc(
      VERDICT_LABELS[cell.verdict],
    )}</span> ${esc(columnOf(cell))} via ${esc(setup.id)}${showsReason(cell.verdict, cell.reason) ? ` <code class="reason-code">${esc(cell.reason)}</code>` : ''}</h3>`,
  );
  out.push(`<p class="explanation">${esc(cell.explanation)}</p>`);
  const differs = clientDifferenceText(cell);
  if (differs) out.push(`<p class="differs">${esc(differs)}</p>`);
  if (cell.expected) {
    const cls = cell.matches === false ? 'expect bad' : 'expect ok';
    const word = cell.matches === false ? 'Contradicts the expectation' : 'As expected';
    out.push(`<p class="${cls}">${word}: ${esc(verdictText(cell.expected.verdict, cell.expected.reason))}.</p>`);
  }
  out.push(`<p class="setup-line">${esc(setupSentence(setup))}</p>`);
  out.push('</header>');

  const charts = chartsHtml(setup, cell, anchor);
  if (charts) out.push(charts);

  out.push('<div class="detail-grid">');
  out.push('<div class="col">');
  out.push(checksHtml(cell, what));
  out.push('</div>');
  out.push('<div class="col">');
  if (cell.mitigations && cell.mitigations.length > 0) out.push(mitigationsHtml(cell.mitigations));
  out.push(fixHtml(setup, cell));
  out.push('</div>');
  out.push('</div>');

  if (setup.logs && setup.logs.length > 0) out.push(logsHtml(setup, cell.transport));
  out.push('</article>');
  return out.join('\n');
}

function setupSentence(setup: SetupResult): string {
  const parts = [`${setup.id} (${setup.kind}${setup.product ? `, ${setup.product}` : ''}): ${setup.description}`];
  if (setup.imitates) parts.push(`Imitates ${setup.imitates}.`);
  if (setup.source) parts.push(`Source: ${setup.source}.`);
  return parts.join(' ');
}

function chartsHtml(setup: SetupResult, cell: Cell, anchor: string): string | undefined {
  // Several checks may carry the same stream (delivery and latency): draw it once.
  const drawn = new Map<string, { checks: string[]; html: (ids: string[]) => string }>();
  cell.checks.forEach((check, i) => {
    const points = timelineOf(check);
    if (!points) return;
    const cut = cutOf(check);
    const key = JSON.stringify([points, cut ?? null]);
    const existing = drawn.get(key);
    if (existing) {
      existing.checks.push(check.id);
      return;
    }
    const expected = num(check.measured.expected);
    drawn.set(key, {
      checks: [check.id],
      html: (ids) => {
        const svg = timelineSvg(
          { points, expected, cut, title: `${columnOf(cell)} via ${setup.id}: ${ids.join(', ')} timeline`, idPrefix: `${anchor}-g${i}` },
          esc,
        );
        return `<figure class="chart">${svg}<figcaption>${esc(ids.join(' + '))}: ${chartCaption(check, points.length)}</figcaption></figure>`;
      },
    });
  });
  if (drawn.size === 0) return undefined;
  const figures = [...drawn.values()].map((d) => d.html(d.checks));
  // Legend entries only for what the charts of this cell actually show.
  const charted = cell.checks.filter((c) => timelineOf(c));
  const legend = [
    '<span class="item"><span class="key emitted"></span> emitted by the origin (its schedule)</span>',
    '<span class="item"><span class="key arrived"></span> received by the client</span>',
  ];
  if (charted.some((c) => (timelineOf(c) ?? []).some((p) => p.connection > 0))) {
    legend.push('<span class="item"><span class="key dot c1"></span> received after a reconnect</span>');
  }
  if (charted.some((c) => cutOf(c))) legend.push('<span class="item"><span class="key cut"></span> connection cut</span>');
  return [
    '<section class="charts" aria-label="Arrival timelines">',
    '<h4>Arrival timeline</h4>',
    `<p class="chart-legend">${legend.join('')}</p>`,
    ...figures,
    '</section>',
  ].join('\n');
}

function chartCaption(check: CheckResult, events: number): string {
  const m = check.measured;
  const bits = [`${events} event${events === 1 ? '' : 's'}`];
  const p50 = num(m.latencyP50Ms);
  const p95 = num(m.latencyP95Ms);
  if (p50 !== undefined) bits.push(`latency p50 ${formatMs(p50)}`);
  if (p95 !== undefined) bits.push(`p95 ${formatMs(p95)}`);
  const bursts = num(m.bursts);
  if (bursts !== undefined && bursts > 0) bits.push(`${bursts} burst${bursts === 1 ? '' : 's'}`);
  const late = num(m.maxLateMs);
  if (late !== undefined) bits.push(`latest ${formatMs(late)} late`);
  return esc(bits.join(' · '));
}

function checksHtml(cell: Cell, what: CheckWhat): string {
  const checkItem = (group: CheckResult[]): string => checkItemHtml(group, what);
  if (cell.checks.length === 0) {
    return '<section class="checks"><h4>Checks</h4><p class="muted">No check ran.</p></section>';
  }
  const notPassed = cell.checks.filter((c) => c.status !== 'pass');
  const passed = cell.checks.filter((c) => c.status === 'pass');
  // When something failed, lead with it; the passing checks stay one click away.
  if (notPassed.length === 0 || passed.length === 0) {
    return `<section class="checks"><h4>Checks</h4><ul class="check-list">${groupChecks(cell.checks).map(checkItem).join('')}</ul></section>`;
  }
  return [
    '<section class="checks"><h4>Checks</h4>',
    `<ul class="check-list">${groupChecks(notPassed).map(checkItem).join('')}</ul>`,
    `<details class="passed"><summary>${passed.length} more check${passed.length === 1 ? '' : 's'} passed: ${esc(
      passed.map((c) => c.id).join(', '),
    )}</summary><ul class="check-list">${groupChecks(passed).map(checkItem).join('')}</ul></details>`,
    '</section>',
  ].join('');
}

/** Checks that say exactly the same thing (a refused handshake fails them all alike) share one entry. */
function groupChecks(checks: CheckResult[]): CheckResult[][] {
  const groups: CheckResult[][] = [];
  for (const check of checks) {
    const same = check.status === 'pass' ? undefined : groups.find((g) => g[0].detail === check.detail && g[0].status === check.status && g[0].reason === check.reason);
    if (same) same.push(check);
    else groups.push([check]);
  }
  return groups;
}

function numbersHtml(check: CheckResult): string {
  const numbers = measuredEntries(check);
  if (numbers.length === 0) return '';
  // Long values (header maps, bodies) take a whole row instead of squeezing a column.
  return `<dl class="nums">${numbers
    .map(([k, v]) => `<div${v.length > 36 ? ' class="wide"' : ''}><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl>`;
}

function checkItemHtml(group: CheckResult[], what: CheckWhat): string {
  const [check, ...alike] = group;
  const reason = check.reason === 'none' ? '' : ` <code class="reason-code">${esc(check.reason)}</code>`;
  const ids = [check, ...alike].map((c) => `<strong>${esc(c.id)}</strong>`).join(', ');
  const more =
    alike.length > 0
      ? `<details class="alike"><summary>Numbers of ${esc(alike.map((c) => c.id).join(', '))}</summary>${alike
          .map((c) => `<p class="alike-id">${esc(c.id)}</p>${numbersHtml(c)}`)
          .join('')}</details>`
      : '';
  return `<li class="check s-${check.status}"><p class="check-head"><span class="sym" aria-hidden="true">${STATUS_SYMBOLS[check.status]}</span> ${ids} <span class="status">${esc(
    check.status,
  )}</span>${reason}</p>${whatHtml(what.get(check.id))}<p>${esc(check.detail)}</p>${numbersHtml(check)}${more}</li>`;
}

function mitigationsHtml(mitigations: MitigationResult[]): string {
  const items = mitigations.map((m) => {
    const lands = m.landsOn ? ` <span class="lands">lands on ${esc(m.landsOn)}</span>` : '';
    return `<li class="${m.rescued ? 'rescued' : 'not-rescued'}"><p><span class="sym" aria-hidden="true">${m.rescued ? '✓' : '✗'}</span> <strong>${
      m.rescued ? 'Rescued' : 'Not rescued'
    }:</strong> ${esc(m.description)} → <span class="badge v-${m.verdict}">${esc(verdictText(m.verdict, m.reason))}</span>${lands}</p><p class="muted">${esc(
      m.detail,
    )}</p></li>`;
  });
  return `<section class="mitigations"><h4>Mitigations tried</h4><ul>${items.join('')}</ul></section>`;
}

function fixHtml(setup: SetupResult, cell: Cell): string {
  const { fix, alternatives } = fixesOfCell(cell);
  if (!fix) return '';
  const out: string[] = ['<section class="fix">', '<h4>Fix</h4>'];
  if (fix.proxy) out.push(snippetHtml(fix));
  out.push(`<div class="app-fix"><p class="fix-label">In the app</p><p>${codeSpans(fix.app)}</p></div>`);
  if (alternatives.length > 0) {
    out.push(
      `<details class="others"><summary>Config for ${alternatives.length} other proxies and load balancers</summary>${alternatives
        .map((alt) => snippetHtml(alt))
        .join('')}</details>`,
    );
  } else if (!fix.proxy) {
    out.push('<p class="muted">No proxy setting is known for this reason; the change belongs in the app.</p>');
  }
  out.push('</section>');
  return out.join('\n');
}

export function snippetHtml(fix: Fix): string {
  if (!fix.proxy) return '';
  const { label, language: lang } = proxyLabel(fix);
  return `<div class="snippet"><p class="fix-label">${esc(label)}</p><pre><code class="lang-${esc(lang)}">${esc(fix.proxy.snippet)}</code></pre></div>`;
}

const NOTABLE_LOG = /\b(error|crit|alert|emerg|warn(ing)?|timed? ?out|refused|reset|denied|DOWN)\b|<NOSRV>|<BADREQ>/i;

/** The origin path of each transport, to tell which log lines are about the cell shown. */
const TRANSPORT_PATHS: Record<Transport, RegExp> = {
  'short-poll': /\/poll[?\s"]/,
  'long-poll': /\/long-poll[?\s"]/,
  sse: /\/sse[?\s"]/,
  websocket: /\/ws[?\s"]/,
};

/**
 * The setup's log covers the whole run; lines about another transport's path
 * are dimmed so the ones about this cell stand out (when the log names paths
 * at all), and error-looking lines are highlighted.
 */
function logsHtml(setup: SetupResult, transport: Transport): string {
  const logs = setup.logs ?? [];
  const anyPath = logs.some((line) => Object.values(TRANSPORT_PATHS).some((re) => re.test(line)));
  const mine = TRANSPORT_PATHS[transport];
  const lines = logs.map((line) => {
    const classes = ['log-line'];
    if (NOTABLE_LOG.test(line)) classes.push('notable');
    if (anyPath && Object.values(TRANSPORT_PATHS).some((re) => re.test(line)) && !mine.test(line)) classes.push('other');
    return `<span class="${classes.join(' ')}">${esc(line)}</span>`;
  });
  const note = anyPath ? `; lines about other transports dimmed` : '';
  return [
    '<section class="logs">',
    `<h4>Proxy log <span class="muted">(${esc(setup.id)}, ${logs.length} line${logs.length === 1 ? '' : 's'}, whole run${note})</span></h4>`,
    `<pre class="log">${lines.join('')}</pre>`,
    '</section>',
  ].join('\n');
}

// ---------------------------------------------------------------- measurement
