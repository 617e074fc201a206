import { behaviourDoc, type Product } from '../product';

const DOC = 'http://www.squid-cache.org/Doc/config';

const upgrade = (t: string) =>
  t === 'websocket' ? { doc: `${DOC}/http_upgrade_request_protocols/`, lines: [
          '# Squid matches the protocol name case-sensitively; browsers and ws send "websocket" (measured: proxies/squid/tuned.expect.yaml)',
          'http_upgrade_request_protocols websocket allow all',
          'http_upgrade_request_protocols WebSocket allow all',
        ] } : undefined;

/**
 * Squid, as reverse proxy (accelerator) and forward proxy. Launch: `-N` =
 * "Master process runs in foreground and is a worker. No kids." (squid -h), so
 * there is one process to stop; `-k parse` checks the config. Templates keep
 * the cache in memory and set every path (pid, logs, coredumps) into WORK_DIR.
 */
export const squid: Product = {
  id: 'squid',
  label: 'Squid',
  aliases: /squid/,
  docs: behaviourDoc('squid'),
  snippetLanguage: 'squid',
  fingerprints: [
    // Via: 1.1 host (squid/5.7), X-Squid-Error, "X-Cache: MISS from host".
    { confidence: 'high', header: { name: 'via', pattern: /\(squid(?:\/([\d.]+))?\)/i, version: 1 } },
    { confidence: 'high', header: { name: 'server', pattern: /^squid(?:\/([\d.]+))?/i, version: 1 } },
    { confidence: 'high', present: 'x-squid-error' },
    { confidence: 'medium', body: { pattern: /Squid Software Foundation|Generated .* by .*\(squid/i } },
  ],
  fixes: {
    // Upgrade is not forwarded by default (the directive exists since Squid 6).
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    'idle-timeout': { doc: `${DOC}/read_timeout/`, lines: ['read_timeout 60 minutes'] },
    'max-duration': { doc: `${DOC}/client_lifetime/`, lines: ['client_lifetime 7 days'] },
    // Heuristic freshness for URLs without a query string.
    cached: { doc: `${DOC}/cache/`, lines: ['acl realtime urlpath_regex ^/(poll|long-poll|sse)', 'cache deny realtime'] },
  },
  launch: {
    binary: '/usr/sbin/squid',
    debianPackage: 'squid',
    daemons: ['squid'],
    pidFiles: ['/run/squid.pid'],
    configFileName: 'squid.conf',
    role: 'both',
    foregroundArgs: (ctx) => ['-N', '-f', ctx.configPath],
    checkArgs: (ctx) => ['-k', 'parse', '-f', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /Version (\S+)/,
    readyTimeoutMs: 40_000,
  },
};
