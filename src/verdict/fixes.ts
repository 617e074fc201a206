/**
 * The fix catalog: for a reason code, a transport and (when known) the product
 * in the path, the config change on the proxy side and the change in the app.
 *
 * Every proxy snippet comes from /work/shared/reference/proxy-catalog.md, whose
 * section and source key is cited in the comment above each entry and whose
 * documentation URL is the first line of the snippet itself, so a user can
 * check it. Products that need no setting for a reason (HAProxy, Caddy and
 * Traefik pass WebSocket upgrades by default, for example) have no entry: an
 * invented directive would be worse than none.
 */
import type { Transport } from '../observation/types';
import type { Fix, Reason } from './types';

/** Products the catalog has config snippets for (ids are stable: they appear in reports). */
export const FIX_PRODUCTS = [
  'nginx',
  'haproxy',
  'apache2',
  'caddy',
  'squid',
  'varnish',
  'lighttpd',
  'h2o',
  'trafficserver',
  'envoy',
  'traefik',
  'tinyproxy',
  'aws-alb',
  'gcp-lb',
  'cloudflare',
  'heroku',
] as const;
export type FixProduct = (typeof FIX_PRODUCTS)[number];

/** Human names for the product ids, for headings. */
export const PRODUCT_LABELS: Record<FixProduct, string> = {
  nginx: 'nginx',
  haproxy: 'HAProxy',
  apache2: 'Apache httpd',
  caddy: 'Caddy',
  squid: 'Squid',
  varnish: 'Varnish',
  lighttpd: 'lighttpd',
  h2o: 'h2o',
  trafficserver: 'Apache Traffic Server',
  envoy: 'Envoy',
  traefik: 'Traefik',
  tinyproxy: 'tinyproxy',
  'aws-alb': 'AWS Application Load Balancer',
  'gcp-lb': 'Google Cloud external Application Load Balancer',
  cloudflare: 'Cloudflare',
  heroku: 'Heroku router',
};

/** The language of each product's snippet, for syntax hints (Markdown fences, HTML classes). */
export const SNIPPET_LANGUAGES: Record<FixProduct, string> = {
  nginx: 'nginx',
  haproxy: 'haproxy',
  apache2: 'apache',
  caddy: 'caddyfile',
  squid: 'squid',
  varnish: 'vcl',
  lighttpd: 'lighttpd',
  h2o: 'yaml',
  trafficserver: 'sh',
  envoy: 'yaml',
  traefik: 'yaml',
  tinyproxy: 'tinyproxy',
  'aws-alb': 'sh',
  'gcp-lb': 'sh',
  cloudflare: 'text',
  heroku: 'sh',
};

/**
 * Match a free-form product string ("nginx/1.22.1", "Apache/2.4.62 (Debian)",
 * "AWS ALB idle timeout, scaled") to a catalog id; undefined when unknown.
 * Order matters: "Apache Traffic Server" must not read as Apache httpd, and
 * "ingress-nginx" is nginx.
 */
export function productId(product: string | undefined): FixProduct | undefined {
  if (!product) return undefined;
  const p = product.toLowerCase().trim();
  if ((FIX_PRODUCTS as readonly string[]).includes(p)) return p as FixProduct;
  const rules: Array<[RegExp, FixProduct]> = [
    [/traffic[ _-]?server|\bats\b/, 'trafficserver'],
    [/tinyproxy/, 'tinyproxy'],
    [/nginx/, 'nginx'],
    [/haproxy/, 'haproxy'],
    [/lighttpd/, 'lighttpd'],
    [/apache|httpd/, 'apache2'],
    [/caddy/, 'caddy'],
    [/squid/, 'squid'],
    [/varnish/, 'varnish'],
    [/\bh2o\b/, 'h2o'],
    [/envoy/, 'envoy'],
    [/traefik/, 'traefik'],
    [/\balb\b|\belb\b|application load balancer|aws/, 'aws-alb'],
    [/\bgcp\b|google|\bgce\b|\bgfe\b/, 'gcp-lb'],
    [/cloudflare/, 'cloudflare'],
    [/heroku/, 'heroku'],
  ];
  for (const [pattern, id] of rules) if (pattern.test(p)) return id;
  return undefined;
}

/** What a renderer may know beyond reason and transport, to make the advice concrete. */
export interface FixContext {
  /** how long a stream stayed quiet before the proxy cut it, in ms (from the idle check) */
  idleCutMs?: number;
}

/** The origin path each transport uses, so snippets name a concrete location. */
const PATHS: Record<Transport, string> = {
  'short-poll': '/poll',
  'long-poll': '/long-poll',
  sse: '/sse',
  websocket: '/ws',
};

type Snippet = string | ((transport: Transport) => string | undefined);
type ProductFixes = Partial<Record<Reason, Snippet>>;

const NGX_PROXY = '# https://nginx.org/en/docs/http/ngx_http_proxy_module.html';

