/**
 * The terminal matrix: setups as rows, transports as columns, a symbol and
 * colour per verdict with the reason inline. A pure function of the report.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { Report, SetupResult } from '../types';
import type { Cell, Verdict } from '../../verdict/types';
import { TRANSPORTS } from '../../observation/types';
import { ADVICE_LABELS, adviceHeadlines, limitRows, measurementSummary, productLine } from '../../measure/describe';

export const SYMBOLS: Record<Verdict, string> = { pass: '✔', degraded: '▲', fail: '✘', skipped: '○', error: '!' };

export interface TableOptions {
  color: boolean;
  /** show the explanation lines under the matrix */
  details?: boolean;
}

function cellText(c: Cell, paint: (v: Verdict, t: string) => string): string {
  let text = `${SYMBOLS[c.verdict]} ${c.verdict}`;
  if (c.reason !== 'none') text += ` (${c.reason})`;
  const cut = c.checks.find((k) => k.id === 'idle' || k.id === 'hold' || k.id === 'duration')?.measured.cutAtMs;
  if (typeof cut === 'number' && (c.reason === 'idle-timeout' || c.reason === 'max-duration')) text += ` cut ${(cut / 1000).toFixed(1)} s`;
  let out = paint(c.verdict, text);
  const rescue = c.mitigations?.find((m) => m.rescued);
  if (rescue) out += `\n  → ${rescue.landsOn ? `falls back to ${rescue.landsOn}` : `rescued by ${rescue.description}`}`;
  else if (c.mitigations?.length) out += '\n  → no app-side rescue';
  if (c.matches === false && c.expected) out += `\n  ≠ expected ${c.expected.verdict}${c.expected.reason !== 'none' ? ` (${c.expected.reason})` : ''}`;
  return out;
}

export function renderTable(report: Report, opts: TableOptions): string {
  const pc = createColors(opts.color);
  const paint = (v: Verdict, t: string): string =>
    v === 'pass' ? pc.green(t) : v === 'degraded' ? pc.yellow(t) : v === 'fail' ? pc.red(t) : v === 'error' ? pc.magenta(t) : pc.dim(t);
  const transports = TRANSPORTS.filter((t) => report.setups.some((s) => s.cells.some((c) => c.transport === t)));
  const table = new Table({ head: ['setup', ...transports], style: { head: opts.color ? ['bold'] : [], border: [] }, wordWrap: true });
  for (const s of report.setups) {
    const row = transports.map((t) => {
      const c = s.cells.find((x) => x.transport === t);
      return c ? cellText(c, paint) : '';
    });
    table.push([s.id, ...row]);
  }
  const lines = [table.toString()];
  const cells = report.setups.flatMap((s) => s.cells.map((c) => ({ s, c })));
  const mismatches = cells.filter(({ c }) => c.matches === false).length;
  const counted = (v: Verdict): number => cells.filter(({ c }) => c.verdict === v).length;
  lines.push(
    `${cells.length} cells: ${counted('pass')} pass, ${counted('degraded')} degraded, ${counted('fail')} fail, ${counted('skipped')} skipped, ${counted('error')} error` +
      (cells.some(({ c }) => c.expected) ? ` — ${mismatches === 0 ? pc.green('all as expected') : pc.red(`${mismatches} not as expected`)}` : '') +
      ` (${(report.durationMs / 1000).toFixed(1)} s)`,
  );
  if (opts.details) {
    const broken = cells.filter(({ c }) => c.verdict !== 'pass');
    if (broken.length) lines.push('');
    for (const { s, c } of broken) {
      lines.push(`${paint(c.verdict, SYMBOLS[c.verdict])} ${c.transport} via ${s.id}: ${c.explanation}`);
      if (c.fix?.app) lines.push(`    fix: ${c.fix.app.split('\n')[0]}`);
    }
  }
  for (const s of report.setups) if (s.measurement) lines.push('', renderMeasurementTable(s, opts));
  lines.push(`Legend: ${(Object.keys(SYMBOLS) as Verdict[]).map((v) => paint(v, `${SYMBOLS[v]} ${v}`)).join('  ')}`);
  return lines.join('\n');
}

/**
 * `probe --measure`: the measured limits of one setup (a row per limit, a
 * column per stream transport), the product guess, and the advice. Empty for
 * a setup without a measurement.
 */
export function renderMeasurementTable(setup: SetupResult, opts: TableOptions): string {
  const m = setup.measurement;
  if (!m) return '';
  const pc = createColors(opts.color);
  const lines = [pc.bold(`Measured limits of ${setup.id}`) + ` (${measurementSummary(m)})`];
  const table = new Table({ head: ['limit', 'sse', 'websocket'], style: { head: opts.color ? ['bold'] : [], border: [] }, wordWrap: true, colWidths: [26, 42, 42] });
  for (const row of limitRows(m)) table.push([row.label, row.values.sse, row.values.websocket]);
  lines.push(table.toString());
  lines.push(`product: ${productLine(m)}${m.product.evidence.length ? ` — ${m.product.evidence[0]}` : ''}`);
  const headlines = adviceHeadlines(m);
  if (headlines.length) lines.push(`recommended: ${headlines.join(' · ')}`);
  for (const t of m.recommendations.transports) {
    const mark = t.advice === 'use' ? pc.green('✔') : t.advice === 'use-with-care' ? pc.yellow('▲') : t.advice === 'avoid' ? pc.red('✘') : pc.dim('○');
    lines.push(`  ${mark} ${t.transport}: ${ADVICE_LABELS[t.advice]}${t.why ? ` — ${t.why}` : ''}`);
  }
  for (const f of m.recommendations.fixes) {
    lines.push(`    fix ${f.transport} (${f.reason}): ${f.fix.app.split('\n')[0]}`);
    if (f.fix.proxy) lines.push(`      ${f.fix.proxy.product}: ${f.fix.proxy.snippet.split('\n').filter((l) => !l.startsWith('#')).join(' ').replace(/\s+/g, ' ').trim()}`);
  }
  for (const note of m.notes) lines.push(pc.dim(`  note: ${note}`));
  return lines.join('\n');
}
