import type { RealProductSpec } from '../product-spec';

/**
 * HAProxy: `-db` disables background mode (management guide, "Starting
 * HAProxy"), so the single process stays in the foreground; `-c` only checks.
 * Templates log to stdout (`log stdout format raw`), which the launcher captures.
 */
export const haproxy: RealProductSpec = {
  product: 'haproxy',
  binary: '/usr/sbin/haproxy',
  installHint: 'apt-get install -y haproxy',
  configFileName: 'haproxy.cfg',
  foregroundArgs: (ctx) => ['-db', '-f', ctx.configPath],
  checkArgs: (ctx) => ['-c', '-q', '-f', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /HAProxy version (\S+)/,
};