/** proxy-catalog.md §B1 nginx. */
const NGINX: ProductFixes = {
  // [NGX-DOC-WS][NGX-HTTP11]: Upgrade/Connection are hop-by-hop; 1.1 upstream needed before 1.29.7.
  'upgrade-stripped': nginxUpgrade,
  'upgrade-rejected': nginxUpgrade,
  // [NGX-DOC-PROXY][FSSE-17]: proxy_buffering on by default holds events.
  buffered: (t) =>
    [
      `${NGX_PROXY}#proxy_buffering`,
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    proxy_buffering off;   # or send "X-Accel-Buffering: no" from the origin',
      '    proxy_cache off;',
      '}',
    ].join('\n'),
  // [NGX-DOC-GZIP]: gzip_types is text/html only unless someone added text/event-stream.
  compressed: (t) =>
    [
      '# https://nginx.org/en/docs/http/ngx_http_gzip_module.html',
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    gzip off;   # and keep text/event-stream out of gzip_types',
      '}',
    ].join('\n'),
  // [NGX-DOC-PROXY][NGX-DOC-WS][DOKKU-49]: 60 s between two reads, WebSockets included.
  'idle-timeout': (t) =>
    [
      `${NGX_PROXY}#proxy_read_timeout`,
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    proxy_read_timeout 1h;   # default 60s between two reads from the origin',
      '    proxy_send_timeout 1h;',
      '}',
    ].join('\n'),
  // [NGX-UP-SRC]: a read timeout before the response headers is a 504.
  'first-byte-timeout': (t) =>
    [
      `${NGX_PROXY}#proxy_read_timeout`,
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    proxy_read_timeout 120s;   # longer than the long-poll hold (default 60s)',
      '}',
    ].join('\n'),
  // [NGX-DOC-PROXY]: proxy_cache is off unless configured.
  cached: (t) =>
    [`${NGX_PROXY}#proxy_cache`, `location ${PATHS[t]} {`, '    proxy_pass http://backend;', '    proxy_cache off;', '}'].join(
      '\n',
    ),
  // [NGX-DOC-PROXY][NGX-HTTP11]: HTTP/1.0 to the upstream before 1.29.7.
  'protocol-downgrade': (t) =>
    [
      `${NGX_PROXY}#proxy_http_version`,
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    proxy_http_version 1.1;   # the default only since nginx 1.29.7',
      '    proxy_set_header Connection "";',
      '}',
    ].join('\n'),
  // §A: Last-Event-ID is end-to-end; make sure a custom header set does not drop it.
  'no-resume': (t) =>
    [
      `${NGX_PROXY}#proxy_set_header`,
      `location ${PATHS[t]} {`,
      '    proxy_pass http://backend;',
      '    proxy_set_header Last-Event-ID $http_last_event_id;',
      '}',
    ].join('\n'),
  // [NGX-DOC-UPSTREAM]: round-robin by default; ip_hash / hash / sticky (OSS since 1.29.6).
  'not-sticky': [
    '# https://nginx.org/en/docs/http/ngx_http_upstream_module.html#ip_hash',
    'upstream backend {',
    '    ip_hash;   # or "sticky" (open-source nginx since 1.29.6)',
    '    server 10.0.0.1:8080;',
    '    server 10.0.0.2:8080;',
    '}',
  ].join('\n'),
};

function nginxUpgrade(t: Transport): string | undefined {
  if (t !== 'websocket') return undefined;
  return [
    '# https://nginx.org/en/docs/http/websocket.html',
    'map $http_upgrade $connection_upgrade {   # in the http {} block',
    '    default upgrade;',
    "    ''      close;",
    '}',
    `location ${PATHS[t]} {`,
    '    proxy_pass http://backend;',
    '    proxy_http_version 1.1;   # needed before nginx 1.29.7',
    '    proxy_set_header Upgrade $http_upgrade;',
    '    proxy_set_header Connection $connection_upgrade;',
    '}',
  ].join('\n');
}

const HAP_DOC = '# https://docs.haproxy.org/ (configuration.txt)';

/** proxy-catalog.md §B3 HAProxy: upgrades and streaming work by default; timeouts do not. */
const HAPROXY: ProductFixes = {
  // [HAP-CFG][HAP-COMP-SRC]: without a type list every type is compressed.
  compressed: [
    `${HAP_DOC} "compression"`,
    '# list the types explicitly: without a list HAProxy compresses text/event-stream too',
    'compression algo gzip',
    'compression type text/html text/plain text/css application/javascript application/json',
  ].join('\n'),
  // [HAP-CFG][HA-11708][HARP-115]: upgraded connections use timeout tunnel, else client/server.
  'idle-timeout': (t) =>
    t === 'websocket'
      ? [`${HAP_DOC} "timeout tunnel"`, 'defaults', '    timeout tunnel 1h', '    timeout client-fin 30s'].join('\n')
      : [`${HAP_DOC} "timeout server"`, 'defaults', '    timeout client 1h', '    timeout server 1h'].join('\n'),
  // [HAP-CFG]: 504 when the response timeout strikes before the server responds.
  'first-byte-timeout': [`${HAP_DOC} "timeout server"`, 'defaults', '    timeout server 2m   # longer than the long-poll hold'].join(
    '\n',
  ),
  // [HAP-CFG]: cookie persistence.
  'not-sticky': [
    `${HAP_DOC} "cookie"`,
    'backend app',
    '    balance roundrobin',
    '    cookie SRV insert indirect nocache',
    '    server app1 10.0.0.1:8080 cookie app1',
    '    server app2 10.0.0.2:8080 cookie app2',
  ].join('\n'),
  'connection-limit': [`${HAP_DOC} "maxconn"`, 'global', '    maxconn 20000', 'frontend web', '    maxconn 20000'].join('\n'),
};

