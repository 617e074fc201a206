import type { RealProductSpec } from '../product-spec';

/**
 * tinyproxy: `-d` = "Do not daemonize (run in foreground)" (tinyproxy -h). It
 * has no config-check switch; a bad config makes it exit at once, which the
 * launcher reports with its log lines.
 */
export const tinyproxy: RealProductSpec = {
  product: 'tinyproxy',
  binary: '/usr/bin/tinyproxy',
  installHint: 'apt-get install -y tinyproxy',
  configFileName: 'tinyproxy.conf',
  foregroundArgs: (ctx) => ['-d', '-c', ctx.configPath],
  versionArgs: ['-v'],
  versionPattern: /tinyproxy (\S+)/,
};
