/**
 * The terminal report, a pure function of the JSON report. By default a
 * compact matrix that fits `width` columns (the terminal's, or 100 when the
 * output is not a terminal): setups as rows, transports as columns, a symbol
 * and the reason per cell, and every cell that is not a plain pass explained
 * below it. `wide` keeps the bordered layout with the mitigation inside each
 * cell. Real setups whose program is not installed are listed once, with the
 * command that installs them, instead of as rows of skipped cells.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { Cell, Reason, Verdict } from '../../verdict/types';
import type { Report, SetupResult } from '../types';
import { cellOf, clientDifferenceText, expectedAndActual, type Column, fieldSourceText, reportTransports, summarize, wireProtocolText } from './common';
import { renderMeasurementTable } from './measurement-table';
import { fit, wrap } from './text';

export { renderMeasurementTable } from './measurement-table';

export const SYMBOLS: Record<Verdict, string> = { pass: '✔', degraded: '▲', fail: '✘', skipped: '○', error: '!' };

export interface TableOptions {
  color: boolean;
  /** explain every cell that is not a plain pass below the matrix (default true) */
  details?: boolean;
  /** columns to fit (default 100) */
  width?: number;
  /** the bordered layout with mitigations inside the cells, whatever the width */
  wide?: boolean;
}

/** Shorter names for reasons, for narrow columns (at most 11 characters). */
const SHORT: Partial<Record<Reason, string>> = {
  'upgrade-rejected': 'upg refused',
  'upgrade-stripped': 'no upgrade',
  'first-byte-timeout': '1st byte',
  'idle-timeout': 'idle cut',
  'max-duration': 'max life',
  'protocol-downgrade': 'HTTP/1.0',
  'message-loss': 'loss',
  'message-too-large': 'too large',
  'connection-limit': 'conn limit',
  'browser-connection-limit': 'tab limit',
  'handshake-timeout': 'hs timeout',
  'not-sticky': 'not sticky',
  'tester-error': 'tester',
};

type Paint = (v: Verdict, t: string) => string;

function painter(color: boolean): { paint: Paint; pc: ReturnType<typeof createColors> } {
  const pc = createColors(color);
  const paint: Paint = (v, t) => (v === 'pass' ? pc.green(t) : v === 'degraded' ? pc.yellow(t) : v === 'fail' ? pc.red(t) : v === 'error' ? pc.magenta(t) : pc.dim(t));
  return { paint, pc };
}

/** The measured cut of a timeout, in seconds, for the cell. */
function cutText(c: Cell): string {
  const cut = c.checks.find((k) => k.id === 'idle' || k.id === 'hold' || k.id === 'duration')?.measured.cutAtMs;
  return typeof cut === 'number' && (c.reason === 'idle-timeout' || c.reason === 'max-duration') ? `${(cut / 1000).toFixed(1)}s` : '';
}

/** The longest description of a cell that fits `width`, plain text; the mismatch mark always stays. */
function compactCell(c: Cell, width: number): string {
  const sym = SYMBOLS[c.verdict];
  const mark = c.matches === false ? ' ≠' : '';
  const reason = c.reason === 'none' ? '' : c.reason;
  const short = SHORT[c.reason] ?? reason;
  const cut = cutText(c);
  const labels = [[reason, cut], [short, cut], [short]].map((parts) => parts.filter(Boolean).join(' '));
  const fits = labels.map((l) => (l ? `${sym} ${l}${mark}` : `${sym}${mark}`)).find((t) => t.length <= width);
  return fits ?? `${sym} ${fit(short, Math.max(1, width - 2 - mark.length))}${mark}`;
}

/** Setups that did not run because their program is not installed here. */
const notInstalled = (s: SetupResult): boolean => s.notInstalled !== undefined && s.cells.every((c) => c.verdict === 'skipped');

