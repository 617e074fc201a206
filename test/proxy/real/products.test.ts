/**
 * Lab test: every shipped template of every real proxy product, run from the
 * product's own binary in front of a tiny real backend. Asserts the proxy
 * serves HTTP and that stop() leaves no process and no WORK_DIR; records (does
 * not judge) what SSE and a WebSocket upgrade do through it. Set
 * PUSHTHROUGH_BEHAVIOUR_OUT=<file> to write the records as JSON.
 *
 * Proxies run one at a time: the machine is small and shared.
 */
import * as fs from 'node:fs';

import {
  listRealProducts,
  ProxyUnavailable,
  startRealProxy,
  stopAllRealProxies,
  templatePathFor,
  variantRole,
} from '../../../src/proxy/real/launcher';
import { HEALTH_BODY, startBackend, type TestBackend } from './backend';
import { recordGet, recordSse, recordWs, type Route } from './behaviour';
import { runningInGroup } from './ps';

const PRODUCTS = ['nginx', 'haproxy', 'apache2', 'caddy', 'squid', 'varnish', 'lighttpd', 'h2o', 'trafficserver', 'tinyproxy'];
const REVERSE_PRODUCTS = PRODUCTS.filter((product) => product !== 'tinyproxy');

let backend: TestBackend;
const records: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  backend = await startBackend();
});

afterAll(async () => {
  await stopAllRealProxies();
  await backend.close();
  const out = process.env.PUSHTHROUGH_BEHAVIOUR_OUT;
  if (out) fs.writeFileSync(out, `${JSON.stringify(records, null, 2)}\n`);
});

describe('listRealProducts', () => {
  const listed = listRealProducts();

  it('lists the ten products with their binaries and install hints', () => {
    expect(listed.map((entry) => entry.product).sort()).toEqual([...PRODUCTS].sort());
    for (const entry of listed) {
      expect(entry.binary).toMatch(/^\//);
      expect(entry.installHint).toMatch(/^apt-get install -y \S+$/);
    }
  });

  it('ships naive, tuned and short-timeout for every reverse proxy, forward for squid and tinyproxy', () => {
    const variants = new Map(listed.map((entry) => [entry.product, entry.variants]));
    for (const product of REVERSE_PRODUCTS) {
      expect(variants.get(product)).toEqual(expect.arrayContaining(['naive', 'tuned', 'short-timeout']));
    }
    expect(variants.get('nginx')).toContain('gzip-sse');
    expect(variants.get('haproxy')).toContain('no-tunnel-timeout');
    expect(variants.get('squid')).toEqual(expect.arrayContaining(['caching', 'forward']));
    expect(variants.get('tinyproxy')).toEqual(['forward']);
  });
});

describe.each(listRealProducts())('$product', ({ product, available, installHint, variants }) => {
  if (!available) {
    // Not installed here: the launcher must say so with the hint, never crash.
    it('is reported unavailable with its install hint', async () => {
      const error = await startRealProxy({
        product,
        templatePath: templatePathFor(product, variants[0]),
        originHost: backend.host,
        originPort: backend.port,
      }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ProxyUnavailable);
      expect((error as ProxyUnavailable).installHint).toBe(installHint);
    });
    return;
  }

  it.each(variants)(
    '%s: proxies HTTP; stop() leaves no process and no WORK_DIR',
    async (variant) => {
      const proxy = await startRealProxy({
        product,
        templatePath: templatePathFor(product, variant),
        originHost: backend.host,
        originPort: backend.port,
        readyTimeoutMs: 60_000,
      });
      const route: Route =
        variantRole(variant) === 'forward'
          ? { kind: 'forward', proxyUrl: proxy.url, originUrl: `http://${backend.host}:${backend.port}` }
          : { kind: 'reverse', proxyUrl: proxy.url };
      try {
        expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
        expect(proxy.version).toMatch(/^\d+\.\d+/);
        expect(fs.existsSync(proxy.workDir)).toBe(true);

        const health = await recordGet(route, '/health');
        expect(health.error).toBeUndefined();
        expect(health.status).toBe(200);
        expect(health.body).toBe(HEALTH_BODY);

        const [sse, ws] = await Promise.all([
          recordSse(route, { count: 3, intervalMs: 300, deadlineMs: 10_000 }),
          recordWs(route, { deadlineMs: 10_000 }),
        ]);
        records.push({
          product,
          variant,
          version: proxy.version,
          wsStatus: ws.status ?? ws.error,
          wsEcho: ws.echoed,
          sseStatus: sse.status,
          sseDelivery: sse.delivery,
          sseEncoding: sse.contentEncoding,
          sseArrivalsMs: sse.arrivalsMs,
        });
        // Still serving after SSE and WebSocket went through it.
        expect(runningInGroup(proxy.pid).length).toBeGreaterThan(0);
        expect((await recordGet(route, '/health')).status).toBe(200);
      } finally {
        await proxy.stop();
      }
      expect(runningInGroup(proxy.pid)).toEqual([]);
      expect(fs.existsSync(proxy.workDir)).toBe(false);
      await expect(proxy.stop()).resolves.toBeUndefined();
    },
    120_000,
  );
});