const APA_PROXY = '# https://httpd.apache.org/docs/2.4/mod/mod_proxy.html';

/** proxy-catalog.md §B4 Apache httpd 2.4. */
const APACHE: ProductFixes = {
  // [APA-PROXY][APA-WST]: upgrade= since 2.4.47, mod_proxy_wstunnel before.
  'upgrade-stripped': apacheUpgrade,
  'upgrade-rejected': apacheUpgrade,
  // [APA-PROXY][NCAIO-4343]: mod_proxy_http flushes already; flushpackets for the other backends.
  buffered: (t) =>
    [
      `${APA_PROXY}#proxypass (flushpackets)`,
      `ProxyPass "${PATHS[t]}" "http://backend:8080${PATHS[t]}" flushpackets=on`,
      '# also check mod_deflate, HTTP/2 and FastCGI output buffers in front of the stream',
    ].join('\n'),
  // mod_deflate honours the no-gzip environment variable.
  compressed: (t) =>
    ['# https://httpd.apache.org/docs/2.4/mod/mod_deflate.html', `<Location "${PATHS[t]}">`, '    SetEnv no-gzip 1', '</Location>'].join(
      '\n',
    ),
  // [APA-PROXY][APA-HTTPD-H]: ProxyTimeout defaults to Timeout = 60 s.
  'idle-timeout': (t) =>
    [`${APA_PROXY}#proxytimeout`, `ProxyPass "${PATHS[t]}" "http://backend:8080${PATHS[t]}" timeout=3600`, '# or globally: ProxyTimeout 3600'].join(
      '\n',
    ),
  'first-byte-timeout': (t) =>
    [`${APA_PROXY}#proxytimeout`, `ProxyPass "${PATHS[t]}" "http://backend:8080${PATHS[t]}" timeout=120`].join('\n'),
  'not-sticky': [
    '# https://httpd.apache.org/docs/2.4/mod/mod_proxy_balancer.html',
    'Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED',
    '<Proxy "balancer://app">',
    '    BalancerMember "http://10.0.0.1:8080" route=1',
    '    BalancerMember "http://10.0.0.2:8080" route=2',
    '    ProxySet stickysession=ROUTEID',
    '</Proxy>',
  ].join('\n'),
  cached: (t) => ['# https://httpd.apache.org/docs/2.4/mod/mod_cache.html#cachedisable', `CacheDisable "${PATHS[t]}"`].join('\n'),
};

function apacheUpgrade(t: Transport): string | undefined {
  if (t !== 'websocket') return undefined;
  return [
    `${APA_PROXY}#protoupgrade`,
    '# Apache 2.4.47 and later:',
    'ProxyPass "/ws" "http://backend:8080/ws" upgrade=websocket',
    '# 2.4.46 and earlier (a2enmod proxy_wstunnel):',
    '# ProxyPass "/ws" "ws://backend:8080/ws"',
  ].join('\n');
}

const CADDY_RP = '# https://caddyserver.com/docs/caddyfile/directives/reverse_proxy';

/** proxy-catalog.md §B5 Caddy: WebSocket and SSE work by default. */
const CADDY: ProductFixes = {
  // [CAD-RP][CAD-STREAM]: flush_interval -1 flushes after every write.
  buffered: [`${CADDY_RP}#flush_interval`, 'reverse_proxy backend:8080 {', '    flush_interval -1', '}'].join('\n'),
  // [CAD-ENC]: encode withheld SSE headers until commit df44d6c; keep the stream out of encode.
  compressed: (t) =>
    [
      '# https://caddyserver.com/docs/caddyfile/directives/encode',
      `@stream path ${PATHS[t]}`,
      'handle @stream {',
      '    reverse_proxy backend:8080',
      '}',
      'handle {',
      '    encode gzip',
      '    reverse_proxy backend:8080',
      '}',
    ].join('\n'),
  // [CAD-RP]: streams are closed on config reload unless stream_close_delay is set; stream_timeout caps them.
  'max-duration': [
    `${CADDY_RP}#stream_close_delay`,
    'reverse_proxy backend:8080 {',
    '    stream_close_delay 5m   # keep streams open across config reloads',
    '    # and remove any stream_timeout, which closes streams after a fixed time',
    '}',
  ].join('\n'),
};

const SQUID_DOC = '# http://www.squid-cache.org/Doc/config/';

