import {
  costRows,
  cutOf,
  decimal,
  fixesOfCell,
  formatBytes,
  formatMeasured,
  formatMs,
  integer,
  summarize,
  timelineOf,
  verdictText,
  wireProtocolText,
} from '../../../../src/report/render/common';
import { niceStep } from '../../../../src/report/render/timeline-svg';
import type { CheckResult } from '../../../../src/verdict/types';
import { cell, setup } from '../../../helpers/report-build';
import { loadReport } from '../../../helpers/golden';

describe('number formatting (locale-independent)', () => {
  it('formats durations, sizes and integers', () => {
    expect(formatMs(0.84)).toBe('0.8 ms');
    expect(formatMs(350.4)).toBe('350 ms');
    expect(formatMs(1404.1)).toBe('1.4 s');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(10_760)).toBe('10.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MiB');
    expect(integer(1006)).toBe('1006');
    expect(integer(17_312)).toBe('17\u2009312');
    expect(decimal(1.5, 2)).toBe('1.5');
    expect(decimal(2, 2)).toBe('2');
  });

  it('guesses units from key names and shortens long lists', () => {
    expect(formatMeasured('holdMs', 5000)).toBe('5 s');
    expect(formatMeasured('payloadBytes', 2048)).toBe('2 KiB');
    expect(formatMeasured('bytes', 100)).toBe('100 B');
    expect(formatMeasured('status', 504)).toBe('504');
    expect(formatMeasured('survived', false)).toBe('no');
    expect(formatMeasured('missing', [])).toBe('none');
    expect(formatMeasured('missing', Array.from({ length: 20 }, (_, i) => i + 1))).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 … (20 in all)');
  });
});

describe('report views', () => {
  const sample = loadReport('sample-run.json');

  it('summarizes verdicts and mismatches', () => {
    expect(summarize(sample)).toEqual({ counts: { pass: 16, degraded: 2, fail: 5, skipped: 4, error: 1 }, cells: 28, mismatches: 2 });
    expect(verdictText('error', 'tester-error')).toBe('tester error');
    expect(verdictText('fail', 'buffered')).toBe('fail (buffered)');
  });

  it('computes cost per delivered event from the delivery check', () => {
    const rows = costRows(sample);
    const sp = rows.find((r) => r.setup === 'direct' && r.transport === 'short-poll');
    expect(sp).toMatchObject({ events: 20, requests: 28, requestsPerEvent: 1.4, latencyP50Ms: 73.6, latencyP95Ms: 124.4 });
    const sse = rows.find((r) => r.setup === 'nginx-default' && r.transport === 'sse');
    // latency comes from the latency check when there is one
    expect(sse).toMatchObject({ requests: 1, requestsPerEvent: 0.05, latencyP95Ms: 1204.7 });
    // cells without delivered events (skipped, failed handshakes) have no row
    expect(rows.some((r) => r.setup === 'caddy-default')).toBe(false);
    expect(rows.some((r) => r.setup === 'nginx-default' && r.transport === 'websocket')).toBe(false);
  });

  it('places an idle cut after the stream start', () => {
    const idleSse = sample.setups.find((s) => s.id === 'sim-idle')!.cells.find((c) => c.transport === 'sse')!;
    const idle = idleSse.checks.find((c) => c.id === 'idle')!;
    const points = timelineOf(idle)!;
    const cut = cutOf(idle)!;
    expect(cut.from).toBe('stream start');
    expect(cut.atMs).toBeCloseTo(points[0].arrivedMs + (idle.measured.cutAtMs as number), 5);
  });

  it('takes a held request’s cut as measured from the check start', () => {
    const hold: CheckResult = { id: 'hold', status: 'fail', reason: 'idle-timeout', detail: '', measured: { cutAtMs: 3003, how: 'error-status', status: 504 } };
    expect(cutOf(hold)).toEqual({ atMs: 3003, cutAtMs: 3003, from: 'check start', how: 'error-status', status: 504 });
  });

  it('ignores malformed timeline points instead of failing', () => {
    const check: CheckResult = {
      id: 'delivery',
      status: 'pass',
      reason: 'none',
      detail: '',
      measured: { timeline: [{ seq: 1, offsetMs: 0, arrivedMs: 2 }, { seq: 'x' }, null, 5] },
    };
    expect(timelineOf(check)).toEqual([{ seq: 1, offsetMs: 0, arrivedMs: 2, connection: 0 }]);
    expect(timelineOf({ ...check, measured: {} })).toBeUndefined();
  });

  it('shows the fixes the report carries: every product’s only when the cell’s own fix names none', () => {
    const nginx = { proxy: { product: 'nginx', snippet: 'proxy_buffering off;' }, app: 'flush' };
    const caddy = { proxy: { product: 'caddy', snippet: 'flush_interval -1' }, app: 'flush' };
    const unknown = fixesOfCell({ ...cell('sse', 'degraded', 'buffered'), fix: { app: 'flush' }, fixAlternatives: [nginx, caddy] });
    expect(unknown.fix?.proxy).toBeUndefined();
    expect(unknown.alternatives.map((f) => f.proxy?.product)).toEqual(['nginx', 'caddy']);
    const known = fixesOfCell({ ...cell('sse', 'degraded', 'buffered'), fix: nginx, fixAlternatives: [caddy] });
    expect(known.fix?.proxy?.product).toBe('nginx');
    expect(known.alternatives).toEqual([]);
    expect(fixesOfCell(cell('sse', 'pass', 'none'))).toEqual({ alternatives: [] });
  });
});

