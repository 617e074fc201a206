/**
 * JUnit XML (`--junit FILE`), for CI systems that show test results.
 *
 * Mapping, cell by cell (one `<testcase name="<transport>"
 * classname="pushthrough.<setup>">` per cell, one `<testsuite>` per setup):
 *
 * | cell                                  | testcase          |
 * |---------------------------------------|-------------------|
 * | verdict `error` (the tester broke)     | `<error>`         |
 * | verdict `skipped`                     | `<skipped>`       |
 * | `matches === false` (contradicts the expectations file) | `<failure>` with expected and actual |
 * | anything else, including a `fail` verdict with no expectation | passed |
 *
 * A cell without an expectation is a passing test case even when the proxy
 * broke the transport: the matrix is a finding, and only an expectation turns
 * a finding into a regression. Tester errors are never failures, following
 * h2spec's lesson (model-codebases.md §7): CI consumers that count only
 * `<failure>` must not blame the proxy for a crash of the tester. `matches`
 * is authoritative; this renderer does not re-grade.
 */
import type { Cell } from '../../verdict/types';
import type { Report, SetupResult } from '../types';
import { columnOf, expectedAndActual, measuredEntries, num, verdictText } from './common';

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

/** How a cell maps onto JUnit (see the table above). */
export function junitOutcome(cell: Cell): Outcome {
  if (cell.verdict === 'error') return 'error';
  if (cell.verdict === 'skipped') return 'skipped';
  if (cell.matches === false) return 'failure';
  return 'passed';
}

/** Render the report as JUnit XML. Pure and deterministic. */
export function renderJunit(report: Report): string {
  const suites = report.setups.map((setup) => suite(setup, report.startedAt));
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const setup of report.setups) {
    for (const cell of setup.cells) {
      totals.tests += 1;
      const outcome = junitOutcome(cell);
      if (outcome === 'failure') totals.failures += 1;
      if (outcome === 'error') totals.errors += 1;
      if (outcome === 'skipped') totals.skipped += 1;
    }
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pushthrough" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(
      report.durationMs,
    )}" timestamp="${attr(report.startedAt)}">`,
    ...suites,
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function suite(setup: SetupResult, timestamp: string): string {
  const counts = { failures: 0, errors: 0, skipped: 0 };
  let timeMs = 0;
  const cases: string[] = [];
  for (const cell of setup.cells) {
    const outcome = junitOutcome(cell);
    if (outcome === 'failure') counts.failures += 1;
    if (outcome === 'error') counts.errors += 1;
    if (outcome === 'skipped') counts.skipped += 1;
    const ms = cellTimeMs(cell);
    timeMs += ms;
    cases.push(testcase(setup, cell, outcome, ms));
  }
  const props: Array<[string, string | undefined]> = [
    ['kind', setup.kind],
    ['description', setup.description],
    ['product', setup.product],
    ['imitates', setup.imitates],
    ['source', setup.source],
  ];
  const properties = props
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`);
  const out = [
    `  <testsuite name="${attr(setup.id)}" tests="${setup.cells.length}" failures="${counts.failures}" errors="${counts.errors}" skipped="${
      counts.skipped
    }" time="${seconds(timeMs)}" timestamp="${attr(timestamp)}">`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...cases,
  ];
  if (setup.logs && setup.logs.length > 0) out.push(`    <system-out>${text(setup.logs.join('\n'))}</system-out>`);
  out.push('  </testsuite>');
  return out.join('\n');
}

function testcase(setup: SetupResult, cell: Cell, outcome: Outcome, ms: number): string {
  const open = `    <testcase name="${attr(columnOf(cell))}" classname="pushthrough.${attr(setup.id)}" time="${seconds(ms)}">`;
  const body: string[] = [];
  if (outcome === 'failure') {
    const { expected, actual } = expectedAndActual(cell);
    body.push(
      `      <failure message="${attr(`expected ${expected}, got ${actual}`)}" type="${attr(cell.reason)}">${text(
        [`Expected: ${expected}`, `Actual: ${actual}`, '', cell.explanation].join('\n'),
      )}</failure>`,
    );
  } else if (outcome === 'error') {
    body.push(`      <error message="${attr(cell.explanation)}" type="${attr(cell.reason)}">${text(evidence(cell))}</error>`);
  } else if (outcome === 'skipped') {
    body.push(`      <skipped message="${attr(cell.explanation)}"/>`);
  }
  if (outcome !== 'skipped') body.push(`      <system-out>${text(evidence(cell))}</system-out>`);
  if (body.length === 0) return `${open.slice(0, -1)}/>`;
  return [open, ...body, '    </testcase>'].join('\n');
}

/** Verdict, explanation, every check with its numbers, mitigations. */
function evidence(cell: Cell): string {
  const lines = [`${columnOf(cell)}: ${verdictText(cell.verdict, cell.reason)}`, cell.explanation];
  for (const check of cell.checks) {
    lines.push(`[${check.status}] ${check.id} (${check.reason}): ${check.detail}`);
    const numbers = measuredEntries(check).map(([k, v]) => `${k}=${v}`);
    if (numbers.length > 0) lines.push(`    ${numbers.join(', ')}`);
  }
  for (const m of cell.mitigations ?? []) {
    lines.push(`mitigation ${m.rescued ? 'rescued' : 'did not rescue'}: ${m.description} -> ${verdictText(m.verdict, m.reason)}${m.landsOn ? ` on ${m.landsOn}` : ''}`);
  }
  return lines.join('\n');
}

/** Sum of the checks' own durations (measured.durationMs), when they recorded one. */
function cellTimeMs(cell: Cell): number {
  return cell.checks.reduce((sum, check) => sum + (num(check.measured?.durationMs) ?? 0), 0);
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// ---------------------------------------------------------------- escaping

/** Characters XML 1.0 does not allow at all (§2.2), e.g. control bytes from a proxy log. */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(value: string): string {
  return value.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: also quotes, and line breaks as references so parsers keep them (§3.3.3). */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
