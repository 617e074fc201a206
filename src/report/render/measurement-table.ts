/**
 * `probe --measure` in the terminal: the measured limits of one setup (a row
 * per limit, a column per stream transport), the product guess and the
 * advice, fitted to the width. Empty for a setup without a measurement.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { SetupResult } from '../types';
import { ADVICE_LABELS, adviceHeadlines, keepaliveLines, limitRows, measurementSummary, productLine } from './measurement';
import { wrap } from './text';

export function renderMeasurementTable(setup: SetupResult, opts: { color: boolean; width?: number }): string {
  const m = setup.measurement;
  if (!m) return '';
  const width = Math.max(60, opts.width ?? 100);
  const pc = createColors(opts.color);
  const lines = wrap(`Measured limits of ${setup.id} (${measurementSummary(m)})`, width).map((l, i) => (i === 0 ? l.replace(`Measured limits of ${setup.id}`, pc.bold(`Measured limits of ${setup.id}`)) : l));
  // Borders take 4 columns; the label gets a quarter, the two transports share the rest.
  const label = Math.min(26, Math.floor((width - 4) / 4));
  const value = Math.floor((width - 4 - label) / 2);
  const table = new Table({ head: ['limit', 'sse', 'websocket'], style: { head: opts.color ? ['bold'] : [], border: [] }, wordWrap: true, colWidths: [label, value, value] });
  for (const row of limitRows(m)) table.push([row.label, row.values.sse, row.values.websocket]);
  lines.push(table.toString());
  lines.push(...wrap(`product: ${productLine(m)}${m.product.evidence.length ? ` — ${m.product.evidence[0]}` : ''}`, width, '  '));
  const headlines = adviceHeadlines(m);
  if (headlines.length) lines.push(...wrap(`recommended: ${headlines.join(' · ')}`, width, '  '));
  for (const k of keepaliveLines(m)) lines.push(...wrap(`keepalive ${k}`, width, '      ', '  '));
  for (const t of m.recommendations.transports) {
    const mark = t.advice === 'use' ? pc.green('✔') : t.advice === 'use-with-care' ? pc.yellow('▲') : t.advice === 'avoid' ? pc.red('✘') : pc.dim('○');
    lines.push(...wrap(`${t.transport}: ${ADVICE_LABELS[t.advice]}${t.why ? ` — ${t.why}` : ''}`, width, '      ', '  X ').map((l, i) => (i === 0 ? l.replace('  X ', `  ${mark} `) : l)));
  }
  for (const f of m.recommendations.fixes) {
    lines.push(...wrap(`fix ${f.transport} (${f.reason}): ${f.fix.app.split('\n')[0]}`, width, '      ', '    '));
    if (f.fix.proxy) {
      const snippet = f.fix.proxy.snippet.split('\n').filter((l) => !l.startsWith('#')).join(' ').replace(/\s+/g, ' ').trim();
      lines.push(...wrap(`${f.fix.proxy.product}: ${snippet}`, width, '        ', '      '));
    }
  }
  for (const note of m.notes) lines.push(...wrap(`note: ${note}`, width, '    ', '  ').map((l) => pc.dim(l)));
  return lines.join('\n');
}