/** proxy-catalog.md §B6 Squid. */
const SQUID: ProductFixes = {
  // [SQ-CF][SQ-PR481]: Upgrade is not forwarded by default (directive since Squid 6).
  'upgrade-stripped': (t) =>
    t === 'websocket' ? [`${SQUID_DOC}http_upgrade_request_protocols/`, 'http_upgrade_request_protocols WebSocket allow all'].join('\n') : undefined,
  'upgrade-rejected': (t) =>
    t === 'websocket' ? [`${SQUID_DOC}http_upgrade_request_protocols/`, 'http_upgrade_request_protocols WebSocket allow all'].join('\n') : undefined,
  // [SQ-CF]: read_timeout 15 minutes.
  'idle-timeout': [`${SQUID_DOC}read_timeout/`, 'read_timeout 60 minutes'].join('\n'),
  // [SQ-CF]: client_lifetime 1 day.
  'max-duration': [`${SQUID_DOC}client_lifetime/`, 'client_lifetime 7 days'].join('\n'),
  // [SQ-CF]: heuristic freshness for URLs without a query string.
  cached: [`${SQUID_DOC}cache/`, 'acl realtime urlpath_regex ^/(poll|long-poll|sse)', 'cache deny realtime'].join('\n'),
};

/** proxy-catalog.md §B7 Varnish. */
const VARNISH: ProductFixes = {
  // [VAR-WS]: pipe upgrades and copy the hop-by-hop headers back.
  'upgrade-stripped': varnishUpgrade,
  'upgrade-rejected': varnishUpgrade,
  // [VAR-BUILTIN][VAR-PARAMS]: un-annotated GETs get default_ttl 2 min.
  cached: [
    '# https://varnish-cache.org/docs/trunk/users-guide/vcl-built-in-subs.html',
    'sub vcl_recv {',
    '    if (req.url ~ "^/(poll|long-poll|sse)") {',
    '        return (pass);',
    '    }',
    '}',
  ].join('\n'),
  // [VAR-VAR]: beresp.do_stream delivers while fetching.
  buffered: [
    '# https://varnish-cache.org/docs/trunk/reference/vcl-var.html#beresp-do-stream',
    'sub vcl_recv {',
    '    if (req.url ~ "^/sse") {',
    '        return (pass);',
    '    }',
    '}',
    'sub vcl_backend_response {',
    '    set beresp.do_stream = true;',
    '}',
  ].join('\n'),
  // [VAR-PARAMS]: http_gzip_support rewrites Accept-Encoding to ask the origin for gzip.
  compressed: [
    '# https://varnish-cache.org/docs/trunk/users-guide/compression.html',
    'sub vcl_recv {',
    '    if (req.url ~ "^/sse") {',
    '        unset req.http.accept-encoding;',
    '        return (pass);',
    '    }',
    '}',
  ].join('\n'),
  // [VAR-PARAMS]: between_bytes_timeout 60, pipe_timeout 60.
  'idle-timeout': (t) =>
    [
      '# https://varnish-cache.org/docs/trunk/reference/varnishd.html#list-of-parameters',
      t === 'websocket' ? 'varnishadm param.set pipe_timeout 3600' : 'varnishadm param.set between_bytes_timeout 3600',
    ].join('\n'),
  'first-byte-timeout': [
    '# https://varnish-cache.org/docs/trunk/reference/varnishd.html#first-byte-timeout',
    'varnishadm param.set first_byte_timeout 120',
  ].join('\n'),
  // [VAR-PARAMS]: send_timeout 600 s is the total time for a response, so SSE ends at 10 min.
  'max-duration': ['# https://varnish-cache.org/docs/trunk/reference/varnishd.html#send-timeout', 'varnishadm param.set send_timeout 86400'].join(
    '\n',
  ),
};

function varnishUpgrade(t: Transport): string | undefined {
  if (t !== 'websocket') return undefined;
  return [
    '# https://varnish-cache.org/docs/trunk/users-guide/vcl-example-websockets.html',
    'sub vcl_recv {',
    '    if (req.http.upgrade ~ "(?i)websocket") {',
    '        return (pipe);',
    '    }',
    '}',
    'sub vcl_pipe {',
    '    if (req.http.upgrade) {',
    '        set bereq.http.upgrade = req.http.upgrade;',
    '        set bereq.http.connection = req.http.connection;',
    '    }',
    '}',
  ].join('\n');
}

/** proxy-catalog.md §B8 lighttpd. */
const LIGHTTPD: ProductFixes = {
  // [LIG-PROXY][LIG-GW]
  'upgrade-stripped': (t) =>
    t === 'websocket' ? ['# https://redmine.lighttpd.net/projects/lighttpd/wiki/Mod_proxy', 'proxy.header = ( "upgrade" => "enable" )'].join('\n') : undefined,
  'upgrade-rejected': (t) =>
    t === 'websocket' ? ['# https://redmine.lighttpd.net/projects/lighttpd/wiki/Mod_proxy', 'proxy.header = ( "upgrade" => "enable" )'].join('\n') : undefined,
  // [LIG-WIKI]: the default 0 buffers the whole response body.
  buffered: [
    '# https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_stream-response-bodyDetails',
    'server.stream-response-body = 2',
  ].join('\n'),
};

