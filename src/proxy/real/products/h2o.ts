import { behaviourDoc, type Product } from '../product';

const DOC = 'https://h2o.examp1e.net/configure/proxy_directives.html';

const upgrade = (t: string) => (t === 'websocket' ? { doc: `${DOC}#proxy.tunnel`, lines: ['proxy.tunnel: ON   # h2o 2.2 and earlier: proxy.websocket: ON'] } : undefined);

/**
 * h2o. Launch: `-m worker` = "invoked process handles incoming connections"
 * (the default, stated so a config cannot switch to daemon mode), `-t` tests
 * the config (h2o --help).
 */
export const h2o: Product = {
  id: 'h2o',
  label: 'h2o',
  aliases: /\bh2o\b/,
  docs: behaviourDoc('h2o'),
  snippetLanguage: 'yaml',
  fingerprints: [{ confidence: 'high', header: { name: 'server', pattern: /^h2o(?:\/([\d.]+))?/i, version: 1 } }],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    // proxy.timeout.io defaults to 30000 ms, and is also the first-byte default.
    'idle-timeout': { doc: `${DOC}#proxy.timeout.io`, lines: ['proxy.timeout.io: 3600000   # ms; default 30000'] },
    'first-byte-timeout': { doc: `${DOC}#proxy.timeout.first_byte`, lines: ['proxy.timeout.first_byte: 120000   # ms; defaults to proxy.timeout.io (30000)'] },
  },
  launch: {
    binary: '/usr/bin/h2o',
    debianPackage: 'h2o',
    daemons: ['h2o'],
    pidFiles: ['/run/h2o.pid'],
    configFileName: 'h2o.conf',
    foregroundArgs: (ctx) => ['-m', 'worker', '-c', ctx.configPath],
    checkArgs: (ctx) => ['-t', '-c', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /h2o version (\S+)/,
  },
};
