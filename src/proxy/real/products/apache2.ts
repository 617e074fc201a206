import type { RealProductSpec } from '../product-spec';

/**
 * Apache httpd (Debian's apache2 binary, without apache2ctl and its envvars):
 * `-D FOREGROUND` keeps the parent in the foreground
 * (https://httpd.apache.org/docs/2.4/programs/httpd.html), `-d` makes WORK_DIR
 * the ServerRoot, `-t` checks the config. Templates load their own modules
 * (mpm_event, authz_core, proxy, proxy_http) from /usr/lib/apache2/modules.
 */
export const apache2: RealProductSpec = {
  product: 'apache2',
  binary: '/usr/sbin/apache2',
  installHint: 'apt-get install -y apache2',
  configFileName: 'apache2.conf',
  foregroundArgs: (ctx) => ['-D', 'FOREGROUND', '-d', ctx.workDir, '-f', ctx.configPath],
  checkArgs: (ctx) => ['-t', '-d', ctx.workDir, '-f', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /Apache\/(\S+)/,
};
