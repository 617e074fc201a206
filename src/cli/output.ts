/** Writes a report in the chosen format to stdout or a file. */
import fs from 'node:fs';
import path from 'node:path';
import { render, type Format } from '../report/render';
import type { Report } from '../report/types';
import { UsageError } from '../util/errors';

export function useColor(stream: NodeJS.WriteStream): boolean {
  // NO_COLOR (https://no-color.org) wins; FORCE_COLOR forces.
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY;
}

/** Columns to fit: the terminal's, or 100 when the output is a file or a pipe. */
export function outputWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY && stream.columns ? stream.columns : 100;
}

/**
 * Checks before any probing that a report can be written to `file`: a typo or
 * an unwritable path must not cost a whole run. Opens it for appending (which
 * creates it), and removes it again if it did not exist.
 */
export function checkWritable(file: string, what = '--out'): void {
  const abs = path.resolve(file);
  let existed: boolean;
  try {
    existed = fs.existsSync(abs);
    if (existed && fs.statSync(abs).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const fd = fs.openSync(abs, 'a');
    fs.closeSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`${what} ${file}: cannot write there (${code}); expected a file path in a writable, existing directory`);
  }
  if (!existed) fs.rmSync(abs, { force: true });
}

export function writeFileOrFail(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export interface EmitOptions {
  out?: string;
  /** table: the bordered layout */
  wide?: boolean;
}

export function emit(report: Report, format: Format, opts: EmitOptions = {}): void {
  if (opts.out) {
    writeFileOrFail(opts.out, render(report, format, { color: false, width: 100, wide: opts.wide }));
    process.stderr.write(`wrote ${format} report to ${opts.out}\n`);
  } else {
    process.stdout.write(render(report, format, { color: useColor(process.stdout), width: outputWidth(process.stdout), wide: opts.wide }));
  }
}
