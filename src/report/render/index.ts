/**
 * Report renderers: pure functions from the JSON report to text. No I/O, no
 * clock, deterministic, so their output can be kept as golden files. Adding a
 * format is one file in this folder and one entry here; the CLI's --format
 * choices are this list.
 */
import type { Report } from '../types';
import { renderHtml } from './html';
import { renderJunit } from './junit';
import { renderMarkdown } from './markdown';
import { renderTable } from './table';

export { renderHtml } from './html';
export { renderJunit, junitOutcome } from './junit';
export { renderMarkdown } from './markdown';
export { renderTable } from './table';

export interface RenderOptions {
  /** terminal output: colours allowed */
  color?: boolean;
  /** terminal output: columns to fit */
  width?: number;
  /** table: the bordered layout */
  wide?: boolean;
}

export const RENDERERS = {
  table: (r: Report, o: RenderOptions) => `${renderTable(r, { color: o.color ?? false, width: o.width, wide: o.wide })}\n`,
  json: (r: Report) => `${JSON.stringify(r, null, 2)}\n`,
  markdown: (r: Report) => renderMarkdown(r),
  html: (r: Report) => renderHtml(r),
  junit: (r: Report) => renderJunit(r),
} satisfies Record<string, (report: Report, opts: RenderOptions) => string>;

export type Format = keyof typeof RENDERERS;
export const FORMATS = Object.keys(RENDERERS) as Format[];

export function render(report: Report, format: Format, opts: RenderOptions = {}): string {
  return RENDERERS[format](report, opts);
}