const H2O_DOC = '# https://h2o.examp1e.net/configure/proxy_directives.html';

/** proxy-catalog.md §B9 h2o. */
const H2O: ProductFixes = {
  // [H2O-DOC][H2O-DOC-OLD]
  'upgrade-stripped': (t) => (t === 'websocket' ? [`${H2O_DOC}#proxy.tunnel`, 'proxy.tunnel: ON   # h2o 2.2 and earlier: proxy.websocket: ON'].join('\n') : undefined),
  'upgrade-rejected': (t) => (t === 'websocket' ? [`${H2O_DOC}#proxy.tunnel`, 'proxy.tunnel: ON   # h2o 2.2 and earlier: proxy.websocket: ON'].join('\n') : undefined),
  // [H2O-DOC]: proxy.timeout.io 30000 ms, also the default for first_byte.
  'idle-timeout': [`${H2O_DOC}#proxy.timeout.io`, 'proxy.timeout.io: 3600000   # ms; default 30000'].join('\n'),
  'first-byte-timeout': [`${H2O_DOC}#proxy.timeout.first_byte`, 'proxy.timeout.first_byte: 120000   # ms; defaults to proxy.timeout.io (30000)'].join(
    '\n',
  ),
};

const ATS_REC = '# https://docs.trafficserver.apache.org/en/latest/admin-guide/files/records.yaml.en.html';

/** proxy-catalog.md §B10 Apache Traffic Server. */
const TRAFFICSERVER: ProductFixes = {
  // [ATS-REMAP]: upgrades need a ws/wss remap rule.
  'upgrade-stripped': atsUpgrade,
  'upgrade-rejected': atsUpgrade,
  // [ATS-REC]: 30 s no-activity for transactions, 600 s for WebSockets.
  'idle-timeout': (t) =>
    t === 'websocket'
      ? [ATS_REC, 'traffic_ctl config set proxy.config.websocket.no_activity_timeout 3600'].join('\n')
      : [
          ATS_REC,
          'traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_in 3600',
          'traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_out 3600',
        ].join('\n'),
  'first-byte-timeout': [ATS_REC, 'traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_out 120'].join('\n'),
  // [ATS-REC][ATS-PERF]: client transactions end after 900 s; WebSockets after 3600 s.
  'max-duration': (t) =>
    t === 'websocket'
      ? [ATS_REC, 'traffic_ctl config set proxy.config.websocket.active_timeout 86400'].join('\n')
      : [ATS_REC, 'traffic_ctl config set proxy.config.http.transaction_active_timeout_in 0   # 0 = no limit'].join('\n'),
};

function atsUpgrade(t: Transport): string | undefined {
  if (t !== 'websocket') return undefined;
  return [
    '# https://docs.trafficserver.apache.org/en/latest/admin-guide/files/remap.config.en.html',
    '# remap.config: upgrades need a rule with the ws (or wss) scheme',
    'map ws://proxy.example.com/ws ws://origin.example.com:8080/ws',
  ].join('\n');
}

const ENVOY_TO = '# https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts';

/** proxy-catalog.md §B11 Envoy. */
const ENVOY: ProductFixes = {
  // [ENV-UPG][ENV-CM]: upgrades are refused with 403 unless upgrade_configs allows them.
  'upgrade-rejected': envoyUpgrade,
  'upgrade-stripped': envoyUpgrade,
  // [ENV-TO][ESCP-16]: the route timeout (15 s) covers the whole response.
  'max-duration': (t) =>
    [
      ENVOY_TO,
      'routes:',
      `- match: { prefix: "${PATHS[t]}" }`,
      '  route:',
      '    cluster: backend',
      '    timeout: 0s   # default 15s for the complete response; 0s disables it for streams',
    ].join('\n'),
  'first-byte-timeout': (t) =>
    [ENVOY_TO, 'routes:', `- match: { prefix: "${PATHS[t]}" }`, '  route:', '    cluster: backend', '    timeout: 0s   # default 15s'].join('\n'),
  // [ENV-TO]: stream_idle_timeout 5 min on the HTTP connection manager.
  'idle-timeout': [ENVOY_TO, '# HttpConnectionManager', 'stream_idle_timeout: 3600s   # default 300s'].join('\n'),
  // [ENV-UPG]: the Buffer filter buffers whole bodies; turn it off for the stream's route.
  buffered: (t) =>
    [
      '# https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/buffer_filter',
      'routes:',
      `- match: { prefix: "${PATHS[t]}" }`,
      '  route: { cluster: backend }',
      '  typed_per_filter_config:',
      '    envoy.filters.http.buffer:',
      '      "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
      '      disabled: true',
    ].join('\n'),
};

function envoyUpgrade(t: Transport): string | undefined {
  if (t !== 'websocket') return undefined;
  return [
    '# https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades',
    '# HttpConnectionManager (keep the Buffer filter out of upgrade filter chains)',
    'upgrade_configs:',
    '- upgrade_type: websocket',
  ].join('\n');
}

