import { behaviourDoc, type Product } from '../product';

const TIMEOUTS = 'https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts';

const upgrade = (t: string) =>
  t !== 'websocket'
    ? undefined
    : {
        doc: 'https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades',
        lines: ['# HttpConnectionManager (keep the Buffer filter out of upgrade filter chains)', 'upgrade_configs:', '- upgrade_type: websocket'],
      };

const routeTimeout = (_t: string, path: string) => ({
  doc: TIMEOUTS,
  lines: ['routes:', `- match: { prefix: "${path}" }`, '  route:', '    cluster: backend', '    timeout: 0s   # default 15s for the complete response; 0s disables it for streams'],
});

/** Envoy (not packaged for Debian: pushthrough imitates it, see proxies/simulated/envoy-default-like.yaml). */
export const envoy: Product = {
  id: 'envoy',
  label: 'Envoy',
  aliases: /envoy/,
  docs: behaviourDoc('envoy'),
  snippetLanguage: 'yaml',
  fingerprints: [
    // Server: envoy on its local replies, x-envoy-* on proxied ones, its reply texts.
    { confidence: 'high', header: { name: 'server', pattern: /^envoy/i } },
    { confidence: 'high', present: 'x-envoy-upstream-service-time' },
    { confidence: 'medium', body: { pattern: /^(upstream request timeout|upstream connect error or disconnect\/reset before headers|no healthy upstream)/i } },
  ],
  fixes: {
    // Upgrades are refused with 403 unless upgrade_configs allows them.
    'upgrade-rejected': upgrade,
    'upgrade-stripped': upgrade,
    // The route timeout (15 s) covers the whole response.
    'max-duration': routeTimeout,
    'first-byte-timeout': routeTimeout,
    'idle-timeout': { doc: TIMEOUTS, lines: ['# HttpConnectionManager', 'stream_idle_timeout: 3600s   # default 300s'] },
    buffered: (_t, path) => ({
      doc: 'https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/buffer_filter',
      lines: [
        'routes:',
        `- match: { prefix: "${path}" }`,
        '  route: { cluster: backend }',
        '  typed_per_filter_config:',
        '    envoy.filters.http.buffer:',
        '      "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
        '      disabled: true',
      ],
    }),
  },
};
