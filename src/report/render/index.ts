/**
 * Report renderers: pure functions from the JSON report to text. No I/O, no
 * clock, deterministic, so their output can be kept as golden files.
 */
export { renderHtml } from './html';
export { renderJunit, junitOutcome } from './junit';
export { renderMarkdown } from './markdown';
