import * as path from 'node:path';

import type { LaunchContext, RealProductSpec } from '../product-spec';

/**
 * nginx: `-p` makes WORK_DIR the prefix, `-g 'daemon off;'` keeps the master
 * in the foreground (nginx docs, "Command-line parameters"; daemon directive).
 * The pid file is set here too, so templates must not contain `daemon` or `pid`.
 * Debian's build logs to stderr by default (--error-log-path=stderr) and has
 * absolute temp paths under /var/lib/nginx, which templates override.
 */
export const nginx: RealProductSpec = {
  product: 'nginx',
  binary: '/usr/sbin/nginx',
  installHint: 'apt-get install -y nginx',
  configFileName: 'nginx.conf',
  foregroundArgs: (ctx) => ['-p', ctx.workDir, '-c', ctx.configPath, '-g', globals(ctx)],
  checkArgs: (ctx) => ['-t', '-q', '-p', ctx.workDir, '-c', ctx.configPath, '-g', globals(ctx)],
  versionArgs: ['-v'],
  versionPattern: /nginx\/(\S+)/,
};

function globals(ctx: LaunchContext): string {
  return `daemon off; pid ${path.join(ctx.workDir, 'nginx.pid')};`;
}
