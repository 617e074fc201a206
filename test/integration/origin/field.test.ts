/**
 * The field page's endpoints on a real origin, without a browser: the page
 * is one self-contained document, observations are checked before a grader
 * reads them, reports are stored only when they are field reports, bodies
 * are bounded, and a --token origin answers none of it without the token.
 * (The page in a real browser: test/lab/field/field-page.test.ts.)
 */
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { fieldRoutes, MAX_BODY_BYTES, ReportStore, REPORTS_KEPT } from '../../../src/run/field';
import type { Observation } from '../../../src/observation/types';
import type { Report } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';

let origin: RunningOrigin;
let guarded: RunningOrigin;
beforeAll(async () => {
  origin = await startOrigin({ port: 0, routes: fieldRoutes() });
  guarded = await startOrigin({ port: 0, token: 'sekrit', routes: fieldRoutes() });
});
afterAll(async () => {
  await origin.close();
  await guarded.close();
});

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** A browser's observations of a path that works: one connect and one delivery per transport, as web/probe.js records them. */
function observationsOfAWorkingPath(): Observation[] {
  const started = Date.now();
  return (['short-poll', 'sse'] as const).flatMap((transport) => [
    { transport, check: 'connect' as const, startedAt: started, durationMs: 12, answers: [{ atMs: 10, status: 200, headers: { 'content-type': transport === 'sse' ? 'text/event-stream' : 'application/json' } }], arrivals: [], ends: [], seen: [{ at: 1, method: 'GET', path: '/x?probe=a', httpVersion: '1.1', headers: {}, upgraded: false }], protocol: { tls: false, http: 'h1' as const } },
    {
      transport,
      check: 'delivery' as const,
      startedAt: started,
      durationMs: 2100,
      scenario: { channel: 'c', count: 3, intervalMs: 250 },
      answers: [{ atMs: 5, status: 200 }],
      arrivals: [1, 2, 3].map((seq) => ({ seq, offsetMs: (seq - 1) * 250, arrivedMs: 20 + (seq - 1) * 250, bytes: 90, connection: 0, intact: true })),
      ends: [{ atMs: 600, how: 'complete' as const, connection: 0 }],
      protocol: { tls: false, http: 'h1' as const },
    },
  ]);
}

