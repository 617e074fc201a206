/**
 * The field page: what `pushthrough origin` serves at `/` so anyone can test
 * the path between their own browser and the origin (their LB, CDN, corporate
 * proxy), and what the run's Chromium client loads through every setup.
 *
 *   GET  /                   the page (web/field.html with web/probe.js inlined: one request, nothing from elsewhere)
 *   POST /_field/grade       { observations, userAgent, pageUrl } → a `kind: "field"` report, graded here
 *   POST /_reports           a field report the user chose to send back → 201 { id }
 *   GET  /_reports           the stored reports, newest first: id, when, user agent, verdicts
 *   GET  /_reports/<id>      one stored report
 *
 * The browser records observations only (web/probe.js); grading is the same
 * code as for the Node clients (src/checks, src/verdict). Reports are kept in
 * memory, at most REPORTS_KEPT of them, each at most MAX_BODY_BYTES; an origin
 * started with --token answers none of this without the token.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Ajv from 'ajv';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../checks/check';
import type { PageProbeOptions } from '../client/chromium';
import type { LibraryObservation, Observation } from '../observation/types';
import type { OriginRoutes } from '../origin/server';
import type { Report } from '../report/types';
import { validateReport } from '../report/validate';
import { PROJECT_ROOT } from '../util/paths';
import { CHECK_IDS, LIBRARIES, TRANSPORTS, type Library } from '../vocabulary';
import { VERSION } from '../version';
import { buildClientResult } from './result';
import type { Setup } from '../setup/types';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
export const REPORTS_KEPT = 200;

/** What the page's probe needs of a probe's options: the same windows as the Node clients', so a browser cell means what a Node cell means. */
export function pageOptionsOf(p: ProbeOptions): PageProbeOptions {
  const { idleMs, holdMs, deliveryCount, deliveryIntervalMs, graceMs, connectTimeoutMs, pollEveryMs, heartbeatMs, largeBytes, largeTimeoutMs } = p;
  return { idleMs, holdMs, deliveryCount, deliveryIntervalMs, graceMs, connectTimeoutMs, pollEveryMs, heartbeatMs, largeBytes, largeTimeoutMs };
}

/** The field page's probe: the Node probe's defaults. */
export const FIELD_PROBE_OPTIONS = pageOptionsOf(DEFAULT_PROBE_OPTIONS);

const pages = new Map<string, string>();

/** The page with its script and options inlined, and the libraries the origin mounts (the page runs their clients too). */
export function fieldPage(libraries: readonly Library[] = []): string {
  const key = libraries.join(',');
  let page = pages.get(key);
  if (page === undefined) {
    const html = fs.readFileSync(path.join(PROJECT_ROOT, 'web', 'field.html'), 'utf8');
    const script = fs.readFileSync(path.join(PROJECT_ROOT, 'web', 'probe.js'), 'utf8');
    // Functions as replacements: `$` in the script must stay as it is.
    page = html
      .replace('/*PROBE_SCRIPT*/', () => script.replace(/<\/script/gi, '<\\/script'))
      .replace('/*PROBE_OPTIONS*/', () => JSON.stringify(FIELD_PROBE_OPTIONS))
      .replace('/*TRANSPORTS*/', () => JSON.stringify(TRANSPORTS))
      .replace('/*LIBRARIES*/', () => JSON.stringify(libraries))
      .replace(/\{\{VERSION\}\}/g, VERSION);
    pages.set(key, page);
  }
  return page;
}

