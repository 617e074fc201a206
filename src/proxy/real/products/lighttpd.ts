import type { RealProductSpec } from '../product-spec';

/**
 * lighttpd 1.4: `-D` = "don't go to background", `-tt` loads the modules and
 * checks the config (lighttpd -h).
 */
export const lighttpd: RealProductSpec = {
  product: 'lighttpd',
  binary: '/usr/sbin/lighttpd',
  installHint: 'apt-get install -y lighttpd',
  configFileName: 'lighttpd.conf',
  foregroundArgs: (ctx) => ['-D', '-f', ctx.configPath],
  checkArgs: (ctx) => ['-tt', '-f', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /lighttpd\/(\S+)/,
};