function compactMatrix(report: Report, transports: Column[], width: number, paint: Paint, bold: (t: string) => string): string[] {
  const rows = report.setups.filter((s) => !notInstalled(s));
  const gap = 2;
  const idWidth = Math.min(Math.max(5, ...rows.map((s) => s.id.length)), Math.max(12, Math.floor(width * 0.3)));
  const colWidth = Math.max(4, Math.floor((width - idWidth - gap * transports.length) / Math.max(1, transports.length)));
  const pad = (t: string, w: number): string => t + ' '.repeat(Math.max(0, w - t.length));
  const lines = [bold(pad('setup', idWidth) + transports.map((t) => ' '.repeat(gap) + pad(fit(t, colWidth), colWidth)).join('').trimEnd())];
  for (const s of rows) {
    let line = pad(fit(s.id, idWidth), idWidth);
    for (const t of transports) {
      const c = cellOf(s, t);
      const text = c ? compactCell(c, colWidth) : '';
      line += ' '.repeat(gap) + (c ? paint(c.verdict, text) : '') + ' '.repeat(colWidth - text.length);
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

function wideCell(c: Cell, paint: Paint): string {
  let text = `${SYMBOLS[c.verdict]} ${c.verdict}`;
  if (c.reason !== 'none') text += ` (${c.reason})`;
  const cut = cutText(c);
  if (cut) text += ` cut ${cut.replace('s', ' s')}`;
  let out = paint(c.verdict, text);
  const rescue = c.mitigations?.find((m) => m.rescued);
  if (rescue) out += `\n  → ${rescue.landsOn ? `falls back to ${rescue.landsOn}` : `rescued by ${rescue.description}`}`;
  else if (c.mitigations?.length) out += '\n  → no app-side rescue';
  if (c.matches === false && c.expected) out += `\n  ≠ expected ${c.expected.verdict}${c.expected.reason !== 'none' ? ` (${c.expected.reason})` : ''}`;
  return out;
}

function wideMatrix(report: Report, transports: Column[], color: boolean, paint: Paint): string[] {
  const table = new Table({ head: ['setup', ...transports], style: { head: color ? ['bold'] : [], border: [] }, wordWrap: true });
  for (const s of report.setups) {
    if (notInstalled(s)) continue;
    table.push([s.id, ...transports.map((t) => {
      const c = cellOf(s, t);
      return c ? wideCell(c, paint) : '';
    })]);
  }
  return [table.toString()];
}

/** One line for all setups skipped because their program is missing, with the command that adds them. */
function notInstalledLines(report: Report, width: number, dim: (t: string) => string): string[] {
  const skipped = report.setups.filter(notInstalled);
  if (skipped.length === 0) return [];
  const labels = [...new Set(skipped.map((s) => s.notInstalled!.label))];
  const packages = [...new Set(skipped.map((s) => s.notInstalled!.install.replace(/^apt-get install -y /, '')))];
  const text = `○ ${skipped.length} real setup${skipped.length === 1 ? '' : 's'} not run, not installed here (${labels.join(', ')}): \`npm run lab:install\` adds them (apt-get install -y ${packages.join(' ')}).`;
  return wrap(text, width, '  ').map(dim);
}

function summaryLines(report: Report, width: number, pc: ReturnType<typeof createColors>): string[] {
  const { counts, cells, mismatches } = summarize(report);
  const expected = report.setups.some((s) => s.cells.some((c) => c.expected && c.verdict !== 'skipped' && c.verdict !== 'error'));
  const verdicts = `${cells} cells: ${counts.pass} pass, ${counts.degraded} degraded, ${counts.fail} fail, ${counts.skipped} skipped, ${counts.error} error`;
  const good = 'all as expected';
  const bad = `${mismatches} not as expected`;
  const asExpected = expected ? ` — ${mismatches === 0 ? good : bad}` : '';
  const stopped = report.interrupted ? ' — INTERRUPTED: setups not probed are missing' : '';
  return wrap(`${verdicts}${asExpected} (${(report.durationMs / 1000).toFixed(1)} s)${stopped}`, width).map((l) =>
    l.replace(good, pc.green(good)).replace(bad, pc.red(bad)).replace('INTERRUPTED', pc.red('INTERRUPTED')),
  );
}

/** The setups whose clients spoke something else than plain HTTP/1.1, grouped by what they spoke. */
function wireLines(report: Report, width: number, dim: (t: string) => string): string[] {
  const groups = new Map<string, string[]>();
  for (const s of report.setups) {
    const wire = notInstalled(s) ? undefined : wireProtocolText(s);
    if (wire) groups.set(wire, [...(groups.get(wire) ?? []), s.id]);
  }
  return [...groups].flatMap(([wire, ids]) => wrap(`wire: ${wire}: ${ids.join(', ')}`, width, '  ').map(dim));
}

/** Every cell that is not a plain pass, with its explanation, rescue, expectation and fix, wrapped to width. */
function detailLines(report: Report, width: number, paint: Paint, pc: ReturnType<typeof createColors>): string[] {
  const out: string[] = [];
  for (const s of report.setups) {
    if (notInstalled(s)) continue;
    for (const c of s.cells) {
      if (c.verdict === 'pass' && c.matches !== false && !c.differsFromNode) continue;
      out.push(...wrap(`${SYMBOLS[c.verdict]} ${c.library ?? c.transport} via ${s.id}: ${c.explanation}`, width, '    ').map((l, i) => (i === 0 ? paint(c.verdict, l) : l)));
      const keepalive = c.checks.find((k) => k.id === 'keepalive' && (k.measured.controlCut === true || c.matches === false));
      if (keepalive) out.push(...wrap(`keepalive: ${keepalive.detail}`, width, '      ', '    '));
      const rescue = c.mitigations?.find((m) => m.rescued);
      if (rescue) out.push(...wrap(`→ ${rescue.landsOn ? `falls back to ${rescue.landsOn}` : `rescued by ${rescue.description}`}`, width, '      ', '    '));
      const differs = clientDifferenceText(c);
      if (differs) out.push(...wrap(`≠ node: ${differs}`, width, '      ', '    ').map((l) => pc.dim(l)));
      if (c.matches === false && c.expected) {
        // The kinds kept open are named when they are what differs.
        const ea = expectedAndActual(c);
        const line = ea.expected.includes('kept open by') ? `≠ expected ${ea.expected}; got ${ea.actual}` : `≠ expected ${c.expected.verdict}${c.expected.reason !== 'none' ? ` (${c.expected.reason})` : ''}`;
        out.push(...wrap(line, width, '      ', '    ').map((l) => pc.red(l)));
      }
      if (c.fix?.app) out.push(...wrap(`fix: ${c.fix.app.split('\n')[0]}`, width, '      ', '    '));
    }
  }
  return out.length ? ['', ...out] : [];
}

export function renderTable(report: Report, opts: TableOptions): string {
  const width = Math.max(40, opts.width ?? 100);
  const { paint, pc } = painter(opts.color);
  const transports = reportTransports(report);
  const lines = opts.wide ? wideMatrix(report, transports, opts.color, paint) : compactMatrix(report, transports, width, paint, (t) => pc.bold(t));
  const field = fieldSourceText(report);
  if (field) lines.unshift(...wrap(field, width, '  ').map((l) => pc.dim(l)));
  lines.push(...notInstalledLines(report, width, (t) => pc.dim(t)));
  lines.push(...summaryLines(report, width, pc));
  lines.push(...wireLines(report, width, (t) => pc.dim(t)));
  if (opts.details !== false) lines.push(...detailLines(report, width, paint, pc));
  for (const s of report.setups) if (s.measurement) lines.push('', renderMeasurementTable(s, { color: opts.color, width }));
  lines.push(`Legend: ${(Object.keys(SYMBOLS) as Verdict[]).map((v) => paint(v, `${SYMBOLS[v]} ${v}`)).join('  ')}${opts.wide ? '' : '  ≠ not as expected'}`);
  return lines.join('\n');
}
