/**
 * Lab test: every shipped template of every real proxy product, run from the
 * product's own binary in front of a tiny real backend. Asserts the proxy
 * listens on loopback only (read from its sockets), serves HTTP and that stop() leaves no process and no WORK_DIR; records (does
 * not judge) what SSE and a WebSocket upgrade do through it. Set
 * PUSHTHROUGH_BEHAVIOUR_OUT=<file> to write the records as JSON.
 *
 * Proxies run one at a time: the machine is small and shared.
 */
import * as fs from 'node:fs';

import { listRealProducts, templatePathFor, variantRole } from '../../../../src/proxy/real/installed';
import { templateServesTls } from '../../../../src/proxy/real/template';
import { startRealProxy, stopAllRealProxies } from '../../../../src/proxy/real/launcher';
import { describeWith, needProduct } from '../../../helpers/needs';
import { HEALTH_BODY, startBackend, type TestBackend } from '../../../helpers/backend';
import { recordGet, recordSse, recordWs, type Route } from '../../../helpers/behaviour';
import { runningInGroup } from '../../../helpers/ps';
import { isLoopback, listeningAddresses } from '../../../helpers/listeners';
import { livingGroupMembers, processesMentioning } from '../../../../src/util/process-group';


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

for (const { product, variants } of listRealProducts()) {
  describeWith([needProduct(product)], product, () => {
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
          variantRole(product, variant) === 'forward'
            ? { kind: 'forward', proxyUrl: proxy.url, originUrl: `http://${backend.host}:${backend.port}` }
            : { kind: 'reverse', proxyUrl: proxy.url, ca: proxy.ca };
        try {
          // A TLS template is a TLS front, with a certificate from the run's CA.
          const tls = templateServesTls(fs.readFileSync(templatePathFor(product, variant), 'utf8'));
          expect([proxy.url, proxy.tls, typeof proxy.ca]).toEqual([`${tls ? 'https' : 'http'}://127.0.0.1:${proxy.port}`, tls, tls ? 'string' : 'undefined']);
          expect(proxy.version).toMatch(/^\d+\.\d+/);
          expect(fs.existsSync(proxy.workDir)).toBe(true);

          // Listens on loopback only, whatever the product's default (a Caddy site address does not bind).
          const listeners = listeningAddresses([...livingGroupMembers(proxy.pid), ...processesMentioning(proxy.workDir)]);
          expect(listeners).toContain(`127.0.0.1 ${proxy.port}`);
          expect(listeners.filter((l) => !isLoopback(l))).toEqual([]);

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
}
