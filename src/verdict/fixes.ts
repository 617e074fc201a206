/**
 * The fix for a reason and a transport: the config change on the proxy side,
 * from the product's own file (src/proxy/real/products/<id>.ts, each snippet
 * with the documentation URL it comes from), and the change in the app.
 * Products that need no setting for a reason (HAProxy, Caddy and Traefik pass
 * WebSocket upgrades by default, for example) have no snippet: an invented
 * directive would be worse than none.
 */
import type { Transport } from '../observation/types';
import type { Product } from '../proxy/real/product';
import { PRODUCTS, productOf } from '../proxy/real/products';
import { appFix, type FixContext } from './app-fixes';
import type { Cell, Fix, ProxyFix, Reason } from './types';

export type { FixContext } from './app-fixes';

/** The origin path each transport uses, so snippets name a concrete location. */
const PATHS: Record<Transport, string> = {
  'short-poll': '/poll',
  'long-poll': '/long-poll',
  sse: '/sse',
  websocket: '/ws',
};

/** Reasons that describe the tester or a cell that did not run: nothing to fix in the path. */
const NO_FIX: ReadonlySet<Reason> = new Set<Reason>(['none', 'tester-error', 'not-run']);

/** The product's config change for a reason and transport, or undefined when it has none. */
export function proxyFix(product: Product, reason: Reason, transport: Transport): ProxyFix | undefined {
  const entry = product.fixes[reason];
  const snippet = typeof entry === 'function' ? entry(transport, PATHS[transport]) : entry;
  if (!snippet) return undefined;
  return { product: product.id, label: product.label, language: product.snippetLanguage, doc: snippet.doc, snippet: [`# ${snippet.doc}`, ...snippet.lines].join('\n') };
}

/**
 * The fix for one failed or degraded cell: the product's config snippet when
 * the product is known and has a setting for it, and the app-side change.
 * Undefined for reasons that need no fix (`none`, `tester-error`, `not-run`).
 *
 * @param product free-form product name ("nginx/1.22.1") or a product id
 * @param ctx measured facts that make the advice concrete (the idle cut)
 */
export function fixFor(reason: Reason, transport: Transport, product?: string, ctx: FixContext = {}): Fix | undefined {
  if (NO_FIX.has(reason)) return undefined;
  const app = appFix(reason, transport, ctx);
  if (app === undefined) return undefined;
  const p = productOf(product);
  const proxy = p ? proxyFix(p, reason, transport) : undefined;
  return proxy ? { proxy, app } : { app };
}

/**
 * Every product's fix for a reason and transport (registry order), for
 * reports where the product in the path is unknown. Products without a
 * setting for the reason are left out.
 */
export function fixesFor(reason: Reason, transport: Transport, ctx: FixContext = {}): Fix[] {
  if (NO_FIX.has(reason)) return [];
  const app = appFix(reason, transport, ctx);
  if (app === undefined) return [];
  return PRODUCTS.flatMap((p) => {
    const proxy = proxyFix(p, reason, transport);
    return proxy ? [{ proxy, app }] : [];
  });
}

/**
 * How long the stream had been quiet when the path cut it — what a heartbeat
 * must stay below: the idle (or duration) check's cut minus the last arrival
 * before it, or a held request's cut. Undefined when nothing was cut.
 */
export function quietBeforeCutMs(cell: Cell): number | undefined {
  for (const check of cell.checks) {
    const cutAtMs = check.measured.cutAtMs;
    if (typeof cutAtMs !== 'number') continue;
    if (check.id !== 'idle' && check.id !== 'duration') return cutAtMs;
    const timeline = Array.isArray(check.measured.timeline) ? (check.measured.timeline as Array<{ seq: number; arrivedMs: number; connection?: number }>) : [];
    const first = timeline.find((p) => p.seq === 1 && (p.connection ?? 0) === 0);
    const cutAt = (first?.arrivedMs ?? 0) + cutAtMs;
    const before = timeline.filter((p) => p.arrivedMs <= cutAt).map((p) => p.arrivedMs);
    return before.length > 0 ? cutAt - Math.max(...before) : cutAt;
  }
  return undefined;
}
