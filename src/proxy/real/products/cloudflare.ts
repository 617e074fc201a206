import { behaviourDoc, type Product } from '../product';

const WEBSOCKETS = (t: string) => (t === 'websocket' ? { doc: 'https://developers.cloudflare.com/network/websockets/', lines: ['# Dashboard: Network > WebSockets: On'] } : undefined);

/** Cloudflare (proxied, orange-cloud): settings live in the dashboard and rules, not a config file. */
export const cloudflare: Product = {
  id: 'cloudflare',
  label: 'Cloudflare',
  aliases: /cloudflare/,
  docs: behaviourDoc('cloudflare'),
  snippetLanguage: 'text',
  fingerprints: [
    // Server: cloudflare, cf-ray on every answer, 52x statuses of its own.
    { confidence: 'high', header: { name: 'server', pattern: /^cloudflare/i } },
    { confidence: 'high', present: 'cf-ray' },
    { confidence: 'high', body: { pattern: /<center>cloudflare<\/center>|cloudflare ray id|cf-error-details/i } },
    { confidence: 'medium', status: { code: 524, meaning: 'Cloudflare: "A timeout occurred"' } },
    { confidence: 'medium', status: { code: 522, meaning: 'Cloudflare: "Connection timed out"' } },
    { confidence: 'medium', present: 'cf-cache-status' },
  ],
  fixes: {
    'idle-timeout': {
      doc: 'https://developers.cloudflare.com/fundamentals/reference/connection-limits/',
      lines: ['# Proxy Read Timeout is 100-120 s and can only be raised on Enterprise plans (up to 6000 s):', '# send a heartbeat well below it (see the app change).'],
    },
    'first-byte-timeout': {
      doc: 'https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524/',
      lines: ['# A response must start within the Proxy Read Timeout (100-120 s; Enterprise up to 6000 s), else 524.'],
    },
    // Cacheable or body-inspected responses are buffered.
    buffered: (_t, path) => ({
      doc: 'https://developers.cloudflare.com/network/response-buffering/',
      lines: [`# Cache Rules: when starts_with(http.request.uri.path, "${path}") then Bypass cache,`, '# and keep the path out of Compression Rules and HTML rewriting features, which force buffering.'],
    }),
    cached: (_t, path) => ({
      doc: 'https://developers.cloudflare.com/cache/concepts/default-cache-behavior/',
      lines: [`# Cache Rules: when starts_with(http.request.uri.path, "${path}") then Bypass cache`],
    }),
    compressed: {
      doc: 'https://developers.cloudflare.com/rules/compression-rules/',
      lines: ['# Compression Rules: when http.response.content_type.media_type eq "text/event-stream" then Disable compression'],
    },
    'upgrade-rejected': WEBSOCKETS,
    'upgrade-stripped': WEBSOCKETS,
  },
};
