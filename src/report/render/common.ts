/**
 * What every renderer shares: verdict vocabulary, number formatting, and the
 * read-only views of a report (the matrix, timelines, cost rows, fixes) that
 * the renderers lay out. Everything here is pure and deterministic: no clock,
 * no locale, no I/O, so rendered output can be compared with golden files.
 */
import { TRANSPORTS, type Transport } from '../../observation/types';
import { LIBRARIES, type Library } from '../../vocabulary';
import type { Cell, CheckResult, Fix, Verdict } from '../../verdict/types';
import type { Report, SetupResult } from '../types';

/** Verdicts in the order the legend and the summary list them. */
export const VERDICT_ORDER: readonly Verdict[] = ['pass', 'degraded', 'fail', 'skipped', 'error'];

/** A symbol per verdict, so the matrix reads without colour. */
export const VERDICT_SYMBOLS: Record<Verdict, string> = {
  pass: '✓',
  degraded: '◐',
  fail: '✗',
  skipped: '–',
  error: '!',
};

/** Short labels ("error" alone would read as the proxy's error). */
export const VERDICT_LABELS: Record<Verdict, string> = {
  pass: 'pass',
  degraded: 'degraded',
  fail: 'fail',
  skipped: 'skipped',
  error: 'tester error',
};

/** One sentence per verdict for the legend. */
export const VERDICT_MEANINGS: Record<Verdict, string> = {
  pass: 'works as a real-time channel through this setup',
  degraded: 'works, but late, in bursts or only with a workaround',
  fail: 'broken through this setup: events lost, connection refused or cut',
  skipped: 'not run (the reason says why and how to run it)',
  error: 'the tester itself broke; says nothing about the setup',
};

/** A browser cell whose verdict differs from the Node client's on the same setup, in one sentence; undefined otherwise. */
export function clientDifferenceText(cell: Cell): string | undefined {
  const d = cell.differsFromNode;
  if (!d) return undefined;
  return `Node's clients saw ${verdictText(d.verdict, d.reason)} here: ${d.why}`;
}

/** Where a field report came from, in one sentence; undefined for a run's report. */
export function fieldSourceText(report: Report): string | undefined {
  if (report.kind !== 'field' || !report.field) return undefined;
  const f = report.field;
  return `Field report from a browser that opened ${f.pageUrl || 'the origin’s page'}${f.receivedAt ? `, received ${f.receivedAt}${f.id ? ` as ${f.id}` : ''}` : ''} — ${f.userAgent || 'user agent unknown'}`;
}

/** A matrix column: one of the four transports, or a library run through the setups (`--libraries`). */
export type Column = Transport | Library;

/** The columns a report covers: its transports in the canonical order, then its libraries. */
export function reportTransports(report: Report): Column[] {
  const seen = new Set<Column>();
  for (const setup of report.setups) for (const cell of setup.cells) seen.add(columnOf(cell));
  return [...TRANSPORTS.filter((t) => seen.has(t)), ...LIBRARIES.filter((l) => seen.has(l))];
}

/** "4 transports", or "4 transports + 2 libraries": what a report's columns are. */
export function columnsText(columns: Column[]): string {
  const libs = columns.filter((c) => (LIBRARIES as readonly string[]).includes(c)).length;
  const transports = columns.length - libs;
  return `${transports} transport${transports === 1 ? '' : 's'}${libs ? ` + ${libs} librar${libs === 1 ? 'y' : 'ies'}` : ''}`;
}

/** The column a cell stands in: its library, or its transport. */
export const columnOf = (cell: Cell): Column => cell.library ?? cell.transport;

/** A setup's cell in a column: a transport's own cell, or a library's (whose `transport` is the one it ended on). */
export function cellOf(setup: SetupResult, column: Column): Cell | undefined {
  return setup.cells.find((c) => columnOf(c) === column);
}

/**
 * What a setup's clients spoke to its front, in words: "TLS · HTTP/2 for polls
 * and SSE · WebSocket by HTTP/1.1 Upgrade". Undefined for plain HTTP/1.1
 * throughout (or nothing recorded): the default is left unsaid.
 */
