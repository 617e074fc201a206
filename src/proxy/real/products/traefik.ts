import { behaviourDoc, type Product } from '../product';

/** Traefik v2/v3 (not packaged for Debian). WebSocket and SSE work by default. */
export const traefik: Product = {
  id: 'traefik',
  label: 'Traefik',
  aliases: /traefik/,
  docs: behaviourDoc('traefik'),
  snippetLanguage: 'yaml',
  // No Server header; Go's plain-text replies are only a weak hint.
  fingerprints: [{ confidence: 'low', body: { pattern: /^404 page not found\s*$/ } }],
  fixes: {
    // The compress middleware excludes only gRPC by default.
    compressed: {
      doc: 'https://doc.traefik.io/traefik/middlewares/http/compress/',
      lines: ['http:', '  middlewares:', '    compress:', '      compress:', '        excludedContentTypes:', '          - text/event-stream'],
    },
    'idle-timeout': {
      doc: 'https://doc.traefik.io/traefik/routing/entrypoints/#respondingtimeouts',
      lines: ['entryPoints:', '  web:', '    transport:', '      respondingTimeouts:', '        idleTimeout: 3600s   # default 180s'],
    },
    'not-sticky': {
      doc: 'https://doc.traefik.io/traefik/routing/services/#sticky-sessions',
      lines: ['http:', '  services:', '    app:', '      loadBalancer:', '        sticky:', '          cookie:', '            name: app_affinity'],
    },
  },
};
