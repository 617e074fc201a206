/**
 * The measurement against real proxy programs: nginx and HAProxy from their
 * own binaries with our `short-timeout` templates (proxy_read_timeout 2s;
 * timeout server/tunnel 2s), in front of the real origin. The idle timeout
 * must come back as the configured 2 s and the product from its own answers.
 * A product that is not installed is skipped with its install command.
 *
 * Then the keepalive phase, with lighttpd too: which heartbeat kinds keep
 * each stream open must be the same in two measurements, and the same as the
 * template's expectations file says (its `keepalive:` list, measured with
 * `run --keepalive`); the advised kind, applied through the path at the
 * advised interval, must keep a stream open past the cut.
 */
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import path from 'node:path';
import { PROXIES_DIR, templatePathFor } from '../../../src/proxy/real/installed';
import { startRealProxy, type RunningProxy } from '../../../src/proxy/real/launcher';
import { describeWith, needProduct } from '../../helpers/needs';
import { measure } from '../../../src/measure/measure';
import type { Measurement } from '../../../src/measure/types';
import { readExpectFile } from '../../../src/setup/load';

let origin: RunningOrigin;
let proxy: RunningProxy | undefined;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});
afterAll(() => origin.close());

const CASES: Array<{ product: string; name: string; confidence: string; version: boolean }> = [
  { product: 'nginx', name: 'nginx', confidence: 'high', version: true },
  // HAProxy never names itself; its built-in 400 page does (medium).
  { product: 'haproxy', name: 'HAProxy', confidence: 'medium', version: false },
];

for (const { product, name, confidence, version } of CASES) describeWith([needProduct(product)], `${product} short-timeout (2 s)`, () => {

  it('idle timeouts of 2 s within 10 %, and the product from its own answers', async () => {
    proxy = await startRealProxy({ product, templatePath: templatePathFor(product, 'short-timeout'), originHost: '127.0.0.1', originPort: origin.port, readyTimeoutMs: 60_000 });
    const m = await measure({ target: { baseUrl: proxy.url }, maxIdleMs: 4000, phases: ['fingerprint', 'idle'] });
    for (const t of ['sse', 'websocket'] as const) {
      const idle = m.idle[t]!;
      expect(idle.outcome).toBe('cut');
      expect(idle.timeoutMs).toBeGreaterThanOrEqual(1800);
      expect(idle.timeoutMs).toBeLessThanOrEqual(2200);
      expect(idle.how).toBe('close');
      // An idle timer, not a cap: a stream with heartbeats lives on.
      expect(m.lifetime[t]!.outcome).toBe('survived');
    }
    expect(m.product.product).toBe(name);
    expect(m.product.confidence).toBe(confidence);
    if (version) expect(m.product.version).toBe(proxy.version);
    // The fix names the product's own directive.
    const fix = m.recommendations.fixes.find((f) => f.transport === 'sse' && f.reason === 'idle-timeout');
    expect(fix?.fix.proxy?.product).toBe(product);
    expect(m.recommendations.heartbeatMs).toBeLessThan(m.idle.sse!.timeoutMs!);
  }, 60_000);
});

/** Per transport: the kinds that kept the stream open, sorted. */
function keptOf(m: Measurement): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, r] of Object.entries(m.keepalive ?? {})) {
    expect(r!.trials.find((x) => x.kind === 'none')?.outcome).toBe('cut');
    out[t] = r!.trials.filter((x) => x.kind !== 'none' && x.outcome === 'kept').map((x) => x.kind).sort();
  }
  return out;
}

for (const product of ['nginx', 'haproxy', 'lighttpd']) describeWith([needProduct(product)], `${product} short-timeout keepalive`, () => {
  it('the same kinds keep streams open in two measurements, as the expectations file says, and the advice holds', async () => {
    proxy = await startRealProxy({ product, templatePath: templatePathFor(product, 'short-timeout'), originHost: '127.0.0.1', originPort: origin.port, readyTimeoutMs: 60_000 });
    const once = (): Promise<Measurement> => measure({ target: { baseUrl: proxy!.url }, maxIdleMs: 5000, phases: ['idle', 'keepalive'] });
    const [a, b] = await Promise.all([once(), once()]);
    const kept = keptOf(a);
    expect(Object.keys(kept).sort()).toEqual(['long-poll', 'sse', 'websocket']);
    expect(keptOf(b)).toEqual(kept);
    const expected = readExpectFile(path.join(PROXIES_DIR, product, 'short-timeout.expect.yaml'))?.keepalive ?? {};
    expect(Object.fromEntries(Object.entries(expected).map(([t, kinds]) => [t, [...kinds!].sort()]))).toEqual(kept);
    for (const m of [a, b]) {
      const advice = m.recommendations.keepalive ?? [];
      expect(advice.map((x) => x.transport).sort()).toEqual(['long-poll', 'sse', 'websocket']);
      for (const x of advice) {
        expect(x.kind).toBeDefined();
        expect(x.everyMs).toBeLessThan(m.idle.sse!.timeoutMs!);
        expect([x.transport, x.verified]).toEqual([x.transport, true]);
      }
    }
  }, 90_000);
});
