import * as path from 'node:path';

import { behaviourDoc, type Product } from '../product';

const RP_DOC = 'https://caddyserver.com/docs/caddyfile/directives/reverse_proxy';

/**
 * Caddy v2: WebSocket and SSE work by default. Launch: `caddy run` stays in
 * the foreground (https://caddyserver.com/docs/command-line#caddy-run);
 * `caddy validate` checks a config. XDG_* point into WORK_DIR so its data and
 * config dirs (certificates, autosave) are never written elsewhere.
 */
export const caddy: Product = {
  id: 'caddy',
  label: 'Caddy',
  aliases: /caddy/,
  docs: behaviourDoc('caddy'),
  snippetLanguage: 'caddyfile',
  fingerprints: [{ confidence: 'high', header: { name: 'server', pattern: /^Caddy/i } }],
  fixes: {
    // flush_interval -1 flushes after every write.
    buffered: { doc: `${RP_DOC}#flush_interval`, lines: ['reverse_proxy backend:8080 {', '    flush_interval -1', '}'] },
    compressed: (_t, p) => ({
      doc: 'https://caddyserver.com/docs/caddyfile/directives/encode',
      lines: [`@stream path ${p}`, 'handle @stream {', '    reverse_proxy backend:8080', '}', 'handle {', '    encode gzip', '    reverse_proxy backend:8080', '}'],
    }),
    // Streams are closed on a config reload unless stream_close_delay is set; stream_timeout caps them.
    'max-duration': {
      doc: `${RP_DOC}#stream_close_delay`,
      lines: ['reverse_proxy backend:8080 {', '    stream_close_delay 5m   # keep streams open across config reloads', '    # and remove any stream_timeout, which closes streams after a fixed time', '}'],
    },
  },
  launch: {
    binary: '/usr/bin/caddy',
    debianPackage: 'caddy',
    daemons: ['caddy'],
    pidFiles: [],
    configFileName: 'Caddyfile',
    foregroundArgs: (ctx) => ['run', '--adapter', 'caddyfile', '--config', ctx.configPath],
    checkArgs: (ctx) => ['validate', '--adapter', 'caddyfile', '--config', ctx.configPath],
    versionArgs: ['version'],
    versionPattern: /v?(\d+\.\d+\.\d+\S*)/,
    env: (ctx) => ({ XDG_DATA_HOME: path.join(ctx.workDir, 'xdg-data'), XDG_CONFIG_HOME: path.join(ctx.workDir, 'xdg-config') }),
  },
};