/** proxy-catalog.md §B12 Traefik: WebSocket and SSE work by default. */
const TRAEFIK: ProductFixes = {
  // [TRF-COMP]: the compress middleware excludes only gRPC by default.
  compressed: [
    '# https://doc.traefik.io/traefik/middlewares/http/compress/',
    'http:',
    '  middlewares:',
    '    compress:',
    '      compress:',
    '        excludedContentTypes:',
    '          - text/event-stream',
  ].join('\n'),
  // [TRF-STATIC][TRF-8668]: idle connections dropped at 180 s.
  'idle-timeout': [
    '# https://doc.traefik.io/traefik/routing/entrypoints/#respondingtimeouts',
    'entryPoints:',
    '  web:',
    '    transport:',
    '      respondingTimeouts:',
    '        idleTimeout: 3600s   # default 180s',
  ].join('\n'),
  'not-sticky': [
    '# https://doc.traefik.io/traefik/routing/services/#sticky-sessions',
    'http:',
    '  services:',
    '    app:',
    '      loadBalancer:',
    '        sticky:',
    '          cookie:',
    '            name: app_affinity',
  ].join('\n'),
};

/** proxy-catalog.md §C2 tinyproxy. */
const TINYPROXY: ProductFixes = {
  // [TP-REQS][TP-CONF]: plain ws:// loses Upgrade; wss:// goes through CONNECT.
  'upgrade-stripped': (t) =>
    t === 'websocket'
      ? [
          '# https://tinyproxy.github.io/ (tinyproxy.conf)',
          '# tinyproxy drops Upgrade on plain ws://; serve wss:// so clients tunnel with CONNECT',
          'ConnectPort 443',
        ].join('\n')
      : undefined,
  // [TP-CONF]: Timeout 600 s of inactivity.
  'idle-timeout': ['# https://tinyproxy.github.io/ (tinyproxy.conf)', 'Timeout 3600'].join('\n'),
  // [TP-CONF]: MaxClients 100.
  'connection-limit': ['# https://tinyproxy.github.io/ (tinyproxy.conf)', 'MaxClients 1000'].join('\n'),
};

const ALB_ATTR = '# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html';

/** proxy-catalog.md §D1 AWS ALB: 60 s idle timeout, stickiness off. */
const AWS_ALB: ProductFixes = {
  // [AWS-ALB-ATTR][MM-8929]
  'idle-timeout': [
    ALB_ATTR,
    'aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \\',
    '  --attributes Key=idle_timeout.timeout_seconds,Value=300',
  ].join('\n'),
  // [AWS-EKS504]: no response within the idle timeout is a 504.
  'first-byte-timeout': [
    ALB_ATTR,
    'aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \\',
    '  --attributes Key=idle_timeout.timeout_seconds,Value=120',
  ].join('\n'),
  // [AWS-ALB-STICKY]
  'not-sticky': [
    '# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html',
    'aws elbv2 modify-target-group-attributes --target-group-arn "$TG_ARN" \\',
    '  --attributes Key=stickiness.enabled,Value=true Key=stickiness.type,Value=lb_cookie',
  ].join('\n'),
};

const GCP_TIMEOUT = [
  '# https://cloud.google.com/load-balancing/docs/backend-service#timeout-setting',
  '# default 30 s; for WebSockets it is the maximum connection lifetime, not an idle timeout',
  'gcloud compute backend-services update BACKEND_SERVICE --global --timeout=3600',
].join('\n');

/** proxy-catalog.md §D5 GCP external Application Load Balancer. */
const GCP_LB: ProductFixes = {
  // [GCP-TSEC][GCE-WS][ZUUL-GCP]
  'idle-timeout': GCP_TIMEOUT,
  'max-duration': GCP_TIMEOUT,
  'first-byte-timeout': GCP_TIMEOUT,
  'not-sticky': [
    '# https://cloud.google.com/load-balancing/docs/backend-service#session_affinity',
    'gcloud compute backend-services update BACKEND_SERVICE --global --session-affinity=GENERATED_COOKIE',
  ].join('\n'),
};

