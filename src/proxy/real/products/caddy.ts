import * as path from 'node:path';

import type { RealProductSpec } from '../product-spec';

/**
 * Caddy v2: `caddy run` stays in the foreground (https://caddyserver.com/docs/command-line#caddy-run);
 * `caddy validate` checks a config. HOME and XDG_* point into WORK_DIR so its
 * data/config dirs (certificates, autosave) are never written elsewhere.
 */
export const caddy: RealProductSpec = {
  product: 'caddy',
  binary: '/usr/bin/caddy',
  installHint: 'apt-get install -y caddy',
  configFileName: 'Caddyfile',
  foregroundArgs: (ctx) => ['run', '--adapter', 'caddyfile', '--config', ctx.configPath],
  checkArgs: (ctx) => ['validate', '--adapter', 'caddyfile', '--config', ctx.configPath],
  versionArgs: ['version'],
  versionPattern: /v?(\d+\.\d+\.\d+\S*)/,
  env: (ctx) => ({
    XDG_DATA_HOME: path.join(ctx.workDir, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(ctx.workDir, 'xdg-config'),
  }),
};