/** The shape an observation must have before a grader reads it: it comes from a browser anywhere. */
const OBSERVATIONS_SCHEMA = {
  type: 'array',
  maxItems: 200,
  items: {
    type: 'object',
    required: ['transport', 'check', 'startedAt', 'durationMs', 'answers', 'arrivals', 'ends'],
    properties: {
      transport: { enum: TRANSPORTS },
      check: { enum: CHECK_IDS },
      startedAt: { type: 'number' },
      durationMs: { type: 'number', minimum: 0 },
      answers: { type: 'array', maxItems: 1000, items: { type: 'object', properties: { atMs: { type: 'number' }, status: { type: 'integer' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, bodySnippet: { type: 'string' }, error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } }, required: ['atMs'] } },
      arrivals: { type: 'array', maxItems: 10000, items: { type: 'object', required: ['seq', 'offsetMs', 'arrivedMs', 'bytes', 'connection', 'intact'], properties: { seq: { type: 'integer' }, offsetMs: { type: 'number' }, arrivedMs: { type: 'number' }, bytes: { type: 'number' }, connection: { type: 'integer' }, intact: { type: 'boolean' } } } },
      ends: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['atMs', 'how', 'connection'], properties: { atMs: { type: 'number' }, how: { enum: ['complete', 'clean-close', 'reset', 'error-status', 'silent', 'open'] }, connection: { type: 'integer' } } } },
      seen: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['headers', 'upgraded', 'httpVersion'], properties: { headers: { type: 'object' }, upgraded: { type: 'boolean' }, httpVersion: { type: 'string' } } } },
      scenario: { type: 'object', required: ['channel', 'count', 'intervalMs'], properties: { count: { type: 'number' }, intervalMs: { type: 'number' } } },
      protocol: { type: 'object', required: ['tls'], properties: { tls: { type: 'boolean' }, http: { enum: ['h1', 'h2'] }, handshake: { enum: ['upgrade', 'extended-connect'] } }, additionalProperties: false },
      payload: { type: 'object' },
      testerError: { type: 'string' },
    },
  },
} as const;

/** A library's observation (LibraryObservation), as a browser sends it. */
const LIBRARY_OBSERVATIONS_SCHEMA = {
  type: 'array',
  maxItems: LIBRARIES.length,
  items: {
    type: 'object',
    required: ['library', 'startedAt', 'durationMs', 'scenario', 'transports', 'arrivals', 'disconnects', 'errors', 'reconnects'],
    properties: {
      library: { enum: LIBRARIES },
      startedAt: { type: 'number' },
      durationMs: { type: 'number', minimum: 0 },
      scenario: { type: 'object', required: ['channel', 'count', 'intervalMs'], properties: { count: { type: 'integer', minimum: 0, maximum: 10_000 }, intervalMs: { type: 'number' }, tailMs: { type: 'number' } } },
      connectedAtMs: { type: 'number' },
      transports: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['atMs', 'name', 'transport'], properties: { atMs: { type: 'number' }, name: { type: 'string', maxLength: 40 }, transport: { enum: TRANSPORTS } } } },
      arrivals: OBSERVATIONS_SCHEMA.items.properties.arrivals,
      disconnects: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['atMs', 'reason'], properties: { atMs: { type: 'number' }, reason: { type: 'string' } } } },
      errors: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['atMs', 'message'], properties: { atMs: { type: 'number' }, message: { type: 'string' }, status: { type: 'integer' }, body: { type: 'string' } } } },
      reconnects: { type: 'integer', minimum: 0 },
      seen: OBSERVATIONS_SCHEMA.items.properties.seen,
      testerError: { type: 'string' },
    },
  },
} as const;

const ajv = new Ajv({ strict: false, allErrors: false });
const validObservations = ajv.compile(OBSERVATIONS_SCHEMA);
const validLibraries = ajv.compile(LIBRARY_OBSERVATIONS_SCHEMA);

/** Why a browser's library observations cannot be graded, in one line, or null. */
export function libraryObservationsProblem(x: unknown): string | null {
  if (x === undefined || validLibraries(x)) return null;
  const e = validLibraries.errors![0];
  return `libraries${e.instancePath} ${e.message ?? 'is invalid'}`;
}

/** Why a list of observations cannot be graded, in one line, or null. */
export function observationsProblem(x: unknown): string | null {
  if (validObservations(x)) return null;
  const e = validObservations.errors![0];
  return `observations${e.instancePath} ${e.message ?? 'is invalid'}`;
}

/** The setup a browser's observations describe: the path between it and the origin, whatever stands there. */
const FIELD_SETUP: Setup = { id: 'field', kind: 'external', description: 'the path between this browser and the origin, whatever stands on it' };

/** A field report from one browser's observations. */
export function fieldReport(observations: Observation[], source: { userAgent: string; pageUrl: string }, startedAt: Date, libraries: LibraryObservation[] = []): Report {
  const setup = buildClientResult({ setup: FIELD_SETUP }, 'browser', [...TRANSPORTS], {}, { observations, libraries });
  const durationMs = Math.max(0, ...observations.map((o) => o.startedAt + o.durationMs)) - Math.min(...observations.map((o) => o.startedAt));
  return {
    tool: 'pushthrough',
    kind: 'field',
    version: VERSION,
    startedAt: startedAt.toISOString(),
    durationMs: Number.isFinite(durationMs) ? Math.round(durationMs) : 0,
    options: { ...FIELD_PROBE_OPTIONS },
    field: { userAgent: source.userAgent.slice(0, 400), pageUrl: withoutToken(source.pageUrl) },
    setups: [setup],
  };
}

