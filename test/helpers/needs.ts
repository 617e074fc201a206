/**
 * Tests that need a real program (a proxy binary, Chromium). When it is
 * missing the test is skipped with the reason and the install command in its
 * title (test/helpers/skip-reporter.js counts them in a summary line) — or,
 * under PUSHTHROUGH_REQUIRE_PROXIES=1 (CI), it fails. A test never returns
 * early and passes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isExecutable, listRealProducts } from '../../src/proxy/real/installed';
import { REPO_ROOT } from './paths';

export const REQUIRED = process.env.PUSHTHROUGH_REQUIRE_PROXIES === '1';
export const CHROMIUM = '/usr/bin/chromium';

export interface Need {
  /** what is needed, e.g. "nginx" */
  what: string;
  available: boolean;
  /** the command that installs it */
  install: string;
}

export function needProduct(product: string): Need {
  const p = listRealProducts().find((x) => x.product === product);
  if (!p) throw new Error(`needProduct: no runnable product '${product}'`);
  return { what: p.product, available: p.available, install: 'npm run lab:install' };
}

/** A network namespace of our own with nftables in it (firewall setups). */
export function needFirewall(): Need {
  const r = spawnSync('unshare', ['-rn', 'nft', 'list', 'ruleset'], { stdio: 'ignore' });
  return { what: 'network namespaces with nftables', available: r.status === 0, install: 'apt-get install -y nftables iproute2, and allow unprivileged user namespaces (or run as root)' };
}

/** Artillery, installed beside the repository (`npm run artillery:install`), not a dependency of the package. */
export const ARTILLERY = path.join(REPO_ROOT, '.tools', 'artillery', 'node_modules', '.bin', 'artillery');

export function needArtillery(): Need {
  return { what: 'artillery', available: fs.existsSync(ARTILLERY), install: 'npm run artillery:install' };
}

export function needChromium(): Need {
  return { what: 'chromium', available: fs.existsSync(CHROMIUM) && isExecutable(CHROMIUM), install: 'apt-get install -y chromium' };
}

/** The tag in a skipped test's title; the skip reporter reads it back. */
export function skipTag(missing: Need[]): string {
  return `[skipped: ${missing.map((m) => `${m.what} not installed (${m.install})`).join(', ')}]`;
}

function missingOf(needs: Need[]): Need[] {
  return needs.filter((n) => !n.available);
}

/** describe() when every need is met; skipped with its reason otherwise; a failure in CI. */
export function describeWith(needs: Need[], title: string, body: () => void): void {
  const missing = missingOf(needs);
  if (missing.length === 0) describe(title, body);
  else if (REQUIRED) {
    describe(title, () => {
      it(`has ${missing.map((m) => m.what).join(', ')}`, () => {
        throw new Error(`${missing.map((m) => m.what).join(', ')} not installed and PUSHTHROUGH_REQUIRE_PROXIES=1: ${missing.map((m) => m.install).join('; ')}`);
      });
    });
  } else describe.skip(`${title} ${skipTag(missing)}`, body);
}

/** it() when every need is met; skipped with its reason otherwise; a failure in CI. */
export function itWith(needs: Need[], title: string, fn: jest.ProvidesCallback, timeoutMs?: number): void {
  const missing = missingOf(needs);
  if (missing.length === 0) it(title, fn, timeoutMs);
  else if (REQUIRED) {
    it(title, () => {
      throw new Error(`${missing.map((m) => m.what).join(', ')} not installed and PUSHTHROUGH_REQUIRE_PROXIES=1: ${missing.map((m) => m.install).join('; ')}`);
    });
  } else it.skip(`${title} ${skipTag(missing)}`, fn, timeoutMs);
}