export function wireProtocolText(setup: SetupResult): string | undefined {
  const withProtocol = setup.cells.filter((c) => c.protocol);
  if (withProtocol.length === 0) return undefined;
  const tls = withProtocol.some((c) => c.protocol!.tls);
  const http = withProtocol.filter((c) => c.transport !== 'websocket' && c.protocol!.http);
  const ws = withProtocol.find((c) => c.transport === 'websocket')?.protocol;
  const plain = !tls && http.every((c) => c.protocol!.http === 'h1') && (ws?.handshake ?? 'upgrade') === 'upgrade';
  if (plain) return undefined;
  const name = (v: string | undefined): string => (v === 'h2' ? 'HTTP/2' : 'HTTP/1.1');
  const versions = [...new Set(http.map((c) => c.protocol!.http))];
  const parts = [tls ? 'TLS' : 'no TLS'];
  if (versions.length === 1) {
    const which = http.length === withProtocol.filter((c) => c.transport !== 'websocket').length ? (http.some((c) => c.transport === 'sse') ? 'polls and SSE' : 'polls') : http.map((c) => c.transport).join(', ');
    parts.push(`${name(versions[0])} for ${which}`);
  } else if (versions.length > 1) {
    parts.push(http.map((c) => `${c.transport} ${name(c.protocol!.http)}`).join(', '));
  }
  if (ws?.handshake) parts.push(ws.handshake === 'extended-connect' ? 'WebSocket over HTTP/2 (RFC 8441 extended CONNECT)' : 'WebSocket by HTTP/1.1 Upgrade');
  // The front also offered WebSocket over HTTP/2, which Chromium takes (the extended-connect check).
  const h2ws = setup.cells.find((c) => c.transport === 'websocket')?.checks.find((k) => k.id === 'extended-connect' && k.measured.offered === true);
  if (h2ws) parts.push(`WebSocket over HTTP/2 (RFC 8441) offered${h2ws.status === 'pass' ? ' and working' : h2ws.status === 'fail' ? ', and broken' : ''}`);
  return parts.join(' · ');
}

/** Counts per verdict over all cells, and how many cells contradict their expectation. */
export interface VerdictSummary {
  counts: Record<Verdict, number>;
  cells: number;
  mismatches: number;
}

export function summarize(report: Report): VerdictSummary {
  const counts: Record<Verdict, number> = { pass: 0, degraded: 0, fail: 0, skipped: 0, error: 0 };
  let cells = 0;
  let mismatches = 0;
  for (const setup of report.setups) {
    for (const cell of setup.cells) {
      counts[cell.verdict] += 1;
      cells += 1;
      if (cell.matches === false) mismatches += 1;
    }
  }
  return { counts, cells, mismatches };
}

/** Whether the reason adds anything to the verdict's label ("tester error (tester-error)" would not). */
export function showsReason(verdict: Verdict, reason: string): boolean {
  return reason !== 'none' && !(verdict === 'error' && reason === 'tester-error');
}

/** "verdict (reason)", leaving out a reason that adds nothing. */
export function verdictText(verdict: Verdict, reason: string): string {
  return showsReason(verdict, reason) ? `${VERDICT_LABELS[verdict]} (${reason})` : VERDICT_LABELS[verdict];
}

/**
 * What a mismatching cell was expected to be and what it was, in words:
 * verdict and reason, and with `run --keepalive` the kinds that kept its
 * streams open when those are what differ.
 */
export function expectedAndActual(cell: Cell): { expected: string; actual: string } {
  const expected = cell.expected ? verdictText(cell.expected.verdict, cell.expected.reason) : 'unknown';
  const actual = verdictText(cell.verdict, cell.reason);
  const kept = cell.checks.find((c) => c.id === 'keepalive')?.measured.kept as string[] | undefined;
  const want = cell.expectedKeepalive;
  if (!kept || !want || (kept.length === want.length && kept.every((k) => want.includes(k as never)))) return { expected, actual };
  const list = (kinds: readonly string[]): string => (kinds.length ? kinds.join(', ') : 'nothing');
  return { expected: `${expected}, kept open by ${list(want)}`, actual: `${actual}, kept open by ${list(kept)}` };
}

export function isProblem(cell: Cell): boolean {
  return cell.verdict === 'fail' || cell.verdict === 'degraded';
}

// ---------------------------------------------------------------- numbers

