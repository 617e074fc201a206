import type { RealProductSpec } from '../product-spec';

/**
 * Squid: `-N` = "Master process runs in foreground and is a worker. No kids."
 * (squid -h), so there is one process to stop; `-k parse` checks the config.
 * Templates keep the cache in memory and set every path (pid, logs,
 * coredumps) into WORK_DIR.
 */
export const squid: RealProductSpec = {
  product: 'squid',
  binary: '/usr/sbin/squid',
  installHint: 'apt-get install -y squid',
  configFileName: 'squid.conf',
  foregroundArgs: (ctx) => ['-N', '-f', ctx.configPath],
  checkArgs: (ctx) => ['-k', 'parse', '-f', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /Version (\S+)/,
  readyTimeoutMs: 40_000,
};