/** proxy-catalog.md §E1 Cloudflare: settings live in the dashboard / rules, not a config file. */
const CLOUDFLARE: ProductFixes = {
  // [CF-LIM][CF-LIM-LIVE][CF-524][CF-4078]
  'idle-timeout': [
    '# https://developers.cloudflare.com/fundamentals/reference/connection-limits/',
    '# Proxy Read Timeout is 100-120 s and can only be raised on Enterprise plans (up to 6000 s):',
    '# send a heartbeat well below it (see the app change).',
  ].join('\n'),
  'first-byte-timeout': [
    '# https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524/',
    '# A response must start within the Proxy Read Timeout (100-120 s; Enterprise up to 6000 s), else 524.',
  ].join('\n'),
  // [CF-BUF]: cacheable or body-inspected responses are buffered.
  buffered: (t) =>
    [
      '# https://developers.cloudflare.com/network/response-buffering/',
      `# Cache Rules: when starts_with(http.request.uri.path, "${PATHS[t]}") then Bypass cache,`,
      '# and keep the path out of Compression Rules and HTML rewriting features, which force buffering.',
    ].join('\n'),
  // [CF-CACHE][GL-8457]
  cached: (t) =>
    [
      '# https://developers.cloudflare.com/cache/concepts/default-cache-behavior/',
      `# Cache Rules: when starts_with(http.request.uri.path, "${PATHS[t]}") then Bypass cache`,
    ].join('\n'),
  // [CF-COMP]
  compressed: [
    '# https://developers.cloudflare.com/rules/compression-rules/',
    '# Compression Rules: when http.response.content_type.media_type eq "text/event-stream" then Disable compression',
  ].join('\n'),
  // [CF-WS]
  'upgrade-rejected': (t) =>
    t === 'websocket' ? ['# https://developers.cloudflare.com/network/websockets/', '# Dashboard: Network > WebSockets: On'].join('\n') : undefined,
  'upgrade-stripped': (t) =>
    t === 'websocket' ? ['# https://developers.cloudflare.com/network/websockets/', '# Dashboard: Network > WebSockets: On'].join('\n') : undefined,
};

/** proxy-catalog.md §E3 Heroku router: 30 s first byte, 55 s rolling idle window, neither adjustable. */
const HEROKU: ProductFixes = {
  // [HK-RT][HK-H12]
  'idle-timeout': [
    '# https://devcenter.heroku.com/articles/request-timeout',
    '# The 55 s rolling idle window cannot be changed: send at least one byte every 55 s (see the app change).',
  ].join('\n'),
  'first-byte-timeout': [
    '# https://devcenter.heroku.com/articles/request-timeout',
    '# The first byte must leave within 30 s (H12 otherwise); hold long polls for less than that.',
  ].join('\n'),
  // [SIO-MN-ZH][HK-SIO]
  'not-sticky': ['# https://devcenter.heroku.com/articles/session-affinity', 'heroku features:enable http-session-affinity -a APP_NAME'].join('\n'),
};

const CATALOG: Record<FixProduct, ProductFixes> = {
  nginx: NGINX,
  haproxy: HAPROXY,
  apache2: APACHE,
  caddy: CADDY,
  squid: SQUID,
  varnish: VARNISH,
  lighttpd: LIGHTTPD,
  h2o: H2O,
  trafficserver: TRAFFICSERVER,
  envoy: ENVOY,
  traefik: TRAEFIK,
  tinyproxy: TINYPROXY,
  'aws-alb': AWS_ALB,
  'gcp-lb': GCP_LB,
  cloudflare: CLOUDFLARE,
  heroku: HEROKU,
};

/** Reasons that describe the tester or a cell that did not run: nothing to fix in the path. */
const NO_FIX: ReadonlySet<Reason> = new Set<Reason>(['none', 'tester-error', 'not-run']);

/**
 * A heartbeat interval comfortably below a measured cut: half of it, as
 * Pusher does after a 1006 (proxy-catalog.md §C4 [PUSHER-1006]); intervals
 * equal to the timeout still fail ([MM-8929]: 60 s pings behind a 60 s ALB).
 */
export function heartbeatBelow(idleCutMs: number): number {
  const half = idleCutMs / 2;
  return half >= 2000 ? Math.floor(half / 1000) * 1000 : Math.max(100, Math.floor(half / 100) * 100);
}

