/**
 * The measurement against real proxy programs: nginx and HAProxy from their
 * own binaries with our `short-timeout` templates (proxy_read_timeout 2s;
 * timeout server/tunnel 2s), in front of the real origin. The idle timeout
 * must come back as the configured 2 s and the product from its own answers.
 * A product that is not installed is skipped with its install command.
 */
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { templatePathFor } from '../../../src/proxy/real/installed';
import { startRealProxy, type RunningProxy } from '../../../src/proxy/real/launcher';
import { describeWith, needProduct } from '../../helpers/needs';
import { measure } from '../../../src/measure/measure';

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
