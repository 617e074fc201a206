/**
 * The measurement in the report: schema, and the sections the three renderers
 * add. The fixture is a real `probe --measure --format json` run against the
 * origin behind a simulated proxy with a 3 s idle timeout, a 64 KiB message
 * limit and a 12-connection limit.
 */
import fs from 'node:fs';
import { TEST_FIXTURES } from '../../../helpers/paths';
import path from 'node:path';
import { renderHtml, renderMarkdown } from '../../../../src/report/render';
import { renderMeasurementTable, renderTable } from '../../../../src/report/render/table';
import { validateReport } from '../../../../src/report/validate';
import type { Report } from '../../../../src/report/types';
import { expectGolden } from '../../../helpers/golden';

const load = (): Report => JSON.parse(fs.readFileSync(path.join(TEST_FIXTURES, 'measured-report.json'), 'utf8')) as Report;

it('a report with a measurement validates against the schema; a broken one does not', () => {
  const report = load();
  expect(validateReport(report)).toBeNull();
  const broken = load();
  (broken.setups[0].measurement!.idle.sse as unknown as Record<string, unknown>).outcome = 'maybe';
  expect(validateReport(broken)).toMatch(/measurement\/idle\/sse\/outcome/);
  const missing = load();
  delete (missing.setups[0].measurement as unknown as Record<string, unknown>).recommendations;
  expect(validateReport(missing)).toMatch(/recommendations/);
});

it('table: the limits per transport, the product, the advice (golden)', () => {
  const report = load();
  const text = renderMeasurementTable(report.setups[0], { color: false, width: 120 });
  expect(text).toMatch(/idle timeout\s+│ 3\.0 s \(survived 2\.9 s, cut at 3\.0 s;/);
  expect(text).toMatch(/largest message\s+│ no limit up to 16 MiB\s+│ 62\.3 KiB; 64\.7 KiB failed: close/);
  expect(text).toMatch(/concurrent streams\s+│ 12; the next: HTTP 503/);
  expect(text).toMatch(/recommended: heartbeat every 1\.\d s · long-poll hold 2\.2 s · messages up to 62\.3 KiB · at most 12 streams at once/);
  expect(renderTable(report, { color: false, details: true, width: 120 })).toContain(text);
  for (const width of [80, 100]) {
    for (const line of renderTable(report, { color: false, width }).split('\n')) expect(line.length).toBeLessThanOrEqual(width);
  }
  expectGolden('measured.txt', `${text}\n`);
});

it('a setup without a measurement adds nothing to the table', () => {
  const report = load();
  delete report.setups[0].measurement;
  const text = renderTable(report, { color: false, details: true });
  expect(text).not.toMatch(/Measured limits/);
  expect(renderMeasurementTable(report.setups[0], { color: false })).toBe('');
});

it('Markdown: a "Measured limits" section with the table, product, advice and fixes (golden)', () => {
  const md = renderMarkdown(load());
  expect(md).toMatch(/## Measured limits of 127\.0\.0\.1:\d+/);
  expect(md).toMatch(/\| idle timeout \| 3\.0 s \(survived 2\.9 s, cut at 3\.0 s; close\) \| 3\.0 s \(survived 2\.9 s, cut at 3\.0 s; close 1006\) \|/);
  expect(md).toMatch(/\*\*Product:\*\* pushthrough simulated proxy \(high confidence\)/);
  expect(md).toMatch(/### Recommendations/);
  expect(md).toMatch(/\*\*Fix: websocket \(message-too-large\)\*\*/);
  // The section sits between the legend and the problems.
  expect(md.indexOf('**Legend:**')).toBeLessThan(md.indexOf('## Measured limits'));
  expect(md.indexOf('## Measured limits')).toBeLessThan(md.indexOf('## Problems'));
  expectGolden('measured.md', md);
});

it('HTML: a section with its own heading id, reusing the page styles, escaped', () => {
  const report = load();
  report.setups[0].measurement!.product.evidence.push('Server: <script>alert(1)</script>');
  const html = renderHtml(report);
  expect(html).toMatch(/<section id="measure-127_2e0_2e0_2e1_3a\d+" aria-labelledby="measure-[^"]+-h">/);
  expect(html).toMatch(/<h2 id="measure-[^"]+-h">Measured limits of 127\.0\.0\.1:\d+<\/h2>/);
  expect(html).toMatch(/<th scope="row" title="[^"]+">idle timeout<\/th><td>3\.0 s \(survived 2\.9 s, cut at 3\.0 s; close\)<\/td>/);
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(html.indexOf('id="matrix"')).toBeLessThan(html.indexOf('Measured limits'));
  expect(html.indexOf('Measured limits')).toBeLessThan(html.indexOf('id="details"'));
});

it('a partial measurement says so in every format', () => {
  const report = load();
  const m = report.setups[0].measurement!;
  m.partial = true;
  m.notes.unshift('partial: the measurement was interrupted; every value present was measured, the rest is missing or a lower bound');
  expect(renderMeasurementTable(report.setups[0], { color: false })).toMatch(/PARTIAL:\s+interrupted/);
  expect(renderMarkdown(report)).toMatch(/⚠️ measured in .* PARTIAL: interrupted/);
  expect(renderHtml(report)).toMatch(/PARTIAL:\s+interrupted/);
});

describe('the keepalive phase in the three renderers', () => {
  // A real `probe --measure --max-idle 6` through lighttpd's short-timeout template (a 2 s upstream read timeout).
  const measured = (): Report => JSON.parse(fs.readFileSync(path.join(TEST_FIXTURES, 'measured-keepalive-report.json'), 'utf8')) as Report;

  it('validates, and a keepalive kind the vocabulary does not know does not', () => {
    expect(validateReport(measured())).toBeNull();
    const broken = measured();
    broken.setups[0].measurement!.keepalive!.websocket!.trials[0].kind = 'smoke-signal' as never;
    expect(validateReport(broken)).toMatch(/keepalive\/websocket\/trials\/0\/kind/);
  });

  it('table, Markdown and HTML show what kept each stream open and the verified advice', () => {
    const report = measured();
    const table = renderMeasurementTable(report.setups[0], { color: false, width: 120 });
    expect(table).toMatch(/keeps it open\s+│ kept by named event, comment line\s+│ kept by server message, server ping, client/);
    expect(table).toMatch(/NOT by client message/);
    expect(table).toMatch(/keepalive websocket: send a server→client ping every 1\.6 s .*— verified through the path/s);
    const md = renderMarkdown(report);
    expect(md).toContain('| keeps it open | kept by named event, comment line | kept by server message, server ping, client ping; NOT by client message |');
    expect(md).toContain('- long-poll: send a byte trickled into the held response every 1.6 s — verified through the path');
    const html = renderHtml(report);
    expect(html).toContain('<h4>Keepalive</h4>');
    expect(html).toContain('<li>websocket: send a server→client ping every 1.6 s (a server→client data message, a client→server ping also work) — verified through the path</li>');
  });
});
