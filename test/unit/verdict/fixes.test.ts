import { TRANSPORTS } from '../../../src/observation/types';
import { REASONS } from '../../../src/verdict/types';
import { PRODUCTS, productOf } from '../../../src/proxy/real/products';
import { fixFor, fixesFor, proxyFix } from '../../../src/verdict/fixes';
import { belowCut } from '../../../src/verdict/thresholds';

const productId = (text: string | undefined): string | undefined => productOf(text)?.id;

describe('productOf: a free-form product string read as a product', () => {
  it.each([
    ['nginx/1.22.1', 'nginx'],
    ['ingress-nginx controller', 'nginx'],
    ['HAProxy version 2.6.12-1+deb12u1', 'haproxy'],
    ['Apache/2.4.62 (Debian)', 'apache2'],
    ['Apache Traffic Server 9.2.5', 'trafficserver'],
    ['traffic_server', 'trafficserver'],
    ['v2.6.2 h2o', 'h2o'],
    ['AWS ALB idle timeout (60 s, scaled to 2 s)', 'aws-alb'],
    ['GCP backend service timeout', 'gcp-lb'],
    ['Cloudflare proxied zone', 'cloudflare'],
    ['Heroku router', 'heroku'],
    ['tinyproxy 1.11.1', 'tinyproxy'],
  ])('reads %s as %s', (text, id) => {
    expect(productId(text)).toBe(id);
  });

  it('returns undefined for unknown or missing products', () => {
    expect(productId(undefined)).toBeUndefined();
    expect(productId('')).toBeUndefined();
    expect(productId('corporate firewall')).toBeUndefined();
  });
});

