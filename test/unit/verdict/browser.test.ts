/**
 * Grading what a browser observed: the same graders as for Node's clients,
 * with the two things a page cannot see handled from other evidence (a failed
 * WebSocket's status; response headers of an EventSource), the browser-only
 * seven-stream check, and the sentence that says why a browser's verdict
 * differs from Node's.
 */
import { gradeObservation, gradeTransport } from '../../../src/checks/registry';
import type { Observation, SeenRequest } from '../../../src/observation/types';
import { compareWithNode } from '../../../src/verdict/clients';
import type { Cell } from '../../../src/verdict/types';
import { parseClients } from '../../../src/cli/options';
import { BROWSER_WS_FAILED, CONNECT_REFUSED } from '../../../src/vocabulary';
import { pageRefused } from '../../../src/client/chromium';

const seen = (upgraded: boolean, headers: Record<string, string> = {}, httpVersion = '1.1'): SeenRequest => ({ at: 1, method: 'GET', path: '/ws?probe=p', httpVersion, headers, upgraded });

function failedWs(seenRequests: SeenRequest[] | undefined): Observation {
  return { transport: 'websocket', check: 'connect', startedAt: 0, durationMs: 30, answers: [{ atMs: 30, error: { code: BROWSER_WS_FAILED, message: 'the WebSocket closed before it opened (close code 1006)' } }], arrivals: [], ends: [], seen: seenRequests, payload: { opened: false } };
}

describe('a browser’s failed WebSocket handshake, graded from what reached the origin', () => {
  it.each([
    ['a plain GET reached the origin', [seen(false)], 'upgrade-stripped', /the proxy forwarded the handshake as a plain GET \(the origin saw no Upgrade header\); the browser saw only close code 1006/],
    ['it reached the origin over HTTP/1.0', [seen(false, { upgrade: 'websocket' }, '1.0')], 'protocol-downgrade', /reached the origin over HTTP\/1\.0/],
    ['nothing reached the origin', [], 'upgrade-rejected', /never reached the origin: something on the path refused it .*a refused upgrade, a full connection limit and a blocked port look alike/],
    ['the origin upgraded it', [seen(true)], 'proxy-error', /the origin accepted the upgrade, but the connection failed on its way back/],
  ])('%s: %s', (_what, s, reason, detail) => {
    const [r] = gradeObservation(failedWs(s));
    expect(r).toMatchObject({ status: 'fail', reason });
    expect(r!.detail).toMatch(detail);
  });

  it('without the origin’s record it claims no cause', () => {
    expect(gradeObservation(failedWs(undefined))[0]).toMatchObject({ status: 'fail', reason: 'proxy-error' });
  });
});

describe('parallel-streams (browsers only)', () => {
  const obs = (firstEventAtMs: Array<number | null>, http: 'h1' | 'h2' = 'h1'): Observation => ({
    transport: 'sse',
    check: 'parallel-streams',
    startedAt: 0,
    durationMs: 3000,
    answers: [],
    arrivals: [],
    ends: [],
    protocol: { tls: http === 'h2', http },
    payload: { streams: 7, windowMs: 3000, firstEventAtMs },
  });

  it('six of seven over HTTP/1.1: the browser’s connection limit, its own reason, a degraded cell', () => {
    const [r] = gradeObservation(obs([10, 11, 12, 12, 13, 14, null]));
    expect(r).toMatchObject({ status: 'fail', reason: 'browser-connection-limit', measured: { delivered: 6, streams: 7, http: 'h1' } });
    expect(r!.detail).toMatch(/^6 of 7 streams to one host delivered within 3\.0 s; .* at most 6 connections per host .* a 7th tab of the app gets no events$/);
    expect(gradeTransport('sse', [obs([10, 11, 12, 12, 13, 14, null])])).toMatchObject({ verdict: 'degraded', reason: 'browser-connection-limit' });
  });

  it('all seven over HTTP/2 pass; none at all says nothing about the browser (the delivery check says why)', () => {
    expect(gradeObservation(obs([1, 2, 3, 4, 5, 6, 7], 'h2'))[0]).toMatchObject({ status: 'pass', reason: 'none', detail: 'all 7 streams to one host delivered their first event at once over HTTP/2' });
    expect(gradeObservation(obs([null, null, null, null, null, null, null]))[0]).toMatchObject({ status: 'skip', reason: 'not-run' });
  });
});

describe('a browser cell beside the Node cell', () => {
  const cell = (c: Partial<Cell>): Cell => ({ transport: 'sse', verdict: 'pass', reason: 'none', explanation: 'ok', checks: [], ...c });

  it.each([
    ['the tab limit', cell({ verdict: 'degraded', reason: 'browser-connection-limit' }), cell({}), {}, /6 HTTP\/1\.1 connections per host/],
    ['a WebSocket through a forward proxy', cell({ transport: 'websocket' }), cell({ transport: 'websocket', verdict: 'fail', reason: 'upgrade-stripped' }), { forwardProxy: true }, /CONNECT tunnel/],
    ['compression seen only by Node', cell({ verdict: 'fail', reason: 'buffered' }), cell({ verdict: 'fail', reason: 'compressed' }), {}, /EventSource sees no headers/],
    ['another HTTP version', cell({ verdict: 'fail', reason: 'buffered', protocol: { tls: true, http: 'h1' } }), cell({ protocol: { tls: true, http: 'h2' } }), {}, /the browser spoke HTTP\/1\.1 to the front and Node’s clients HTTP\/2/],
  ])('%s: says why', (_what, browser, node, path, why) => {
    compareWithNode([browser], [node], path);
    expect(browser.differsFromNode).toEqual({ verdict: node.verdict, reason: node.reason, why: expect.stringMatching(why) });
  });

  it('says nothing where they agree, or where either did not run', () => {
    const same = cell({});
    const skipped = cell({ verdict: 'degraded', reason: 'browser-connection-limit' });
    compareWithNode([same], [cell({})]);
    compareWithNode([skipped], [cell({ verdict: 'skipped', reason: 'not-run' })]);
    expect(same.differsFromNode).toBeUndefined();
    expect(skipped.differsFromNode).toBeUndefined();
  });
});

it('--clients: Node always, Chromium when asked', () => {
  expect(parseClients('node')).toEqual(['node']);
  expect(parseClients('node,chromium')).toEqual(['node', 'chromium']);
  expect(parseClients('chromium')).toEqual(['node', 'chromium']);
  expect(() => parseClients('browser')).toThrow("--clients must be a comma-separated list of node, chromium, got 'browser'");
});

describe('a page the path refused, as Chromium names it', () => {
  it.each([
    ['page.goto: net::ERR_TUNNEL_CONNECTION_FAILED at https://localhost:1/', CONNECT_REFUSED],
    ['page.goto: net::ERR_CONNECTION_RESET at http://127.0.0.1:1/', 'ECONNRESET'],
    ['page.goto: net::ERR_SOCKET_NOT_CONNECTED at http://127.0.0.1:1/', 'ECONNRESET'],
    ['page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:1/', 'ECONNREFUSED'],
  ])('%s → %s, graded by the same rules as the Node clients’ refusals', (message, code) => {
    expect(pageRefused(message)?.code).toBe(code);
  });

  it('anything else is not the path’s refusal (the tester reports it as its own error)', () => {
    expect(pageRefused('page.goto: Timeout 10000ms exceeded.')).toBeUndefined();
    expect(pageRefused('page.goto: net::ERR_NAME_NOT_RESOLVED at http://x/')).toBeUndefined();
  });
});
