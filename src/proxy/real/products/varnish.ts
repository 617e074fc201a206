import * as fs from 'node:fs';
import * as path from 'node:path';

import type { LaunchContext, RealProductSpec } from '../product-spec';

/**
 * Varnish: `-F` runs the manager in the foreground (its cache child stays in
 * our process group), `-n` puts the working dir (shared memory log, compiled
 * VCL) in WORK_DIR, `-a` binds the listen port (a VCL file cannot), `-T none`
 * disables the management CLI port, `-C` compiles the VCL as a check
 * (https://varnish-cache.org/docs/7.1/reference/varnishd.html).
 *
 * Runtime parameters have no place in a VCL file, so a template line
 * `# varnishd-param: pipe_timeout=2` becomes `-p pipe_timeout=2`.
 */
export const varnish: RealProductSpec = {
  product: 'varnish',
  binary: '/usr/sbin/varnishd',
  installHint: 'apt-get install -y varnish',
  configFileName: 'default.vcl',
  foregroundArgs: (ctx) => [
    '-F',
    '-n',
    varnishWorkDir(ctx),
    '-a',
    `127.0.0.1:${ctx.port}`,
    '-T',
    'none',
    '-f',
    ctx.configPath,
    '-s',
    'malloc,32m',
    ...paramArgs(ctx),
  ],
  checkArgs: (ctx) => ['-C', '-n', varnishWorkDir(ctx), '-f', ctx.configPath],
  versionArgs: ['-V'],
  versionPattern: /varnish-(\S+)/,
  readyTimeoutMs: 40_000,
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