describe('niceStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(3900, 8)).toBe(500);
    expect(niceStep(4030, 8)).toBe(1000);
    expect(niceStep(20, 4)).toBe(5);
    expect(niceStep(10, 4)).toBe(5);
    expect(niceStep(3, 4)).toBe(1);
    expect(niceStep(120_000, 8)).toBe(20_000);
  });
});

describe('wireProtocolText', () => {
  const four = (poll: 'h1' | 'h2', tls: boolean, extra: { sse?: 'h1' | 'h2' } = {}) =>
    setup('s', [
      cell('short-poll', 'pass', 'none', { protocol: { tls, http: poll } }),
      cell('long-poll', 'pass', 'none', { protocol: { tls, http: poll } }),
      cell('sse', 'pass', 'none', { protocol: { tls, http: extra.sse ?? poll } }),
      cell('websocket', 'pass', 'none', { protocol: { tls, http: 'h1', handshake: 'upgrade' } }),
    ]);

  it('leaves plain HTTP/1.1, and a report without protocols, unsaid', () => {
    expect(wireProtocolText(four('h1', false))).toBeUndefined();
    expect(wireProtocolText(setup('old', [cell('sse', 'pass', 'none')]))).toBeUndefined();
  });

  it('names TLS, the HTTP version of polls and SSE and the WebSocket handshake', () => {
    expect(wireProtocolText(four('h2', true))).toBe('TLS · HTTP/2 for polls and SSE · WebSocket by HTTP/1.1 Upgrade');
    expect(wireProtocolText(four('h1', true))).toBe('TLS · HTTP/1.1 for polls and SSE · WebSocket by HTTP/1.1 Upgrade');
  });

  it('lists the transports one by one when they spoke different versions', () => {
    expect(wireProtocolText(four('h1', true, { sse: 'h2' }))).toBe('TLS · short-poll HTTP/1.1, long-poll HTTP/1.1, sse HTTP/2 · WebSocket by HTTP/1.1 Upgrade');
  });

  it('names only the transports that connected when the others made no connection', () => {
    const s = setup('s', [cell('short-poll', 'error', 'tester-error', { protocol: { tls: true } }), cell('sse', 'pass', 'none', { protocol: { tls: true, http: 'h2' } })]);
    expect(wireProtocolText(s)).toBe('TLS · HTTP/2 for sse');
  });
});
