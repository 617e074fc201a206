/**
 * A real product — a proxy, load balancer, CDN or gateway — as data. One file
 * per product under products/ owns everything pushthrough knows about it:
 *
 *   label, aliases        how reports name it, and how a free-form string
 *                         ("nginx/1.22.1", "AWS ALB (HTTP listener)") is read as it
 *   fingerprints          what its answers look like, for the product guess
 *   fixes                 its config change per reason, each with the
 *                         documentation URL it comes from
 *   launch (optional)     its binary, Debian package and foreground command,
 *                         for the products pushthrough can run itself
 *
 * Facts about products are explained, with their sources, in
 * docs/proxy-behaviour.md; each product names its section there.
 */
import type { Reason, Transport } from '../../vocabulary';

export type Confidence = 'high' | 'medium' | 'low';

/**
 * One sign of the product in an answer. Exactly one of header, present, body
 * or status is set; `version` names the regex group holding a version number.
 */
export interface Fingerprint {
  confidence: Confidence;
  /** a response header (lower-case name) whose value matches */
  header?: { name: string; pattern: RegExp; version?: number };
  /** a response header that is present at all */
  present?: string;
  /** wording of an error page the product writes itself */
  body?: { pattern: RegExp; version?: number };
  /** a status only this product uses, with what it means */
  status?: { code: number; meaning: string };
}

/** A config change: the page it comes from and the lines to add. */
export interface FixSnippet {
  /** documentation URL of the setting */
  doc: string;
  lines: string[];
}

/** A snippet, or one made for the transport and its origin path (undefined: nothing to set). */
export type ProductFix = FixSnippet | ((transport: Transport, path: string) => FixSnippet | undefined);

export type ProductFixes = Partial<Record<Reason, ProductFix>>;

/** Everything a launch function may use to build a command line and extra files. */
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

/**
 * How to run the product from its own binary, in the FOREGROUND, with a
 * rendered config. Never depends on a template variant, so a user's own
 * template runs through the same launch as ours.
 */
export interface LaunchSpec {
  /** absolute path of the program to run */
  binary: string;
  /** the Debian/Ubuntu package that installs it */
  debianPackage: string;
  /** process names a package's maintainer scripts may start as a system daemon (stopped by lab:install) */
  daemons: string[];
  /** pid files those system daemons write */
  pidFiles: string[];
  /** file name given to the rendered template inside workDir */
  configFileName: string;
  /** forward proxies are gone through (`--via`); reverse proxies stand in front of the origin */
  role?: 'reverse' | 'forward' | 'both';
  /** argv (without the binary) that runs the program in the foreground, never daemonized */
  foregroundArgs(ctx: LaunchContext): string[];
  /** argv that makes the binary print its version */
  versionArgs: string[];
  /** first capture group = the version number, matched against stdout+stderr of versionArgs */
  versionPattern: RegExp;
  /** argv that only checks the rendered config and exits (0 = valid) */
  checkArgs?(ctx: LaunchContext): string[];
  /**
   * What this template needs beyond the binary that is not installed here (a
   * helper of a build with an optional feature): the path, and the command
   * that installs it. Its setups are then `skipped`, as for a missing binary.
   */
  missingFor?(template: string): { path: string; install: string } | undefined;
  /** writes extra files the program needs (module lists, sub-configs, dirs) into workDir */
  prepare?(ctx: LaunchContext): Promise<void>;
  /** extra environment for the program */
  env?(ctx: LaunchContext): Record<string, string>;
  /** how long it may take to answer its first request (slow starters: ATS, squid, varnish) */
  readyTimeoutMs?: number;
}

export interface Product {
  /** stable id, used in reports, templates (proxies/<id>/) and `--real <id>=…` */
  id: string;
  /** how people name it */
  label: string;
  /** a free-form product string that means this product */
  aliases: RegExp;
  /** its section in docs/proxy-behaviour.md */
  docs: string;
  /** language of its config snippets (Markdown fences, HTML classes) */
  snippetLanguage: string;
  fingerprints: Fingerprint[];
  fixes: ProductFixes;
  launch?: LaunchSpec;
}

/** A product that pushthrough can run. */
export type RunnableProduct = Product & { launch: LaunchSpec };

/** The shell line that installs a runnable product. */
export function installHint(p: RunnableProduct): string {
  return `apt-get install -y ${p.launch.debianPackage}`;
}

/** Link to a section of docs/proxy-behaviour.md. */
export const behaviourDoc = (anchor: string): string => `docs/proxy-behaviour.md#${anchor}`;