function withoutToken(u: string): string {
  try {
    const url = new URL(u);
    url.searchParams.delete('token');
    return url.toString().slice(0, 2000);
  } catch {
    return u.slice(0, 2000);
  }
}

interface Stored {
  id: string;
  report: Report;
}

/** The reports browsers sent back, newest last, at most REPORTS_KEPT. */
export class ReportStore {
  private readonly items: Stored[] = [];

  add(report: Report): string {
    const id = `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    report.field = { ...report.field!, id, receivedAt: new Date().toISOString() };
    this.items.push({ id, report });
    if (this.items.length > REPORTS_KEPT) this.items.shift();
    return id;
  }

  get(id: string): Report | undefined {
    return this.items.find((s) => s.id === id)?.report;
  }

  list(): Array<{ id: string; receivedAt?: string; userAgent: string; pageUrl: string; cells: Array<{ transport: string; verdict: string; reason: string }> }> {
    return [...this.items].reverse().map(({ id, report }) => ({
      id,
      receivedAt: report.field?.receivedAt,
      userAgent: report.field?.userAgent ?? '',
      pageUrl: report.field?.pageUrl ?? '',
      cells: report.setups.flatMap((s) => s.cells.map((c) => ({ transport: c.transport, verdict: c.verdict, reason: c.reason }))),
    }));
  }
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Reads a JSON body of at most MAX_BODY_BYTES; answers the request itself when it cannot. */
function readJson(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      if (!over) send(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      over = true;
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (over) return;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, { error: 'the body is not JSON' });
      return;
    }
    then(body);
  });
  req.on('error', () => undefined);
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  // Nothing but the origin itself: no script, style or image from anywhere else.
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The field page and its report store as origin routes. */
export function fieldRoutes(opts: { libraries?: readonly Library[]; store?: ReportStore } = {}): OriginRoutes {
  const store = opts.store ?? new ReportStore();
  return (req, res, url) => {
    const p = url.pathname;
    if (p === '/' || p === '/index.html') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const html = fieldPage(opts.libraries);
      res.writeHead(200, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(html) });
      res.end(req.method === 'HEAD' ? undefined : html);
      return true;
    }
    // Browsers ask for it by themselves; a 404 would only be noise in the page's console.
    if (p === '/favicon.ico') {
      res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
      res.end();
      return true;
    }
    if (p === '/_field/grade' && req.method === 'POST') {
      readJson(req, res, (body) => {
        const b = body as { observations?: unknown; libraries?: unknown; userAgent?: unknown; pageUrl?: unknown; startedAt?: unknown };
        const problem = observationsProblem(b?.observations) ?? libraryObservationsProblem(b?.libraries);
        if (problem) return send(res, 400, { error: problem });
        const started = typeof b.startedAt === 'number' ? new Date(b.startedAt) : new Date();
        const source = { userAgent: String(b.userAgent ?? ''), pageUrl: String(b.pageUrl ?? '') };
        send(res, 200, fieldReport(b.observations as Observation[], source, Number.isNaN(started.getTime()) ? new Date() : started, (b.libraries ?? []) as LibraryObservation[]));
      });
      return true;
    }
    if (p === '/_reports' && req.method === 'POST') {
      readJson(req, res, (body) => {
        const problem = validateReport(body);
        if (problem) return send(res, 400, { error: `not a pushthrough report: ${problem}` });
        const report = body as Report;
        if (report.kind !== 'field' || !report.field) return send(res, 400, { error: 'only field reports (kind: "field") are taken here' });
        const id = store.add(report);
        send(res, 201, { id, url: `/_reports/${id}` });
      });
      return true;
    }
    if (p === '/_reports' && req.method === 'GET') {
      send(res, 200, { reports: store.list() });
      return true;
    }
    const one = /^\/_reports\/([A-Za-z0-9-]{1,40})$/.exec(p);
    if (one && req.method === 'GET') {
      const report = store.get(one[1]);
      if (report) send(res, 200, report);
      else send(res, 404, { error: `no stored report ${one[1]}` });
      return true;
    }
    return false;
  };
}
