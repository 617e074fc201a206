/**
 * `pushthrough load --real nginx=naive` finds the limit nginx's own
 * configuration implies: worker_processes 1 × worker_connections 1024, two
 * connections per proxied stream, so about 512 streams; the rest are reset.
 * The report names that reason from the template it ran and the product's
 * fix (worker_connections, with its documentation URL). WebSocket: nginx-tuned
 * (same worker_connections, and the Upgrade headers forwarded) holds as many;
 * nginx-naive forwards no Upgrade, so no WebSocket opens there at all, which
 * is no capacity.
 */
import type { Report } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import { runCli } from '../../helpers/cli';
import { describeWith, needProduct } from '../../helpers/needs';

jest.setTimeout(120_000);

describeWith([needProduct('nginx')], 'load through a real nginx', () => {
  it('holds about 512 SSE streams through nginx-naive, resets the rest, and says why with the fix', async () => {
    const res = await runCli(['load', '--real', 'nginx=naive', '--transports', 'sse', '--streams', '700', '--ramp', '3', '--duration', '2', '--threshold', 'failed<1%', '--format', 'json'], { timeoutMs: 90_000 });
    // The broken threshold is the exit code: 189 of 700 never got in.
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    expect(validateReport(report)).toBeNull();
    const load = report.load!;
    const held = load.measurement.peakHeld.sse!;
    expect(held).toBeGreaterThanOrEqual(480);
    expect(held).toBeLessThanOrEqual(512);
    expect(Object.values(load.measurement.failed).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(700 - 512);
    expect(load.limit!.capacity).toMatchObject({ streams: 512, doc: 'https://nginx.org/en/docs/ngx_core_module.html#worker_connections' });
    expect(load.limit!.sentence).toMatch(/^nginx-naive: at most \d+ SSE streams held .*; the rest were (reset|refused|left without an answer).* \(worker_connections 1024 × worker_processes 1; each proxied stream holds 2 connections/);
    expect(load.limit!.fix!.proxy!.snippet).toMatch(/worker_connections 16384;/);
  });

  it('holds about 512 WebSockets through nginx-tuned, the number its worker_connections implies, and resets the rest', async () => {
    const res = await runCli(['load', '--real', 'nginx=tuned', '--transports', 'websocket', '--streams', '700', '--ramp', '3', '--duration', '2', '--format', 'json'], { timeoutMs: 90_000 });
    expect(res.code).toBe(0);
    const load = (JSON.parse(res.stdout) as Report).load!;
    const open = load.measurement.peakOpen.websocket!;
    expect(open).toBeGreaterThanOrEqual(480);
    expect(open).toBeLessThanOrEqual(512);
    expect(load.limit!.sentence).toMatch(/^nginx-tuned: \d+ WebSockets open at most; the rest were (reset|refused|left without an answer).* \(worker_connections 1024 × worker_processes 1;/);
    expect(load.limit!.fix!.proxy!.snippet).toMatch(/worker_connections 16384;/);
  });

  it('says nginx-naive carries no WebSocket at all, rather than calling its 426s a limit', async () => {
    const res = await runCli(['load', '--real', 'nginx=naive', '--transports', 'websocket', '--streams', '50', '--ramp', '1', '--duration', '1', '--format', 'json'], { timeoutMs: 90_000 });
    const load = (JSON.parse(res.stdout) as Report).load!;
    expect(load.measurement.failed).toEqual({ 'status 426': 50 });
    expect(load.limit!.sentence).toMatch(/^nginx-naive: no WebSocket opened at all \(the first answered HTTP 426 instead of 101\): the path does not carry this transport/);
    expect(load.limit!.fix).toBeUndefined();
  });
});
