/**
 * Markdown report (`--format markdown`): the matrix, then every failure and
 * degradation with its explanation, evidence, mitigations and fix, written to
 * be pasted into a pull request or an issue (GitHub-flavoured Markdown).
 */
import type { Cell, CheckResult, Fix, Verdict } from '../../verdict/types';
import type { Report, SetupResult } from '../types';
import { ADVICE_LABELS, adviceHeadlines, keepaliveLines, limitRows, measurementSummary, productLine } from './measurement';
import {
  cellOf,
  costRows,
  decimal,
  fixesOfCell,
  proxyLabel,
  formatBytes,
  formatMs,
  isProblem,
  briefMeasured,
  reportTransports,
  showsReason,
  summarize,
  tailLines,
  VERDICT_LABELS,
  VERDICT_MEANINGS,
  VERDICT_ORDER,
  verdictText,
  expectedAndActual,
  wireProtocolText,
  clientDifferenceText,
  fieldSourceText,
  type Column,
  columnOf,
  columnsText,
} from './common';

/** Emoji render in colour on GitHub and GitLab, which is where this output goes. */
const MD_SYMBOLS: Record<Verdict, string> = {
  pass: '✅',
  degraded: '⚠️',
  fail: '❌',
  skipped: '⏭️',
  error: '🛠️',
};

/** Log lines kept per setup: enough for the error, short enough for a PR comment. */
const MAX_LOG_LINES = 20;

