import { behaviourDoc, type Product } from '../product';

const CONFIG = 'https://docs.haproxy.org/2.6/configuration.html';

/**
 * HAProxy. Upgrades and streaming work by default; its timeouts do not
 * (docs/proxy-behaviour.md#haproxy). Launch: `-db` disables background mode
 * (https://docs.haproxy.org/2.6/management.html#3), so the single process
 * stays in the foreground; `-c` only checks. Templates log to stdout (`log
 * stdout format raw`), which the launcher captures.
 */
export const haproxy: Product = {
  id: 'haproxy',
  label: 'HAProxy',
  aliases: /haproxy/,
  docs: behaviourDoc('haproxy'),
  snippetLanguage: 'haproxy',
  fingerprints: [
    // No Server header of its own: only its built-in error pages name it.
    {
      confidence: 'medium',
      body: {
        pattern:
          /No server is available to handle this request|The server didn't respond in time|Your browser sent an invalid request\.|The server returned an invalid or incomplete response|Your client didn't send a complete request in time/,
      },
    },
  ],
  fixes: {
    // Without a type list every type is compressed, text/event-stream included.
    compressed: {
      doc: CONFIG,
      lines: ['# keyword "compression"', '# list the types explicitly: without a list HAProxy compresses text/event-stream too', 'compression algo gzip', 'compression type text/html text/plain text/css application/javascript application/json'],
    },
    // Upgraded connections use timeout tunnel; everything else timeout client/server.
    'idle-timeout': (t) =>
      t === 'websocket'
        ? { doc: CONFIG, lines: ['# keyword "timeout tunnel"', 'defaults', '    timeout tunnel 1h', '    timeout client-fin 30s'] }
        : { doc: CONFIG, lines: ['# keyword "timeout server"', 'defaults', '    timeout client 1h', '    timeout server 1h'] },
    'first-byte-timeout': { doc: CONFIG, lines: ['# keyword "timeout server"', 'defaults', '    timeout server 2m   # longer than the long-poll hold'] },
    'not-sticky': {
      doc: CONFIG,
      lines: ['# keyword "cookie"', 'backend app', '    balance roundrobin', '    cookie SRV insert indirect nocache', '    server app1 10.0.0.1:8080 cookie app1', '    server app2 10.0.0.2:8080 cookie app2'],
    },
    'connection-limit': { doc: CONFIG, lines: ['# keyword "maxconn"', 'global', '    maxconn 20000', 'frontend web', '    maxconn 20000'] },
  },
  launch: {
    binary: '/usr/sbin/haproxy',
    debianPackage: 'haproxy',
    daemons: ['haproxy'],
    pidFiles: ['/run/haproxy.pid'],
    configFileName: 'haproxy.cfg',
    foregroundArgs: (ctx) => ['-db', '-f', ctx.configPath],
    checkArgs: (ctx) => ['-c', '-q', '-f', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /HAProxy version (\S+)/,
  },
};
