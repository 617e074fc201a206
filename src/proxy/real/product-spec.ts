/**
 * What the generic launcher needs to know about one real proxy program: where
 * its binary is, how to run it in the FOREGROUND with a rendered config, how to
 * ask its version and check a config, and which extra files it wants next to
 * the config. A spec is data plus a few small functions; it never depends on a
 * template variant, so a user's own template (`--real nginx=./site.conf.tmpl`)
 * runs through the same spec as ours.
 */

/** Everything a spec may use to build its command line and extra files. */
export interface LaunchContext {
  /** private temp dir (pid, logs, cache, sockets); removed on stop */
  workDir: string;
  /** absolute path of the rendered config inside workDir */
  configPath: string;
  /** the port the proxy listens on, on 127.0.0.1 */
  port: number;
  originHost: string;
  originPort: number;
}

/** One real proxy product, as data. */
export interface RealProductSpec {
  /** product name as used on the command line and as the folder under proxies/ */
  product: string;
  /** absolute path of the program to run */
  binary: string;
  /** one shell line that installs the binary on Debian/Ubuntu */
  installHint: string;
  /** file name given to the rendered template inside workDir */
  configFileName: string;
  /** argv (without the binary) that runs the program in the foreground, never daemonized */
  foregroundArgs(ctx: LaunchContext): string[];
  /** argv that makes the binary print its version */
  versionArgs: string[];
  /** first capture group = the version number, matched against stdout+stderr of versionArgs */
  versionPattern: RegExp;
  /** argv that only checks the rendered config and exits (0 = valid); optional */
  checkArgs?(ctx: LaunchContext): string[];
  /** writes extra files the program needs (module lists, sub-configs, dirs) into workDir */
  prepare?(ctx: LaunchContext): Promise<void>;
  /** extra environment for the program */
  env?(ctx: LaunchContext): Record<string, string>;
  /** a reason this product cannot run here even though the binary exists; undefined = runnable */
  unsupportedReason?(): string | undefined;
  /** how long it may take to answer its first request (slow starters: ATS, squid, varnish) */
  readyTimeoutMs?: number;
}
