import { behaviourDoc, type Product } from '../product';

const PROXY_DOC = 'https://httpd.apache.org/docs/2.4/mod/mod_proxy.html';

const upgrade = (t: string, path: string) =>
  t !== 'websocket'
    ? undefined
    : {
        doc: `${PROXY_DOC}#protoupgrade`,
        lines: ['# Apache 2.4.47 and later:', `ProxyPass "${path}" "http://backend:8080${path}" upgrade=websocket`, '# 2.4.46 and earlier (a2enmod proxy_wstunnel):', `# ProxyPass "${path}" "ws://backend:8080${path}"`],
      };

/**
 * Apache httpd 2.4 (mod_proxy, mod_proxy_http). Launch: Debian's apache2
 * binary without apache2ctl and its envvars; `-D FOREGROUND` keeps the parent
 * in the foreground (https://httpd.apache.org/docs/2.4/programs/httpd.html),
 * `-d` makes WORK_DIR the ServerRoot, `-t` checks the config. Templates load
 * their own modules from /usr/lib/apache2/modules.
 */
export const apache2: Product = {
  id: 'apache2',
  label: 'Apache httpd',
  aliases: /\bapache\b(?!\s*traffic)|httpd/,
  docs: behaviourDoc('apache-httpd'),
  snippetLanguage: 'apache',
  fingerprints: [
    { confidence: 'high', header: { name: 'server', pattern: /^Apache(?:\/([\d.]+))?(?!-Coyote)(?: |$)/, version: 1 } },
    { confidence: 'high', body: { pattern: /<address>Apache(?:\/([\d.]+))?[^<]*Server at/, version: 1 } },
    {
      confidence: 'medium',
      body: { pattern: /The proxy server received an invalid\s+response|The server is temporarily unable to service your\s+request due to maintenance downtime|Size of a request header field exceeds server limit/ },
    },
  ],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    // mod_proxy_http flushes already; flushpackets is for the other backends.
    buffered: (_t, path) => ({
      doc: `${PROXY_DOC}#proxypass`,
      lines: [`ProxyPass "${path}" "http://backend:8080${path}" flushpackets=on`, '# also check mod_deflate, HTTP/2 and FastCGI output buffers in front of the stream'],
    }),
    compressed: (_t, path) => ({ doc: 'https://httpd.apache.org/docs/2.4/mod/mod_deflate.html', lines: [`<Location "${path}">`, '    SetEnv no-gzip 1', '</Location>'] }),
    // ProxyTimeout defaults to Timeout, 60 s.
    'idle-timeout': (_t, path) => ({ doc: `${PROXY_DOC}#proxytimeout`, lines: [`ProxyPass "${path}" "http://backend:8080${path}" timeout=3600`, '# or globally: ProxyTimeout 3600'] }),
    'first-byte-timeout': (_t, path) => ({ doc: `${PROXY_DOC}#proxytimeout`, lines: [`ProxyPass "${path}" "http://backend:8080${path}" timeout=120`] }),
    'not-sticky': {
      doc: 'https://httpd.apache.org/docs/2.4/mod/mod_proxy_balancer.html',
      lines: [
        'Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED',
        '<Proxy "balancer://app">',
        '    BalancerMember "http://10.0.0.1:8080" route=1',
        '    BalancerMember "http://10.0.0.2:8080" route=2',
        '    ProxySet stickysession=ROUTEID',
        '</Proxy>',
      ],
    },
    cached: (_t, path) => ({ doc: 'https://httpd.apache.org/docs/2.4/mod/mod_cache.html#cachedisable', lines: [`CacheDisable "${path}"`] }),
  },
  launch: {
    binary: '/usr/sbin/apache2',
    debianPackage: 'apache2',
    daemons: ['apache2'],
    pidFiles: ['/run/apache2/apache2.pid'],
    configFileName: 'apache2.conf',
    foregroundArgs: (ctx) => ['-D', 'FOREGROUND', '-d', ctx.workDir, '-f', ctx.configPath],
    checkArgs: (ctx) => ['-t', '-d', ctx.workDir, '-f', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /Apache\/(\S+)/,
  },
};
