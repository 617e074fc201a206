/**
 * The product guess from recorded answers: the ten real proxies of proxies/
 * as they answered the fingerprint requests (recorded by
 * fixtures/record-answers.ts), the CDNs and load balancers from their
 * documented answers, and the whole fingerprint → guess path with nock
 * replaying a recording.
 */
import fs from 'node:fs';
import { TEST_FIXTURES } from '../../helpers/paths';
import path from 'node:path';
import nock from 'nock';
import { fingerprint } from '../../../src/measure/fingerprint';
import { answersFromMeasured, guessProduct } from '../../../src/verdict/product-guess';
import type { AnswerEvidence } from '../../../src/client/http';
import { closeAgents } from '../../../src/client/http';

const DIR = path.join(TEST_FIXTURES, 'answers');

interface Recording {
  product: string;
  version: string;
  answers: AnswerEvidence[];
}
const recording = (product: string): Recording => JSON.parse(fs.readFileSync(path.join(DIR, `${product}.json`), 'utf8')) as Recording;

describe('recorded from the real programs', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['nginx', 'nginx', '1.22.1'],
    ['apache2', 'Apache httpd', '2.4.71'],
    ['caddy', 'Caddy', undefined],
    ['squid', 'Squid', '5.7'],
    ['varnish', 'Varnish', '7.1'],
    ['lighttpd', 'lighttpd', '1.4.69'],
    ['h2o', 'h2o', '2.2.5'],
    ['trafficserver', 'Apache Traffic Server', '9.2.9'],
  ];
  it.each(cases)('%s → %s, high confidence, version from its own signature', (file, product, version) => {
    const guess = guessProduct(recording(file).answers);
    expect(guess.product).toBe(product);
    expect(guess.confidence).toBe('high');
    expect(guess.fixProduct).toBe(file);
    expect(guess.version).toBe(version);
    expect(guess.evidence.length).toBeGreaterThan(0);
    expect(guess.alternatives).toBeUndefined();
  });

  it('HAProxy names itself nowhere: one built-in error page is medium, two different ones are high', () => {
    const answers = recording('haproxy').answers;
    expect(answers.every((a) => a.headers?.server === undefined)).toBe(true);
    const fingerprintOnly = guessProduct(answers.filter((a) => !/origin down/.test(a.request)));
    expect(fingerprintOnly).toMatchObject({ product: 'HAProxy', confidence: 'medium', fixProduct: 'haproxy' });
    expect(fingerprintOnly.evidence[0]).toMatch(/Your browser sent an invalid request\..*400/);
    expect(guessProduct(answers)).toMatchObject({ product: 'HAProxy', confidence: 'high' });
  });

  it('tinyproxy as a forward proxy adds nothing that names it: no guess, and it says so', () => {
    const guess = guessProduct(recording('tinyproxy').answers);
    expect(guess.product).toBeUndefined();
    expect(guess.confidence).toBeUndefined();
    expect(guess.evidence[0]).toMatch(/no answer named a product/);
  });

  it('the origin alone (no Server header, its own 404 and 431) points at nothing', () => {
    const origin: AnswerEvidence[] = [
      { request: 'GET /health', status: 200, headers: { 'content-type': 'application/json', 'x-pushthrough-instance': 'ab12cd34' }, bodySnippet: '{"status":"ok"}' },
      { request: 'GET /pushthrough-no-such-path', status: 404, headers: { 'content-type': 'application/json' }, bodySnippet: '{"error":"no such endpoint"}' },
      { request: 'GET /health with a 20 KB header', status: 431, headers: { connection: 'close' } },
    ];
    expect(guessProduct(origin).product).toBeUndefined();
  });
});

