/**
 * What a proxy answers instead of the origin, played by nock (it intercepts
 * Node's fetch and http.request): the probes must record it and grading must
 * name it.
 */
import nock from 'nock';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';

const BASE = 'http://proxy.test';
const options = { ...DEFAULT_PROBE_OPTIONS, connectTimeoutMs: 2000 };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

it('a 502 HTML page on SSE: fail, proxy-error, with status, server and the page text as evidence', async () => {
  nock(BASE).get('/sse').query(true).reply(502, '<html><body><h1>502 Bad Gateway</h1>nginx</body></html>', { 'Content-Type': 'text/html', Server: 'nginx/1.22.1' });
  nock(BASE).get('/_seen').query(true).reply(200, { requests: [] });
  const cell = gradeTransport('sse', await probeTransport({ target: { baseUrl: BASE }, transport: 'sse', options, checks: ['connect'] }));
  expect([cell.verdict, cell.reason]).toEqual(['fail', 'proxy-error']);
  const m = cell.checks[0].measured;
  expect(m.status).toBe(502);
  expect((m.headers as Record<string, string>).server).toBe('nginx/1.22.1');
  expect(m.body).toMatch(/502 Bad Gateway/);
  expect(cell.explanation).toMatch(/HTTP 502 from nginx/);
});

it('a 504 to a held long-poll, early: idle-timeout with the time it came', async () => {
  nock(BASE).get('/long-poll').query(true).delay(300).reply(504, 'Gateway Time-out', { 'Content-Type': 'text/html' });
  nock(BASE).get('/_seen').query(true).reply(200, { requests: [] });
  const cell = gradeTransport('long-poll', await probeTransport({ target: { baseUrl: BASE }, transport: 'long-poll', options: { ...options, holdMs: 3000 }, checks: ['hold'] }));
  expect([cell.verdict, cell.reason]).toEqual(['degraded', 'idle-timeout']);
  const hold = cell.checks[0];
  expect(hold.measured.status).toBe(504);
  expect(hold.measured.cutAtMs as number).toBeGreaterThanOrEqual(250);
  expect(hold.measured.cutAtMs as number).toBeLessThan(2000);
});

it('a 200 with the wrong content type on SSE: fail, and the content type is named', async () => {
  nock(BASE).get('/sse').query(true).reply(200, '<html>login required</html>', { 'Content-Type': 'text/html; charset=utf-8' });
  nock(BASE).get('/_seen').query(true).reply(200, { requests: [] });
  const cell = gradeTransport('sse', await probeTransport({ target: { baseUrl: BASE }, transport: 'sse', options, checks: ['connect'] }));
  expect(cell.verdict).toBe('fail');
  expect(cell.explanation).toMatch(/text\/html/);
});

it('a 400 to the WebSocket upgrade that the origin never saw: upgrade-rejected', async () => {
  nock(BASE).get('/ws').query(true).reply(400, 'Bad Request: websocket not allowed', { 'Content-Type': 'text/plain' });
  nock(BASE).get('/_seen').query(true).reply(200, { requests: [] });
  const cell = gradeTransport('websocket', await probeTransport({ target: { baseUrl: BASE }, transport: 'websocket', options, checks: ['connect'] }));
  expect([cell.verdict, cell.reason]).toEqual(['fail', 'upgrade-rejected']);
  expect(cell.checks[0].measured.status).toBe(400);
  expect(cell.checks[0].measured.body).toMatch(/websocket not allowed/);
});

it('a cached poll (same answer twice, Age header): degraded, cached', async () => {
  const body = { last: 3, done: false, events: [] };
  nock(BASE).get('/poll').query(true).times(2).reply(200, body, { 'Content-Type': 'application/json', Age: '12', 'X-Cache': 'HIT' });
  nock(BASE).get('/_seen').query(true).reply(200, { requests: [] });
  const cell = gradeTransport('short-poll', await probeTransport({ target: { baseUrl: BASE }, transport: 'short-poll', options, checks: ['freshness'] }));
  expect([cell.verdict, cell.reason]).toEqual(['degraded', 'cached']);
  expect(cell.explanation).toMatch(/Age: 12/);
});
