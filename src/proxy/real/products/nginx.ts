import * as path from 'node:path';

import { behaviourDoc, type LaunchContext, type Product } from '../product';

const PROXY_DOC = 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html';

/** A `location` block for the transport's path with the given directives. */
const location = (doc: string, directives: string[]) => (_t: unknown, path: string) => ({
  doc,
  lines: [`location ${path} {`, '    proxy_pass http://backend;', ...directives.map((d) => `    ${d}`), '}'],
});

const upgrade = (t: string, path: string) =>
  t !== 'websocket'
    ? undefined
    : {
        doc: 'https://nginx.org/en/docs/http/websocket.html',
        lines: [
          'map $http_upgrade $connection_upgrade {   # in the http {} block',
          '    default upgrade;',
          "    ''      close;",
          '}',
          `location ${path} {`,
          '    proxy_pass http://backend;',
          '    proxy_http_version 1.1;   # needed before nginx 1.29.7',
          '    proxy_set_header Upgrade $http_upgrade;',
          '    proxy_set_header Connection $connection_upgrade;',
          '}',
        ],
      };

/**
 * nginx (open source). Launch: `-p` makes WORK_DIR the prefix, `-g 'daemon
 * off;'` keeps the master in the foreground
 * (https://nginx.org/en/docs/switches.html); the pid file is set here too, so
 * templates must not contain `daemon` or `pid`. Debian's build logs to stderr
 * by default and has absolute temp paths under /var/lib/nginx, which templates
 * override.
 */
export const nginx: Product = {
  id: 'nginx',
  label: 'nginx',
  aliases: /nginx|openresty/,
  docs: behaviourDoc('nginx'),
  snippetLanguage: 'nginx',
  fingerprints: [
    // Server: nginx/1.22.1; even with server_tokens off its own pages end in <center>nginx</center>.
    { confidence: 'high', header: { name: 'server', pattern: /^(?:nginx|openresty)(?:\/([\d.]+))?/i, version: 1 } },
    { confidence: 'high', body: { pattern: /<center>(?:nginx|openresty)(?:\/([\d.]+))?<\/center>/i, version: 1 } },
  ],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    buffered: location(`${PROXY_DOC}#proxy_buffering`, ['proxy_buffering off;   # or send "X-Accel-Buffering: no" from the origin', 'proxy_cache off;']),
    compressed: location('https://nginx.org/en/docs/http/ngx_http_gzip_module.html', ['gzip off;   # and keep text/event-stream out of gzip_types']),
    'idle-timeout': location(`${PROXY_DOC}#proxy_read_timeout`, ['proxy_read_timeout 1h;   # default 60s between two reads from the origin', 'proxy_send_timeout 1h;']),
    'first-byte-timeout': location(`${PROXY_DOC}#proxy_read_timeout`, ['proxy_read_timeout 120s;   # longer than the long-poll hold (default 60s)']),
    cached: location(`${PROXY_DOC}#proxy_cache`, ['proxy_cache off;']),
    'protocol-downgrade': location(`${PROXY_DOC}#proxy_http_version`, ['proxy_http_version 1.1;   # the default only since nginx 1.29.7', 'proxy_set_header Connection "";']),
    'no-resume': location(`${PROXY_DOC}#proxy_set_header`, ['proxy_set_header Last-Event-ID $http_last_event_id;']),
    'connection-limit': {
      doc: 'https://nginx.org/en/docs/ngx_core_module.html#worker_connections',
      lines: ['worker_rlimit_nofile 40000;   # the open files the workers need for them', 'events {', '    worker_connections 16384;   # per worker; each proxied stream holds 2 (client and upstream)', '}'],
    },
    'not-sticky': {
      doc: 'https://nginx.org/en/docs/http/ngx_http_upstream_module.html#ip_hash',
      lines: ['upstream backend {', '    ip_hash;   # or "sticky" (open-source nginx since 1.29.6)', '    server 10.0.0.1:8080;', '    server 10.0.0.2:8080;', '}'],
    },
  },
  launch: {
    binary: '/usr/sbin/nginx',
    debianPackage: 'nginx',
    daemons: ['nginx'],
    pidFiles: ['/run/nginx.pid'],
    configFileName: 'nginx.conf',
    foregroundArgs: (ctx) => ['-p', ctx.workDir, '-c', ctx.configPath, '-g', globals(ctx)],
    checkArgs: (ctx) => ['-t', '-q', '-p', ctx.workDir, '-c', ctx.configPath, '-g', globals(ctx)],
    versionArgs: ['-v'],
    versionPattern: /nginx\/(\S+)/,
  },
};

function globals(ctx: LaunchContext): string {
  return `daemon off; pid ${path.join(ctx.workDir, 'nginx.pid')};`;
}