/** Render the report as GitHub-flavoured Markdown. Pure and deterministic. */
export function renderMarkdown(report: Report): string {
  const transports = reportTransports(report);
  const out: string[] = [];
  out.push('# pushthrough report', '');
  out.push(header(report, transports), '');
  out.push(summaryLine(report), '');
  out.push(...matrix(report, transports), '');
  out.push(legend(), '');
  out.push(...measurementSections(report));

  const problemSetups = report.setups
    .map((setup) => ({ setup, cells: transports.flatMap((t) => cellOf(setup, t) ?? []).filter(isProblem) }))
    .filter((group) => group.cells.length > 0);
  if (problemSetups.length > 0) {
    out.push('## Problems', '');
    for (const { setup, cells } of problemSetups) {
      for (const cell of cells) out.push(...problem(setup, cell));
      // The log covers the whole run of the setup: once per setup, after its problems.
      out.push(...logBlock(setup));
    }
  }

  const notRun = notRunGroups(report, transports);
  if (notRun.length > 0) {
    out.push('## Skipped and tester errors', '');
    for (const group of notRun) {
      const which = group.transports.length === transports.length && transports.length > 1 ? 'all transports' : group.transports.join(', ');
      out.push(
        `- ${MD_SYMBOLS[group.verdict]} **${inline(group.setup.id)}** (${which}): ${verdictText(group.verdict, group.reason)}. ${text(group.explanation)}`,
      );
    }
    out.push('');
  }

  const mismatches = report.setups.flatMap((setup) => setup.cells.filter((c) => c.matches === false).map((cell) => ({ setup, cell })));
  if (mismatches.length > 0) {
    out.push('## Expectation mismatches', '');
    for (const { setup, cell } of mismatches) {
      const { expected, actual } = expectedAndActual(cell);
      out.push(`- **${columnOf(cell)} via ${inline(setup.id)}**: expected ${expected}, got ${actual}`);
    }
    out.push('');
  }

  out.push(...costTable(report));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function header(report: Report, columns: Column[]): string {
  const field = fieldSourceText(report);
  return [
    ...(field ? [text(field)] : []),
    `pushthrough ${text(report.version)}`,
    `started ${text(report.startedAt)}`,
    `took ${formatMs(report.durationMs)}`,
    `${report.setups.length} setup${report.setups.length === 1 ? '' : 's'} × ${columnsText(columns)}`,
  ].join(' · ');
}

function summaryLine(report: Report): string {
  const s = summarize(report);
  const parts = VERDICT_ORDER.filter((v) => s.counts[v] > 0).map((v) => `${s.counts[v]} ${VERDICT_LABELS[v]}`);
  const mismatch =
    s.mismatches === 0 ? '' : ` — **${s.mismatches} cell${s.mismatches === 1 ? '' : 's'} differ${s.mismatches === 1 ? 's' : ''} from the expectations**`;
  return `**${s.cells} cells:** ${parts.join(' · ')}${mismatch}`;
}

function matrix(report: Report, transports: Column[]): string[] {
  const rows = [`| Setup | ${transports.join(' | ')} |`, `| --- |${transports.map(() => ' --- |').join('')}`];
  for (const setup of report.setups) {
    const label = `**${tableText(setup.id)}**<br>${tableText(setupLabel(setup))}`;
    const cells = transports.map((t) => {
      const cell = cellOf(setup, t);
      if (!cell) return '';
      let value = `${MD_SYMBOLS[cell.verdict]} ${VERDICT_LABELS[cell.verdict]}`;
      if (showsReason(cell.verdict, cell.reason)) value += `: ${cell.reason}`;
      if (cell.matches === false && cell.expected) value += ` *(expected ${verdictText(cell.expected.verdict, cell.expected.reason)})*`;
      return tableText(value);
    });
    rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return rows;
}

/** "real: nginx/1.22.1", "simulated: imitates …", "direct". */
function setupLabel(setup: SetupResult): string {
  const wire = wireProtocolText(setup);
  const label = setup.kind === 'real' && setup.product ? `real · ${setup.product}` : setup.imitates ? `${setup.kind} · ${setup.imitates}` : setup.kind;
  return wire ? `${label}<br>${wire}` : label;
}

function legend(): string {
  return `**Legend:** ${VERDICT_ORDER.map((v) => `${MD_SYMBOLS[v]} ${VERDICT_LABELS[v]}: ${VERDICT_MEANINGS[v]}`).join(' · ')}`;
}

function problem(setup: SetupResult, cell: Cell): string[] {
  const out: string[] = [];
  out.push(`### ${MD_SYMBOLS[cell.verdict]} ${columnOf(cell)} via ${text(setup.id)}: ${verdictText(cell.verdict, cell.reason)}`, '');
  if (cell.matches === false && cell.expected) {
    out.push(`> Expected ${verdictText(cell.expected.verdict, cell.expected.reason)}.`, '');
  }
  out.push(text(cell.explanation), '');
  const differs = clientDifferenceText(cell);
  if (differs) out.push(`> ${text(differs)}`, '');

  const evidence = cell.checks.filter((c) => c.status !== 'pass');
  if (evidence.length > 0) {
    out.push('**Evidence**', '');
    // A refused handshake fails every check the same way: say it once.
    const groups: Array<{ ids: string[]; first: CheckResult }> = [];
    for (const check of evidence) {
      const same = groups.find((g) => g.first.detail === check.detail && g.first.status === check.status && g.first.reason === check.reason);
      if (same) same.ids.push(check.id);
      else groups.push({ ids: [check.id], first: check });
    }
    for (const { ids, first } of groups) {
      const numbers = briefMeasured(first)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ');
      out.push(
        `- ${ids.map((id) => `\`${id}\``).join(', ')} ${first.status} (${first.reason}): ${text(first.detail)}${numbers ? `<br>${text(numbers)}` : ''}`,
      );
    }
    out.push('');
  }

  if (cell.mitigations && cell.mitigations.length > 0) {
    out.push('**Mitigations tried**', '');
    for (const m of cell.mitigations) {
      const lands = m.landsOn ? `, lands on ${m.landsOn}` : '';
      out.push(
        `- ${m.rescued ? '✅ rescued' : '❌ not rescued'}: ${text(m.description)} → ${verdictText(m.verdict, m.reason)}${lands}. ${text(m.detail)}`,
      );
    }
    out.push('');
  }

  const { fix, alternatives } = fixesOfCell(cell);
  if (fix) {
    out.push('**Fix**', '');
    out.push(...fixLines(fix));
    if (alternatives.length > 0) {
      out.push('<details><summary>Config for other proxies and load balancers</summary>', '');
      for (const alt of alternatives) out.push(...proxyLines(alt));
      out.push('</details>', '');
    }
  }

  return out;
}

function logBlock(setup: SetupResult): string[] {
  if (!setup.logs || setup.logs.length === 0) return [];
  const { lines, omitted } = tailLines(setup.logs, MAX_LOG_LINES);
  const out = [`<details><summary>${text(setup.id)} log (${setup.logs.length} line${setup.logs.length === 1 ? '' : 's'})</summary>`, ''];
  if (omitted > 0) out.push(`${omitted} earlier lines left out.`, '');
  out.push(...fenced(lines.join('\n'), 'text'), '</details>', '');
  return out;
}

/** Skipped and errored cells, merged per setup when they say the same thing (a missing binary skips every transport). */
interface NotRunGroup {
  setup: SetupResult;
  verdict: Verdict;
  reason: string;
  explanation: string;
  transports: Column[];
}

function notRunGroups(report: Report, transports: Column[]): NotRunGroup[] {
  const groups: NotRunGroup[] = [];
  for (const setup of report.setups) {
    for (const t of transports) {
      const cell = cellOf(setup, t);
      if (!cell || (cell.verdict !== 'skipped' && cell.verdict !== 'error')) continue;
      const same = groups.find(
        (g) => g.setup === setup && g.verdict === cell.verdict && g.reason === cell.reason && g.explanation === cell.explanation,
      );
      if (same) same.transports.push(t);
      else groups.push({ setup, verdict: cell.verdict, reason: cell.reason, explanation: cell.explanation, transports: [t] });
    }
  }
  return groups;
}

function fixLines(fix: Fix): string[] {
  const out: string[] = [];
  if (fix.proxy) out.push(...proxyLines(fix));
  out.push(`App: ${text(fix.app)}`, '');
  return out;
}

function proxyLines(fix: Fix): string[] {
  if (!fix.proxy) return [];
  const { label, language } = proxyLabel(fix);
  return [`${text(label)}:`, '', ...fenced(fix.proxy.snippet, language), ''];
}

/** `probe --measure`: one section per measured setup (none when nothing was measured). */
function measurementSections(report: Report): string[] {
  const out: string[] = [];
  for (const setup of report.setups) {
    const m = setup.measurement;
    if (!m) continue;
    out.push(`## Measured limits of ${text(setup.id)}`, '');
    out.push(`${m.partial ? '⚠️ ' : ''}${text(measurementSummary(m))}`, '');
    out.push('| Limit | SSE | WebSocket |', '| --- | --- | --- |');
    for (const row of limitRows(m)) out.push(`| ${tableText(row.label)} | ${tableText(row.values.sse)} | ${tableText(row.values.websocket)} |`);
    out.push('');
    out.push(`**Product:** ${text(productLine(m))}`, '');
    for (const e of m.product.evidence) out.push(`- ${text(e)}`);
    for (const alt of m.product.alternatives ?? []) out.push(`- also seen: ${text(alt.product)} (${alt.confidence}): ${text(alt.evidence[0] ?? '')}`);
    out.push('');
    out.push('### Recommendations', '');
    const headlines = adviceHeadlines(m);
    if (headlines.length) out.push(`**${text(headlines.join(' · '))}**`, '');
    for (const t of m.recommendations.transports) {
      const mark = t.advice === 'use' ? '✅' : t.advice === 'use-with-care' ? '⚠️' : t.advice === 'avoid' ? '❌' : '⏭️';
      out.push(`- ${mark} **${t.transport}**: ${ADVICE_LABELS[t.advice]}${t.why ? ` — ${text(t.why)}` : ''}`);
    }
    out.push('');
    const keepalive = keepaliveLines(m);
    if (keepalive.length) out.push('**Keepalive**', '', ...keepalive.map((k) => `- ${text(k)}`), '');
    for (const note of m.recommendations.notes) out.push(`- ${text(note)}`);
    out.push('');
    for (const f of m.recommendations.fixes) {
      out.push(`**Fix: ${f.transport} (${f.reason})**`, '');
      out.push(...fixLines(f.fix));
    }
    if (m.notes.length) {
      out.push('**Notes**', '');
      for (const note of m.notes) out.push(`- ${text(note)}`);
      out.push('');
    }
  }
  return out;
}

function costTable(report: Report): string[] {
  const rows = costRows(report);
  if (rows.length === 0) return [];
  const out = [
    '## Cost per delivered event',
    '',
    '| Setup | Transport | Verdict | Events | Requests/event | Bytes/event | Latency p50 | Latency p95 |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    out.push(
      `| ${tableText(r.setup)} | ${r.transport} | ${MD_SYMBOLS[r.verdict]} ${VERDICT_LABELS[r.verdict]} | ${r.events} | ${
        r.requestsPerEvent === undefined ? '—' : decimal(r.requestsPerEvent, 2)
      } | ${r.bytesPerEvent === undefined ? '—' : formatBytes(r.bytesPerEvent)} | ${r.latencyP50Ms === undefined ? '—' : formatMs(r.latencyP50Ms)} | ${
        r.latencyP95Ms === undefined ? '—' : formatMs(r.latencyP95Ms)
      } |`,
    );
  }
  out.push('');
  return out;
}

// ---------------------------------------------------------------- escaping

/**
 * Prose from the report: keep its backticks (explanations quote directives
 * that way) but neutralise HTML, which GitHub would otherwise interpret.
 */
function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

/** Text inside a table cell: also no pipes and no line breaks. */
function tableText(value: string): string {
  return text(value).replace(/\|/g, '\\|');
}

/** A code span that survives backticks inside the value. */
function inline(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
function fenced(body: string, language: string): string[] {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, body, fence];
}