function formatInterval(ms: number): string {
  return ms >= 1000 ? `${trimZeros((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

function trimZeros(text: string): string {
  return text.replace(/\.0$/, '');
}

function heartbeatPhrase(ctx: FixContext): string {
  if (ctx.idleCutMs !== undefined && ctx.idleCutMs > 0) {
    return `every ${formatInterval(heartbeatBelow(ctx.idleCutMs))} (half of the ${formatInterval(ctx.idleCutMs)} cut measured here)`;
  }
  return 'every 25 s (below the 30-60 s idle timeouts common in proxies and load balancers)';
}

/** The app-side change for a reason, worded for the transport. */
function appFix(reason: Reason, transport: Transport, ctx: FixContext): string | undefined {
  const every = heartbeatPhrase(ctx);
  switch (reason) {
    case 'upgrade-rejected':
    case 'upgrade-stripped':
      return transport === 'websocket'
        ? 'Fall back to SSE or long polling when the WebSocket handshake does not answer 101 (as Socket.IO and SignalR do), and prefer wss://: inside TLS the Upgrade header is invisible to intermediaries that would strip it.'
        : 'The proxy interfered with the HTTP upgrade; this transport does not upgrade, so check the proxy configuration for this path.';
    case 'buffered':
      return transport === 'sse'
        ? 'Send `X-Accel-Buffering: no` and `Cache-Control: no-cache, no-transform` on the event stream and flush after every event; if the proxy still buffers, fall back to long polling.'
        : 'Send `X-Accel-Buffering: no` and `Cache-Control: no-store` on the response and flush it as soon as the data is ready.';
    case 'compressed':
      return 'Do not compress `text/event-stream` (exclude it in your compression middleware) and send `Cache-Control: no-transform` so intermediaries leave the stream alone; if you must compress, flush the compressor after every event.';
    case 'idle-timeout':
      switch (transport) {
        case 'sse':
          return `Send an SSE comment line (\`:\\n\\n\`) ${every}; EventSource ignores it, and it keeps the stream from looking idle.`;
        case 'websocket':
          return `Send a WebSocket ping (or a small application heartbeat message) ${every}, and reconnect with backoff when the socket closes.`;
        case 'long-poll':
          return `Answer each held long-poll with an empty response before the proxy cuts it: hold for less than the cut, or send a byte ${every}.`;
        default:
          return `Keep each request shorter than the proxy's idle timeout; for anything held open, send data ${every}.`;
      }
    case 'max-duration':
      switch (transport) {
        case 'sse':
          return 'Close the stream from the server before the cap and let EventSource reconnect with `Last-Event-ID` (send `id:` on every event and keep a replay buffer), so nothing is lost at the cut.';
        case 'websocket':
          return 'Re-open the WebSocket before the cap and resume from the last sequence number the client saw.';
        default:
          return 'Hold each request for less than the proxy’s maximum response time (e.g. 20 s) and re-poll.';
      }
    case 'first-byte-timeout':
      return transport === 'long-poll'
        ? 'Hold long-poll requests for less than the proxy’s first-byte timeout (answer empty after 20 s at most, then re-poll).'
        : 'Send the response headers and a first byte (an SSE comment line) as soon as the stream opens, before the first event.';
    case 'cached':
      return 'Send `Cache-Control: no-store` on poll, long-poll and event-stream responses (and no `Last-Modified` without an explicit lifetime), so shared caches never replay an old answer.';
    case 'protocol-downgrade':
      return 'The proxy talks HTTP/1.0 to the origin: responses can only end by closing the connection and nothing is kept alive. Send `Content-Length` on poll answers and expect one connection per request.';
    case 'message-loss':
      return 'Give every event an id (SSE `id:` lines, a sequence number in WebSocket messages), detect gaps on the client and ask for a replay from the last id it saw.';
    case 'reordered':
      return 'Put a sequence number in every event and reorder (and de-duplicate) on the client.';
    case 'no-resume':
      return transport === 'sse'
        ? 'Send `id:` on every event and keep a replay buffer; because this path loses the `Last-Event-ID` header on reconnect, also accept the last id as a query parameter (e.g. `?lastEventId=42`).'
        : 'Send the last sequence number the client saw when it reconnects (as a query parameter), and replay from there on the server.';
    case 'message-too-large':
      return 'Split large messages into chunks below the limit, or send a reference and fetch the payload with an ordinary request.';
    case 'connection-limit':
      return 'Share one stream per browser across tabs (BroadcastChannel or a SharedWorker), or serve it over HTTP/2: browsers allow only 6 HTTP/1.1 connections per host, and WebSockets do not count against that limit.';
    case 'not-sticky':
      return 'Enable sticky sessions at the load balancer, or keep session state in a shared store so any backend can answer the next poll; WebSocket-only clients do not need stickiness.';
    case 'proxy-error':
      return 'The proxy answered with an error of its own: check its error log and that it can reach the origin.';
    default:
      return undefined;
  }
}

/**
 * The fix for one failed or degraded cell: the product's config snippet when
 * the product is known and the catalog has a setting for it, and the app-side
 * change. Undefined for reasons that need no fix (`none`, `tester-error`,
 * `not-run`).
 *
 * @param product free-form product name ("nginx/1.22.1") or a catalog id
 * @param ctx measured facts that make the advice concrete (the idle cut)
 */
export function fixFor(reason: Reason, transport: Transport, product?: string, ctx: FixContext = {}): Fix | undefined {
  if (NO_FIX.has(reason)) return undefined;
  const app = appFix(reason, transport, ctx);
  if (app === undefined) return undefined;
  const id = productId(product);
  const snippet = id === undefined ? undefined : snippetFor(id, reason, transport);
  return snippet === undefined || id === undefined ? { app } : { proxy: { product: id, snippet }, app };
}

/**
 * Every product's fix for a reason and transport (catalog order), for reports
 * where the product in the path is unknown. Products without a setting for
 * the reason are left out; the list is empty when no product has one.
 */
export function fixesFor(reason: Reason, transport: Transport, ctx: FixContext = {}): Fix[] {
  const fixes: Fix[] = [];
  for (const id of FIX_PRODUCTS) {
    const fix = fixFor(reason, transport, id, ctx);
    if (fix?.proxy) fixes.push(fix);
  }
  return fixes;
}

function snippetFor(id: FixProduct, reason: Reason, transport: Transport): string | undefined {
  const entry = CATALOG[id][reason];
  if (entry === undefined) return undefined;
  return typeof entry === 'string' ? entry : entry(transport);
}
