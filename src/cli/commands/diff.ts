/**
 * `pushthrough diff old.json new.json`: compare two JSON reports and say which
 * cells got worse, better or changed. The exit code is the verdict for CI:
 * 0 nothing got worse, 1 something got worse. A file that cannot be read or is
 * not a report is a UsageError: one line naming the file and what was
 * expected, exit 2. Anything else thrown here is a bug, not a usage error.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { diffReports, renderDiffMarkdown, renderDiffTable, type ReportDiff } from '../../report/diff';
import type { Report } from '../../report/types';
import { validateReport } from '../../report/validate';
import { UsageError } from '../../util/errors';

export type DiffFormat = 'table' | 'json' | 'markdown';

export interface DiffOptions {
  format: DiffFormat;
  /** write here instead of stdout */
  out?: string;
}

const EXPECTED = 'a JSON report written by `pushthrough run --format json`';

/** `pushthrough diff old.json new.json`: sets the exit code (1 when a cell got worse). */
export async function diffCommandCli(oldPath: string, newPath: string, opts: DiffOptions): Promise<void> {
  process.exitCode = await diffCommand(oldPath, newPath, opts);
}

/** Run the diff; resolves to the exit code (1 when any cell got worse). */
export async function diffCommand(oldPath: string, newPath: string, opts: DiffOptions): Promise<number> {
  const format = opts.format ?? 'table';
  if (!['table', 'json', 'markdown'].includes(format)) {
    throw new UsageError(`unknown diff format "${String(format)}": expected table, json or markdown`);
  }
  const oldReport = await readReport(oldPath, 'old');
  const newReport = await readReport(newPath, 'new');
  const diff = diffReports(oldReport, newReport);
  const text = renderDiff(diff, format);
  if (opts.out) {
    try {
      await fs.mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
      await fs.writeFile(opts.out, text);
    } catch (err) {
      throw new UsageError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? oneLine((err as Error).message)}`);
    }
  } else {
    process.stdout.write(text);
  }
  return diff.worse > 0 ? 1 : 0;
}

/** The diff in one of the three output formats. */
export function renderDiff(diff: ReportDiff, format: DiffFormat): string {
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  if (format === 'markdown') return renderDiffMarkdown(diff);
  return renderDiffTable(diff);
}

/** Read and validate one report; every failure is one line naming the file. */
export async function readReport(file: string, which: 'old' | 'new'): Promise<Report> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? oneLine((err as Error).message));
    throw new UsageError(`cannot read the ${which} report ${file}: ${why} (expected ${EXPECTED})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the ${which} report ${file} is not JSON: ${oneLine((err as Error).message)} (expected ${EXPECTED})`);
  }
  const problem = validateReport(data);
  if (problem !== null) {
    throw new UsageError(`the ${which} report ${file} is not a pushthrough report: ${oneLine(problem)} (expected ${EXPECTED})`);
  }
  return data as Report;
}

function oneLine(text: string): string {
  return text.split('\n')[0].trim();
}