describe('fixFor', () => {
  it('gives nginx the WebSocket upgrade map and headers for a stripped upgrade', () => {
    const fix = fixFor('upgrade-stripped', 'websocket', 'nginx/1.22.1');
    expect(fix?.proxy?.product).toBe('nginx');
    expect(fix?.proxy?.snippet).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(fix?.proxy?.snippet).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(fix?.proxy?.snippet).toContain('map $http_upgrade $connection_upgrade');
    expect(fix?.app).toMatch(/fall back/i);
  });

  it('gives nginx proxy_buffering off for buffered SSE, and the app X-Accel-Buffering', () => {
    const fix = fixFor('buffered', 'sse', 'nginx');
    expect(fix?.proxy?.snippet).toContain('location /sse {');
    expect(fix?.proxy?.snippet).toContain('proxy_buffering off;');
    expect(fix?.app).toContain('X-Accel-Buffering: no');
  });

  it('uses timeout tunnel for HAProxy WebSockets and timeout server for streams', () => {
    expect(fixFor('idle-timeout', 'websocket', 'haproxy')?.proxy?.snippet).toContain('timeout tunnel 1h');
    const sse = fixFor('idle-timeout', 'sse', 'haproxy')?.proxy?.snippet;
    expect(sse).toContain('timeout server 1h');
    expect(sse).not.toContain('timeout tunnel');
  });

  it('does not tell a client whose wss:// lost its Upgrade to prefer wss://: the path decrypted it', () => {
    expect(fixFor('upgrade-stripped', 'websocket', undefined)?.app).toMatch(/prefer wss:\/\//);
    const overTls = fixFor('upgrade-stripped', 'websocket', 'squid', { tls: true });
    expect(overTls?.app).not.toMatch(/prefer wss/);
    expect(overTls?.app).toMatch(/decrypts wss:\/\/.*exempt from inspection.*ssl_bump splice/);
    expect(overTls?.proxy?.snippet).toContain('http_upgrade_request_protocols websocket allow all');
  });

  it('takes the directives each product file gives, for the other products', () => {
    expect(fixFor('upgrade-stripped', 'websocket', 'squid')?.proxy?.snippet).toContain('http_upgrade_request_protocols websocket allow all');
    expect(fixFor('buffered', 'sse', 'lighttpd')?.proxy?.snippet).toContain('server.stream-response-body = 2');
    expect(fixFor('upgrade-stripped', 'websocket', 'lighttpd')?.proxy?.snippet).toContain(
      'proxy.header = ( "upgrade" => "enable" )',
    );
    expect(fixFor('upgrade-stripped', 'websocket', 'h2o')?.proxy?.snippet).toContain('proxy.tunnel: ON');
    expect(fixFor('upgrade-rejected', 'websocket', 'envoy')?.proxy?.snippet).toContain('upgrade_type: websocket');
    expect(fixFor('max-duration', 'sse', 'envoy')?.proxy?.snippet).toContain('timeout: 0s');
    expect(fixFor('upgrade-stripped', 'websocket', 'Apache/2.4.62')?.proxy?.snippet).toContain('upgrade=websocket');
    expect(fixFor('upgrade-stripped', 'websocket', 'varnish')?.proxy?.snippet).toContain('return (pipe);');
    expect(fixFor('buffered', 'sse', 'caddy')?.proxy?.snippet).toContain('flush_interval -1');
    expect(fixFor('idle-timeout', 'websocket', 'aws-alb')?.proxy?.snippet).toContain('idle_timeout.timeout_seconds');
    expect(fixFor('max-duration', 'websocket', 'gcp')?.proxy?.snippet).toContain('--timeout=3600');
    expect(fixFor('not-sticky', 'long-poll', 'heroku')?.proxy?.snippet).toContain('http-session-affinity');
  });

  it('gives no proxy snippet where the product needs no setting (HAProxy and Caddy pass upgrades)', () => {
    const haproxy = fixFor('upgrade-stripped', 'websocket', 'haproxy');
    expect(haproxy?.proxy).toBeUndefined();
    expect(haproxy?.app).toMatch(/fall back to SSE or long polling/i);
    expect(fixFor('upgrade-stripped', 'websocket', 'caddy')?.proxy).toBeUndefined();
  });

  it('gives only the app change when the product is unknown', () => {
    const fix = fixFor('idle-timeout', 'sse', undefined);
    expect(fix?.proxy).toBeUndefined();
    expect(fix?.app).toContain('SSE comment');
  });

  it('sets the heartbeat to half the measured cut', () => {
    expect(belowCut(60_000)).toBe(30_000);
    expect(belowCut(2_000)).toBe(1_000);
    expect(belowCut(3_300)).toBe(1_600);
    expect(belowCut(5_000)).toBe(2_000);
    expect(fixFor('idle-timeout', 'websocket', undefined, { idleCutMs: 60_000 })?.app).toContain('every 30 s (half of the 60 s cut');
    expect(fixFor('idle-timeout', 'sse', undefined, { idleCutMs: 2_000 })?.app).toContain('every 1 s');
  });

  it('has no fix for reasons that are not the path’s fault', () => {
    for (const reason of ['none', 'tester-error', 'not-run'] as const) {
      for (const t of TRANSPORTS) expect(fixFor(reason, t, 'nginx')).toBeUndefined();
    }
  });

  it('has an app change for every other reason and transport, and snippets start with a doc reference', () => {
    for (const reason of REASONS) {
      if (reason === 'none' || reason === 'tester-error' || reason === 'not-run') continue;
      for (const t of TRANSPORTS) {
        expect(fixFor(reason, t)?.app.length).toBeGreaterThan(20);
        for (const fix of fixesFor(reason, t)) {
          expect(fix.proxy?.snippet.split('\n')[0]).toMatch(/^# https?:\/\//);
          expect(fix.proxy?.snippet).not.toMatch(/undefined/);
        }
      }
    }
  });

  it('every product snippet carries the documentation URL it comes from, its label and language', () => {
    for (const p of PRODUCTS) {
      expect(p.snippetLanguage).toMatch(/^[a-z]+$/);
      for (const reason of Object.keys(p.fixes) as Array<keyof typeof p.fixes>) {
        for (const t of TRANSPORTS) {
          const fix = proxyFix(p, reason, t);
          if (!fix) continue;
          expect(fix.doc).toMatch(/^https?:\/\/\S+$/);
          expect(fix.snippet.split('\n')[0]).toBe(`# ${fix.doc}`);
          expect([fix.product, fix.label, fix.language]).toEqual([p.id, p.label, p.snippetLanguage]);
        }
      }
    }
  });
});

describe('fixesFor', () => {
  it('lists every product with a setting for WebSocket upgrades, in registry order', () => {
    const products = fixesFor('upgrade-stripped', 'websocket').map((f) => f.proxy?.product);
    expect(products).toEqual(['cloudflare', 'envoy', 'varnish', 'squid', 'trafficserver', 'tinyproxy', 'nginx', 'apache2', 'lighttpd', 'h2o']);
  });

  it('is empty when no product has a setting (upgrade reasons on non-upgrade transports)', () => {
    expect(fixesFor('upgrade-stripped', 'sse')).toEqual([]);
    expect(fixesFor('reordered', 'websocket')).toEqual([]);
  });
});