/** A finite number, or undefined for anything else (measured data is untyped). */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Fixed-point without trailing zeros, locale-independent: 1.50 → "1.5". */
export function decimal(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * Integers with thousands separated by a thin space from 10 000 on, so 17312
 * reads as "17 312" in every locale while codes like 1006 stay intact.
 */
export function integer(value: number): string {
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(value)));
  return sign + (digits.length > 4 ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009') : digits);
}

/** Durations as people read them: 0.8 ms, 350 ms, 1.4 s, 2 min 5 s. */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 10) return `${decimal(ms, 1)} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${decimal(ms / 1000, abs < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.round((abs - minutes * 60_000) / 1000);
  return `${ms < 0 ? '-' : ''}${minutes} min${seconds ? ` ${seconds} s` : ''}`;
}

/** Sizes in bytes or binary multiples: 512 B, 10.7 KiB, 1.2 MiB. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  if (Math.abs(bytes) < 1024 * 1024) return `${decimal(bytes / 1024, 1)} KiB`;
  return `${decimal(bytes / (1024 * 1024), 1)} MiB`;
}

/**
 * One measured value for display, guessing the unit from the key's suffix
 * (the project names units in keys: `holdMs`, `bytes`, `payloadBytes`).
 */
export function formatMeasured(key: string, value: unknown): string {
  const n = num(value);
  if (n !== undefined) {
    if (/Ms$/.test(key)) return formatMs(n);
    if (/(^b|B)ytes$/.test(key)) return formatBytes(n);
    return Number.isInteger(n) ? integer(n) : decimal(n, 2);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (!value.every((v) => typeof v !== 'object')) return `${value.length} items`;
    return value.length > 12 ? `${value.slice(0, 12).join(', ')} … (${value.length} in all)` : value.join(', ');
  }
  const json = JSON.stringify(value);
  return json.length > 160 ? `${json.slice(0, 157)}…` : json;
}

/** Keys of `measured` that are charted or listed elsewhere, not in the number list. */
const CHARTED_KEYS = new Set(['timeline']);

/**
 * The headline numbers of a check for short formats (Markdown): scalars only,
 * no header maps or bodies, long strings cut, at most `max` entries.
 */
export function briefMeasured(check: CheckResult, max = 8): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(check.measured ?? {})) {
    if (CHARTED_KEYS.has(key) || value === null || value === undefined) continue;
    if (typeof value === 'object' && !(Array.isArray(value) && value.every((v) => typeof v !== 'object'))) continue;
    let text = formatMeasured(key, value);
    if (text.length > 60) text = `${text.slice(0, 57)}…`;
    out.push([key, text]);
    if (out.length === max) break;
  }
  return out;
}

/** The measured values of a check to list as text, in their own order. */
export function measuredEntries(check: CheckResult): Array<[string, string]> {
  return Object.entries(check.measured ?? {})
    .filter(([key]) => !CHARTED_KEYS.has(key))
    .map(([key, value]) => [key, formatMeasured(key, value)]);
}

// ---------------------------------------------------------------- timelines

/** One event of a stream: when the origin emitted it and when the client had it. */
export interface TimelinePoint {
  seq: number;
  /** origin schedule, ms since the channel started (origin clock) */
  offsetMs: number;
  /** client arrival, ms since the check started (client clock) */
  arrivedMs: number;
  connection: number;
}

/** The check's timeline, validated; undefined when absent or malformed. */
export function timelineOf(check: CheckResult): TimelinePoint[] | undefined {
  const raw = check.measured?.timeline;
  if (!Array.isArray(raw)) return undefined;
  const points: TimelinePoint[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue;
    const rec = item as Record<string, unknown>;
    const seq = num(rec.seq);
    const offsetMs = num(rec.offsetMs);
    const arrivedMs = num(rec.arrivedMs);
    if (seq === undefined || offsetMs === undefined || arrivedMs === undefined) continue;
    points.push({ seq, offsetMs, arrivedMs, connection: num(rec.connection) ?? 0 });
  }
  return points.length > 0 ? points : undefined;
}

/** Where a proxy cut a stream, from the idle/duration/hold check's measured data. */
export interface StreamCut {
  /** on the timeline's axis: ms since the check started */
  atMs: number;
  /** `measured.cutAtMs` as the grader reported it */
  cutAtMs: number;
  /** what cutAtMs counts from, for labels */
  from: 'stream start' | 'check start';
  how?: string;
  status?: number;
}

/**
 * The cut of a check, placed on the timeline. The grader (src/verdict/grade.ts,
 * `findCut`) measures idle and duration cuts from the stream's start: the
 * arrival of event 1 on the first connection, or the first answer when that
 * event never came on it (then within a few ms of the check's start). A held
 * request's cut counts from the check's start, like the timeline.
 */
export function cutOf(check: CheckResult): StreamCut | undefined {
  const cutAtMs = num(check.measured?.cutAtMs);
  if (cutAtMs === undefined) return undefined;
  const how = typeof check.measured.how === 'string' ? check.measured.how : undefined;
  const status = num(check.measured.status);
  if (check.id === 'idle' || check.id === 'duration') {
    const firstEvent = (timelineOf(check) ?? []).find((p) => p.seq === 1 && p.connection === 0);
    return { atMs: (firstEvent?.arrivedMs ?? 0) + cutAtMs, cutAtMs, from: 'stream start', how, status };
  }
  return { atMs: cutAtMs, cutAtMs, from: 'check start', how, status };
}

// ---------------------------------------------------------------- cost

/** What one delivered event cost on one setup × transport (the seed's pros and cons, in numbers). */
export interface CostRow {
  setup: string;
  transport: Transport;
  verdict: Verdict;
  events: number;
  requests?: number;
  bytes?: number;
  requestsPerEvent?: number;
  bytesPerEvent?: number;
  latencyP50Ms?: number;
  latencyP95Ms?: number;
}

function firstNumber(cell: Cell, key: string, prefer: readonly string[]): number | undefined {
  const ordered = [...cell.checks].sort((a, b) => rank(a.id) - rank(b.id));
  function rank(id: string): number {
    const i = prefer.indexOf(id);
    return i === -1 ? prefer.length : i;
  }
  for (const check of ordered) {
    const value = num(check.measured?.[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Cost rows for every cell that measured delivered events; cells without numbers are left out. */
export function costRows(report: Report): CostRow[] {
  const rows: CostRow[] = [];
  const transports = reportTransports(report);
  for (const setup of report.setups) {
    for (const transport of transports) {
      const cell = cellOf(setup, transport);
      if (!cell) continue;
      const events = firstNumber(cell, 'events', ['delivery']);
      if (events === undefined || events <= 0) continue;
      const requests = firstNumber(cell, 'requests', ['delivery']);
      const bytes = firstNumber(cell, 'bytes', ['delivery']);
      rows.push({
        setup: setup.id,
        transport: cell.transport,
        verdict: cell.verdict,
        events,
        requests,
        bytes,
        requestsPerEvent: requests === undefined ? undefined : requests / events,
        bytesPerEvent: bytes === undefined ? undefined : bytes / events,
        latencyP50Ms: firstNumber(cell, 'latencyP50Ms', ['latency', 'delivery']),
        latencyP95Ms: firstNumber(cell, 'latencyP95Ms', ['latency', 'delivery']),
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------- fixes

/** The fix to show for a cell, and every product's snippet when the cell's own fix names none. */
export interface CellFixes {
  fix?: Fix;
  /** one fix per product, for setups whose product is unknown */
  alternatives: Fix[];
}

/** The cell's fixes as the report carries them (computed when the run was graded, never here). */
export function fixesOfCell(cell: Cell): CellFixes {
  if (!isProblem(cell)) return { alternatives: [] };
  return { fix: cell.fix, alternatives: cell.fix?.proxy ? [] : (cell.fixAlternatives ?? []) };
}

/** How a proxy fix's product is named, and its snippet's language. */
export function proxyLabel(fix: Fix): { label: string; language: string } {
  return { label: fix.proxy?.label ?? fix.proxy?.product ?? '', language: fix.proxy?.language ?? 'text' };
}

/** Last `max` lines of a log, with a note of how many were left out. */
export function tailLines(lines: readonly string[], max: number): { lines: string[]; omitted: number } {
  if (lines.length <= max) return { lines: [...lines], omitted: 0 };
  return { lines: lines.slice(lines.length - max), omitted: lines.length - max };
}
