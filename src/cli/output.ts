/** Writes a report in the chosen format to stdout or a file. */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../report/types';
import { renderTable } from '../report/render/table';
import { renderHtml, renderJunit, renderMarkdown } from '../report/render';
import { UsageError } from './usage-error';

export type Format = 'table' | 'json' | 'markdown' | 'html';

export function useColor(stream: NodeJS.WriteStream): boolean {
  // NO_COLOR (https://no-color.org) wins; FORCE_COLOR forces.
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY;
}

export function render(report: Report, format: Format, toTerminal: boolean): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    default:
      return `${renderTable(report, { color: toTerminal && useColor(process.stdout), details: true })}\n`;
  }
}

export function writeFileOrFail(file: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function emit(report: Report, format: Format, out?: string): void {
  if (out) {
    writeFileOrFail(out, render(report, format, false));
    process.stderr.write(`wrote ${format} report to ${out}\n`);
  } else {
    process.stdout.write(render(report, format, true));
  }
}

export function writeJunit(report: Report, file: string): void {
  writeFileOrFail(file, renderJunit(report));
  process.stderr.write(`wrote JUnit XML to ${file}\n`);
}
