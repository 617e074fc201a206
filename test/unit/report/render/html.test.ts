import { fixFor, fixesFor } from '../../../../src/verdict/fixes';
import { cellAnchor, esc, renderHtml } from '../../../../src/report/render/html';
import { cell, report, setup } from '../../../helpers/report-build';
import { expectGolden, loadReport } from '../../../helpers/golden';

describe('renderHtml', () => {
  const sample = loadReport('sample-run.json');
  const html = renderHtml(sample);

  it('matches the golden file', () => {
    expectGolden('sample-run.html', html);
  });

  it('is deterministic', () => {
    expect(renderHtml(loadReport('sample-run.json'))).toBe(html);
  });

  it('is self-contained: no external scripts, styles, fonts, images or links', () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    // every href is a fragment inside the page
    const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(28);
    for (const href of hrefs) expect(href.startsWith('#')).toBe(true);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/<style>/g)).toHaveLength(1);
  });

  it('links every matrix cell to a detail panel that exists, and back', () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = [...html.matchAll(/<a class="cell v-(\w+)" id="m-([^"]+)" href="#([^"]+)"/g)];
    expect(cells).toHaveLength(28);
    for (const [, , fromId, toId] of cells) {
      expect(fromId).toBe(toId);
      expect(html).toContain(`<article class="detail`);
      expect(ids).toContain(toId);
      expect(html).toContain(`href="#m-${toId}"`);
    }
  });

  it('draws one timeline per distinct stream, with the staircase, the cut and the quiet stretch', () => {
    const panel = (setupId: string, transport: 'sse' | 'websocket') => {
      const id = cellAnchor(setupId, transport);
      const start = html.indexOf(`<article class="detail v-`, html.indexOf(`id="${id}"`) - 60);
      return html.slice(start, html.indexOf('</article>', start));
    };
    const buffered = panel('nginx-default', 'sse');
    // delivery and latency carry the same stream: drawn once, captioned with both
    expect(buffered.match(/<svg class="timeline"/g)).toHaveLength(1);
    expect(buffered).toContain('<figcaption>delivery + latency: 20 events');
    const idle = panel('sim-idle', 'sse');
    expect(idle.match(/<svg class="timeline"/g)).toHaveLength(2);
    expect(idle).toContain('class="cut"');
    expect(idle).toContain('cut 3.8 s after the stream started (clean-close)');
    expect(idle).toContain('quiet for 3 s');
    expect(idle).toContain('10 expected, 5 arrived');
    // a panel without streams has no chart
    expect(panel('sim-strip-upgrade', 'websocket')).not.toContain('<svg');
  });

  it('shows mitigations, the fix and, for real setups, the proxy log', () => {
    const start = html.indexOf(`id="${cellAnchor('nginx-default', 'websocket')}"`);
    const ws = html.slice(start, html.indexOf('</article>', start));
    expect(ws).toContain('<strong>Not rescued:</strong> fall back to SSE when the handshake fails');
    expect(ws).toContain('lands on long-poll');
    expect(ws).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(ws).toContain('<h4>Proxy log');
    // the log covers the whole run: lines about other transports are dimmed
    expect(ws).toContain('<span class="log-line other">127.0.0.1 - - [24/Aug/2026:09:15:21 +0000] &quot;GET /poll?');
    expect(ws).toContain('<span class="log-line">127.0.0.1 - - [24/Aug/2026:09:15:29 +0000] &quot;GET /ws?');
  });

  it('leads with the failing checks and folds checks that failed alike', () => {
    const start = html.indexOf(`id="${cellAnchor('nginx-default', 'sse')}"`);
    const sse = html.slice(start, html.indexOf('</article>', start));
    expect(sse.indexOf('<strong>latency</strong>')).toBeLessThan(sse.indexOf('<details class="passed">'));
    expect(sse).toContain('<summary>2 more checks passed: connect, delivery</summary>');
    const same = { status: 'fail' as const, reason: 'upgrade-stripped' as const, detail: 'answered 426', measured: { status: 426 } };
    const r = report([setup('s', [cell('websocket', 'fail', 'upgrade-stripped', { checks: [{ id: 'connect', ...same }, { id: 'echo', ...same }] })])]);
    const out = renderHtml(r);
    expect(out).toContain('<strong>connect</strong>, <strong>echo</strong> <span class="status">fail</span>');
    expect(out).toContain('<summary>Numbers of echo</summary>');
  });

  it('offers every product’s snippet when the setup’s product is unknown', () => {
    const c = { ...cell('websocket', 'fail', 'upgrade-stripped'), fix: fixFor('upgrade-stripped', 'websocket'), fixAlternatives: fixesFor('upgrade-stripped', 'websocket') };
    const r = report([setup('corp-proxy', [c], { kind: 'external', description: 'a firewall' })]);
    const out = renderHtml(r);
    expect(out).toContain('Config for 10 other proxies and load balancers');
    expect(out).toContain('http_upgrade_request_protocols websocket allow all');
    expect(out).toContain('proxy.header = ( &quot;upgrade&quot; =&gt; &quot;enable&quot; )');
  });

  it('escapes everything taken from the report (logs can contain markup)', () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const r = report([
      setup(`s"${evil}`, [cell('sse', 'fail', 'buffered', { explanation: evil })], { kind: 'real', product: evil, logs: [evil, 'web/<NOSRV> "<BADREQ>"'] }),
    ]);
    const out = renderHtml(r);
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('web/&lt;NOSRV&gt; &quot;&lt;BADREQ&gt;&quot;');
    expect(out.match(/<script>/g)).toHaveLength(1);
    expect(esc(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('gives ids that cannot collide, whatever the setup id', () => {
    expect(cellAnchor('a b', 'sse')).toBe('c-a_20b__sse');
    expect(cellAnchor('a_b', 'sse')).not.toBe(cellAnchor('a b', 'sse'));
    expect(cellAnchor('x__sse', 'sse')).toMatch(/^c-x_5f_5fsse__sse$/);
  });
});

describe('check descriptions', () => {
  it('each check in a cell says what it does and what it expects, from the report itself', () => {
    const r = loadReport('sample-run.json');
    const out = renderHtml(r);
    const idle = r.checks!.find((c) => c.id === 'idle')!;
    expect(out).toContain(`<p class="check-what">${esc(idle.description).replace(/--idle/, '--idle')}`);
    // A report without descriptions (an older one) renders without them.
    expect(renderHtml({ ...r, checks: undefined })).not.toContain('class="check-what"');
  });
});
