import * as fs from 'node:fs';
import * as path from 'node:path';

import { execToEnd } from '../exec';
import { behaviourDoc, type LaunchContext, type Product } from '../product';

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
    // squid-openssl: the same Squid built with OpenSSL, for ssl_bump (Debian's `squid` has GnuTLS and cannot
    // bump); it replaces `squid` and serves every other template alike (measured with all of them).
    debianPackage: 'squid-openssl',
    daemons: ['squid'],
    pidFiles: ['/run/squid.pid'],
    configFileName: 'squid.conf',
    role: 'both',
    foregroundArgs: (ctx) => ['-N', '-f', ctx.configPath],
    checkArgs: (ctx) => ['-k', 'parse', '-f', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /Version (\S+)/,
    readyTimeoutMs: 40_000,
    prepare: initCertificateDb,
    // Debian's `squid` (GnuTLS) has no certificate generator and no ssl-bump: a TLS-inspecting template needs squid-openssl.
    missingFor: (template) => (INTERCEPTS.test(template) && !fs.existsSync(CERTGEN) ? { path: CERTGEN, install: 'apt-get install -y squid-openssl' } : undefined),
  },
};

const CERTGEN = '/usr/lib/squid/security_file_certgen';
/** A config that intercepts TLS: its certificates come from the generator helper. */
const INTERCEPTS = /^\s*sslcrtd_program\b/m;

/**
 * A template that intercepts TLS (`sslcrtd_program`) needs the certificate
 * database of Squid's generator made first, in WORK_DIR
 * (https://www.squid-cache.org/Doc/config/sslcrtd_program/ and security_file_certgen(8):
 * `security_file_certgen -c -s DIR -M 4MB`); the template names the same DIR.
 */
async function initCertificateDb(ctx: LaunchContext): Promise<void> {
  const config = await fs.promises.readFile(ctx.configPath, 'utf8');
  if (!INTERCEPTS.test(config)) return;
  const db = path.join(ctx.workDir, 'ssl_db');
  const made = await execToEnd(CERTGEN, ['-c', '-s', db, '-M', '4MB'], { cwd: ctx.workDir, timeoutMs: 10_000 });
  if (made.code !== 0) throw new Error(`${CERTGEN} -c -s ${db} failed (exit ${made.code}): ${made.output.trim().split('\n').slice(-1)[0] ?? ''}`);
}