it('serves one self-contained page at /: the probe inlined, nothing loaded from anywhere else, a CSP that says so', async () => {
  const res = await fetch(`${origin.url}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  const html = await res.text();
  expect(html).toContain('PushthroughProbe');
  expect(html).not.toContain('/*PROBE_SCRIPT*/');
  // No script, style, image or font from elsewhere: no src= or href= with a scheme or a protocol-relative URL.
  expect(html.match(/(src|href)\s*=\s*["']?(https?:)?\/\//gi)).toBeNull();
  expect((await fetch(`${origin.url}/favicon.ico`)).status).toBe(204);
  // The transports and the origin's own 404 are unchanged.
  expect((await fetch(`${origin.url}/nowhere`)).status).toBe(404);
});

it('grades a browser’s observations into a schema-valid field report with the browser’s cells', async () => {
  const res = await post(`${origin.url}/_field/grade`, { observations: observationsOfAWorkingPath(), userAgent: 'TestBrowser/1.0', pageUrl: `${origin.url}/?token=abc&x=1` });
  expect(res.status).toBe(200);
  const report = (await res.json()) as Report;
  expect(validateReport(report)).toBeNull();
  expect(report.kind).toBe('field');
  expect(report.field).toEqual({ userAgent: 'TestBrowser/1.0', pageUrl: `${origin.url}/?x=1` });
  expect(report.setups[0]!.cells.map((c) => [c.transport, c.client, c.verdict])).toEqual([
    ['short-poll', 'browser', 'pass'],
    ['sse', 'browser', 'pass'],
  ]);
});

it.each([
  ['not JSON', '{"observations": [', /not JSON/],
  ['no observations', {}, /^observations must be array$/],
  ['an unknown check', { observations: [{ ...observationsOfAWorkingPath()[0], check: 'teleport' }] }, /^observations\/0\/check must be equal to one of the allowed values$/],
  ['a library that is not one', { observations: observationsOfAWorkingPath(), libraries: [{ library: 'signalr', startedAt: 0, durationMs: 1, scenario: { channel: 'c', count: 1, intervalMs: 1 }, transports: [], arrivals: [], disconnects: [], errors: [], reconnects: 0 }] }, /^libraries\/0\/library must be equal to one of the allowed values$/],
  ['an arrival without its seq', { observations: [{ ...observationsOfAWorkingPath()[1], arrivals: [{ offsetMs: 1, arrivedMs: 2, bytes: 3, connection: 0, intact: true }] }] }, /^observations\/0\/arrivals\/0 must have required property 'seq'$/],
])('answers %s with 400 and one line naming it', async (_what, body, message) => {
  const res = await post(`${origin.url}/_field/grade`, body);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(message);
});

it('grades a browser’s library observations beside its transports', async () => {
  const started = Date.now();
  const libraries = [
    {
      library: 'socket.io',
      startedAt: started,
      durationMs: 3000,
      scenario: { channel: 'l', count: 2, intervalMs: 250, tailMs: 1000 },
      connectedAtMs: 12,
      transports: [{ atMs: 12, name: 'polling', transport: 'long-poll' }],
      arrivals: [1, 2, 3].map((seq) => ({ seq, offsetMs: seq * 250, arrivedMs: seq * 250 + 20, bytes: 90, connection: 0, intact: true })),
      disconnects: [],
      errors: [],
      reconnects: 0,
    },
  ];
  const report = (await (await post(`${origin.url}/_field/grade`, { observations: observationsOfAWorkingPath(), libraries, userAgent: 'T/1', pageUrl: origin.url })).json()) as Report;
  expect(validateReport(report)).toBeNull();
  expect(report.setups[0]!.cells.find((c) => c.library === 'socket.io')).toMatchObject({ client: 'browser', transport: 'long-poll', verdict: 'degraded', reason: 'upgrade-rejected' });
});

it('keeps a field report sent back, lists it newest first, and serves it by id; refuses anything else', async () => {
  const report = (await (await post(`${origin.url}/_field/grade`, { observations: observationsOfAWorkingPath(), userAgent: 'TestBrowser/2.0', pageUrl: origin.url })).json()) as Report;
  const sent = await post(`${origin.url}/_reports`, report);
  expect(sent.status).toBe(201);
  const { id } = (await sent.json()) as { id: string };
  const list = (await (await fetch(`${origin.url}/_reports`)).json()) as { reports: Array<{ id: string; userAgent: string; cells: unknown[] }> };
  expect(list.reports[0]).toMatchObject({ id, userAgent: 'TestBrowser/2.0' });
  const stored = (await (await fetch(`${origin.url}/_reports/${id}`)).json()) as Report;
  expect(validateReport(stored)).toBeNull();
  expect(stored.field).toMatchObject({ id, userAgent: 'TestBrowser/2.0' });
  expect((await fetch(`${origin.url}/_reports/nope-123`)).status).toBe(404);

  const run = { ...report, kind: 'run' };
  expect(await (await post(`${origin.url}/_reports`, run)).json()).toEqual({ error: 'only field reports (kind: "field") are taken here' });
  const notAReport = await post(`${origin.url}/_reports`, { hello: 1 });
  expect(notAReport.status).toBe(400);
  expect(((await notAReport.json()) as { error: string }).error).toMatch(/^not a pushthrough report: /);
});

it('refuses a body over the limit with 413 before reading it all', async () => {
  const res = await post(`${origin.url}/_reports`, 'x'.repeat(MAX_BODY_BYTES + 1));
  expect(res.status).toBe(413);
});

it('a --token origin serves the page and the reports only with the token; /health stays open', async () => {
  expect((await fetch(`${guarded.url}/`)).status).toBe(401);
  expect((await fetch(`${guarded.url}/_reports`)).status).toBe(401);
  expect((await post(`${guarded.url}/_reports`, {})).status).toBe(401);
  expect((await fetch(`${guarded.url}/?token=sekrit`)).status).toBe(200);
  expect((await fetch(`${guarded.url}/_reports`, { headers: { 'X-Pushthrough-Token': 'sekrit' } })).status).toBe(200);
  expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
});

it('keeps at most REPORTS_KEPT reports, dropping the oldest', () => {
  const store = new ReportStore();
  const ids: string[] = [];
  for (let i = 0; i <= REPORTS_KEPT; i++) ids.push(store.add({ tool: 'pushthrough', kind: 'field', version: '0', startedAt: '', durationMs: 0, options: {}, field: { userAgent: `ua${i}`, pageUrl: '' }, setups: [] }));
  expect(store.list()).toHaveLength(REPORTS_KEPT);
  expect(store.get(ids[0]!)).toBeUndefined();
  expect(store.list()[0]!.userAgent).toBe(`ua${REPORTS_KEPT}`);
});