describe("from the vendors' documented answers", () => {
  const doc = JSON.parse(fs.readFileSync(path.join(DIR, 'transcribed.json'), 'utf8')) as {
    products: Record<string, { expect: { product: string; confidence: string; fixProduct?: string; version?: string; alternative?: string }; answers: AnswerEvidence[] }>;
  };
  it.each(Object.entries(doc.products))('%s', (_name, { expect: want, answers }) => {
    const guess = guessProduct(answers);
    expect(guess.product).toBe(want.product);
    expect(guess.confidence).toBe(want.confidence);
    if (want.fixProduct) expect(guess.fixProduct).toBe(want.fixProduct);
    if (want.version) expect(guess.version).toBe(want.version);
    if (want.alternative) expect(guess.alternatives?.map((a) => a.product)).toContain(want.alternative);
  });

  it('an ALB page looks like nginx but is not signed by it: no nginx guess', () => {
    const guess = guessProduct(doc.products['aws-alb-504'].answers);
    expect(guess.alternatives).toBeUndefined();
  });

  it('a 524 alone is Cloudflare with medium confidence', () => {
    expect(guessProduct([{ request: 'GET /long-poll', status: 524 }])).toMatchObject({ product: 'Cloudflare', confidence: 'medium' });
  });
});

describe('fingerprint → guess, with nock replaying the nginx recording', () => {
  const HOST = 'http://lb.example.test';
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(async () => {
    // nock patches Node's own http module, which later test files in this
    // jest worker share: leave it as it was found.
    nock.restore();
    await closeAgents();
  });

  it('sends the three requests (the third with a 20 KB header) and recognises nginx from what came back', async () => {
    const [health, notFound, tooLarge] = recording('nginx').answers;
    const sent: Array<{ path: string; padding?: number }> = [];
    const scope = nock(HOST)
      .get('/health')
      .query(true)
      .times(2)
      .reply(function () {
        const padding = this.req.headers['x-pushthrough-padding'] as string | undefined;
        sent.push({ path: '/health', padding: padding?.length });
        const a = padding ? tooLarge : health;
        return [a.status!, a.bodySnippet ?? '', a.headers ?? {}];
      })
      .get('/pushthrough-no-such-path')
      .query(true)
      .reply(() => {
        sent.push({ path: '/pushthrough-no-such-path' });
        return [notFound.status!, notFound.bodySnippet ?? '', notFound.headers ?? {}];
      });
    const answers = await fingerprint({ baseUrl: HOST, token: 'tok' });
    expect(scope.isDone()).toBe(true);
    expect(sent).toEqual([{ path: '/health' }, { path: '/pushthrough-no-such-path' }, { path: '/health', padding: 20_000 }]);
    expect(answers.map((a) => a.status)).toEqual([200, 404, 400]);
    const guess = guessProduct(answers);
    expect(guess).toMatchObject({ product: 'nginx', version: '1.22.1', confidence: 'high', fixProduct: 'nginx' });
    expect(guess.evidence).toEqual(
      expect.arrayContaining(['Server: nginx/1.22.1 (GET /health → 200)', expect.stringMatching(/error page says "<center>nginx\/1\.22\.1<\/center>" \(GET \/health with a 20 KB header → 400\)/)]),
    );
  });

  it('carries the origin token on every request, in a header and never in the URL (access logs)', async () => {
    const tokens: string[] = [];
    const inUrl: string[] = [];
    nock(HOST)
      .get(/.*/)
      .times(3)
      .reply(function (uri) {
        tokens.push(String(this.req.headers['x-pushthrough-token'] ?? ''));
        inUrl.push(new URL(uri, HOST).searchParams.get('token') ?? '');
        return [200, '{}'];
      });
    await fingerprint({ baseUrl: HOST, token: 's3cret' });
    expect(tokens).toEqual(['s3cret', 's3cret', 's3cret']);
    expect(inUrl).toEqual(['', '', '']);
  });

  it('a path that answers nothing is an error per request, not an exception', async () => {
    nock(HOST).get(/.*/).times(3).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const answers = await fingerprint({ baseUrl: HOST });
    expect(answers).toHaveLength(3);
    expect(answers.every((a) => a.status === undefined && a.error !== undefined)).toBe(true);
    expect(guessProduct(answers).product).toBeUndefined();
  });
});

it("answersFromMeasured finds the probe's recorded answers inside check measurements", () => {
  const measured = { durationMs: 3000, first: { status: 504, headers: { Server: 'nginx/1.22.1' }, body: '<center>nginx/1.22.1</center>' }, cutAtMs: 3000 };
  const answers = answersFromMeasured(measured, 'long-poll hold check');
  expect(answers).toEqual([{ request: 'long-poll hold check', status: 504, headers: { server: 'nginx/1.22.1' }, bodySnippet: '<center>nginx/1.22.1</center>' }]);
});
