/**
 * Which real products can run here, and the templates shipped for them under
 * proxies/<product>/<variant>.conf.tmpl.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { installHint, type RunnableProduct } from './product';
import { RUNNABLE_PRODUCTS } from './products';
import { PROJECT_ROOT } from '../../util/paths';

/** proxies/ at the package root. */
export const PROXIES_DIR = path.join(PROJECT_ROOT, 'proxies');

/** Whether `file` is a regular file this process may execute. */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * What a shipped variant models: forward proxies (clients send absolute-form
 * requests and CONNECT, the client's `--via`) are the templates named
 * `forward*` and every template of a forward-only product; every other
 * template is a reverse proxy in front of the origin.
 */
export function variantRole(product: string, variant: string): 'reverse' | 'forward' {
  const role = RUNNABLE_PRODUCTS.find((p) => p.id === product)?.launch.role;
  return role === 'forward' || variant.startsWith('forward') ? 'forward' : 'reverse';
}

/** Path of one of our templates: proxies/<product>/<variant>.conf.tmpl */
export function templatePathFor(product: string, variant: string): string {
  return path.join(PROXIES_DIR, product, `${variant}.conf.tmpl`);
}

/** Variants shipped for a product, from proxies/<product>/*.conf.tmpl, sorted. */
export function listVariants(product: string): string[] {
  try {
    return fs
      .readdirSync(path.join(PROXIES_DIR, product))
      .filter((name) => name.endsWith('.conf.tmpl'))
      .map((name) => name.slice(0, -'.conf.tmpl'.length))
      .sort();
  } catch {
    return [];
  }
}

export interface InstalledProduct {
  product: string;
  label: string;
  binary: string;
  debianPackage: string;
  available: boolean;
  installHint: string;
  variants: string[];
}

/** Every product we can launch (by id), whether its binary is here, and the variants shipped for it. */
export function listRealProducts(): InstalledProduct[] {
  return [...RUNNABLE_PRODUCTS].sort((a, b) => a.id.localeCompare(b.id)).map((p: RunnableProduct) => ({
    product: p.id,
    label: p.label,
    binary: p.launch.binary,
    debianPackage: p.launch.debianPackage,
    available: isExecutable(p.launch.binary),
    installHint: installHint(p),
    variants: listVariants(p.id),
  }));
}
