import type { RealProductSpec } from '../product-spec';

/**
 * h2o: `-m worker` = "invoked process handles incoming connections" (the
 * default, stated so a config cannot switch to daemon mode), `-t` tests the
 * config (h2o --help).
 */
export const h2o: RealProductSpec = {
  product: 'h2o',
  binary: '/usr/bin/h2o',
  installHint: 'apt-get install -y h2o',
  configFileName: 'h2o.conf',
  foregroundArgs: (ctx) => ['-m', 'worker', '-c', ctx.configPath],
  checkArgs: (ctx) => ['-t', '-c', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /h2o version (\S+)/,
};
