/**
 * Running short commands of a proxy program (version, config check) and the
 * environment every proxy runs in: a small, predictable one with HOME and
 * TMPDIR inside its WORK_DIR, as `nobody` when we are root.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { LaunchSpec } from './product';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runAs?: { uid: number; gid: number };
  timeoutMs: number;
}

/** Runs a short command to completion (argv, never a shell); output = stdout + stderr. */
export function execToEnd(binary: string, args: string[], opts: ExecOptions): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        const output = `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}`;
        resolve({ code, output });
      },
    );
  });
}

const versionCache = new Map<string, Promise<string>>();

/** The program's own version string ("1.22.1"), or "unknown". */
export function readVersion(launch: LaunchSpec): Promise<string> {
  const key = `${launch.binary}\0${launch.versionArgs.join('\0')}`;
  let pending = versionCache.get(key);
  if (!pending) {
    pending = execToEnd(launch.binary, launch.versionArgs, { timeoutMs: 15_000 }).then((result) => launch.versionPattern.exec(result.output)?.[1] ?? 'unknown');
    versionCache.set(key, pending);
  }
  return pending;
}

/**
 * When we are root, run proxies as `nobody`: several programs refuse to run
 * as root (squid's cache_effective_user, h2o, tinyproxy) or would switch to a
 * system user that cannot enter our private WORK_DIR.
 */
export function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const fields = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('nobody:'))
      ?.split(':');
    if (fields && fields.length > 3) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    // fall through to the conventional ids
  }
  return { uid: 65534, gid: 65534 };
}

export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.promises.chown(dir, uid, gid);
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.promises.lchown(full, uid, gid);
  }
}

/** A small, predictable environment: HOME/TMPDIR inside WORK_DIR so nothing is written elsewhere. */
export function baseEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    HOME: workDir,
    TMPDIR: workDir,
    XDG_CONFIG_HOME: path.join(workDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(workDir, 'xdg-data'),
  };
}
