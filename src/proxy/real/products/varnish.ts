import * as fs from 'node:fs';
import * as path from 'node:path';

import { behaviourDoc, type LaunchContext, type Product } from '../product';

const PARAMS = 'https://varnish-cache.org/docs/trunk/reference/varnishd.html';

const upgrade = (t: string) =>
  t !== 'websocket'
    ? undefined
    : {
        doc: 'https://varnish-cache.org/docs/trunk/users-guide/vcl-example-websockets.html',
        lines: [
          'sub vcl_recv {',
          '    if (req.http.upgrade ~ "(?i)websocket") {',
          '        return (pipe);',
          '    }',
          '}',
          'sub vcl_pipe {',
          '    if (req.http.upgrade) {',
          '        set bereq.http.upgrade = req.http.upgrade;',
          '        set bereq.http.connection = req.http.connection;',
          '    }',
          '}',
        ],
      };

/**
 * Varnish Cache. Launch: `-F` runs the manager in the foreground (its cache
 * child stays in our process group), `-n` puts the working dir (shared memory
 * log, compiled VCL) in WORK_DIR, `-a` binds the listen port (a VCL file
 * cannot), `-T none` disables the management CLI port, `-C` compiles the VCL
 * as a check (https://varnish-cache.org/docs/7.1/reference/varnishd.html).
 *
 * Runtime parameters have no place in a VCL file, so a template line
 * `# varnishd-param: pipe_timeout=2` becomes `-p pipe_timeout=2`.
 */
export const varnish: Product = {
  id: 'varnish',
  label: 'Varnish',
  aliases: /varnish/,
  docs: behaviourDoc('varnish'),
  snippetLanguage: 'vcl',
  fingerprints: [
    // Via: 1.1 varnish (Varnish/7.1), X-Varnish, the Guru Meditation page.
    { confidence: 'high', header: { name: 'via', pattern: /varnish(?: \(Varnish\/([\d.]+)\))?/i, version: 1 } },
    { confidence: 'high', header: { name: 'server', pattern: /^Varnish/i } },
    { confidence: 'medium', present: 'x-varnish' },
    { confidence: 'high', body: { pattern: /Guru Meditation|Varnish cache server/i } },
  ],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    // The built-in VCL gives un-annotated GETs default_ttl (2 min).
    cached: {
      doc: 'https://varnish-cache.org/docs/trunk/users-guide/vcl-built-in-subs.html',
      lines: ['sub vcl_recv {', '    if (req.url ~ "^/(poll|long-poll|sse)") {', '        return (pass);', '    }', '}'],
    },
    // beresp.do_stream delivers while fetching.
    buffered: {
      doc: 'https://varnish-cache.org/docs/trunk/reference/vcl-var.html#beresp-do-stream',
      lines: ['sub vcl_recv {', '    if (req.url ~ "^/sse") {', '        return (pass);', '    }', '}', 'sub vcl_backend_response {', '    set beresp.do_stream = true;', '}'],
    },
    // http_gzip_support rewrites Accept-Encoding to ask the origin for gzip.
    compressed: {
      doc: 'https://varnish-cache.org/docs/trunk/users-guide/compression.html',
      lines: ['sub vcl_recv {', '    if (req.url ~ "^/sse") {', '        unset req.http.accept-encoding;', '        return (pass);', '    }', '}'],
    },
    // between_bytes_timeout 60 s for responses, pipe_timeout 60 s for piped WebSockets.
    'idle-timeout': (t) => ({
      doc: `${PARAMS}#list-of-parameters`,
      lines: [t === 'websocket' ? 'varnishadm param.set pipe_timeout 3600' : 'varnishadm param.set between_bytes_timeout 3600'],
    }),
    'first-byte-timeout': { doc: `${PARAMS}#first-byte-timeout`, lines: ['varnishadm param.set first_byte_timeout 120'] },
    // send_timeout (600 s) is the total time for a response, so SSE ends at 10 min.
    'max-duration': { doc: `${PARAMS}#send-timeout`, lines: ['varnishadm param.set send_timeout 86400'] },
  },
  launch: {
    binary: '/usr/sbin/varnishd',
    debianPackage: 'varnish',
    daemons: ['varnishd'],
    pidFiles: ['/run/varnishd.pid'],
    configFileName: 'default.vcl',
    foregroundArgs: (ctx) => ['-F', '-n', varnishWorkDir(ctx), '-a', `127.0.0.1:${ctx.port}`, '-T', 'none', '-f', ctx.configPath, '-s', 'malloc,32m', ...paramArgs(ctx)],
    checkArgs: (ctx) => ['-C', '-n', varnishWorkDir(ctx), '-f', ctx.configPath],
    versionArgs: ['-V'],
    versionPattern: /varnish-(\S+)/,
    readyTimeoutMs: 40_000,
  },
};

function varnishWorkDir(ctx: LaunchContext): string {
  return path.join(ctx.workDir, 'varnish');
}

/** `# varnishd-param: name=value` lines of the rendered VCL → `-p name=value`. */
export function paramArgs(ctx: LaunchContext): string[] {
  const vcl = fs.readFileSync(ctx.configPath, 'utf8');
  const args: string[] = [];
  for (const match of vcl.matchAll(/^#\s*varnishd-param:\s*([a-z_]+=\S+)\s*$/gm)) args.push('-p', match[1]);
  return args;
}
