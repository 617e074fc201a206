/**
 * Which product is in the path, from what came back: each product's own
 * fingerprints (src/proxy/real/products/<id>.ts) — the Server and Via
 * headers, product-specific headers, the wording of the error pages proxies
 * write themselves.
 *
 * Confidence: high = the product names itself (a header, or a signed error
 * page); medium = wording or a header only that product is known to use;
 * low = a weak hint. Two independent medium signs make a high one.
 *
 * The origin never sends a Server header, so anything naming a product was
 * added on the way. The signatures of the ten runnable products were recorded
 * from the real programs (test/measure/fixtures/answers/); the others are the
 * vendors' documented headers and error pages.
 */
import type { AnswerEvidence } from '../client/http';
import type { Confidence, Fingerprint, Product } from '../proxy/real/product';
import { PRODUCTS } from '../proxy/real/products';

/** Which product answered, from what came back. */
export interface ProductGuess {
  /** human name, e.g. "nginx", "Cloudflare"; absent when nothing points anywhere */
  product?: string;
  /** the product's id when it has config fixes (src/proxy/real/products) */
  fixProduct?: string;
  version?: string;
  confidence?: Confidence;
  /** one line per signature found, e.g. `Server: nginx/1.22.1 (GET /health → 200)` */
  evidence: string[];
  /** other products that something pointed at, weaker than the guess */
  alternatives?: Array<{ product: string; confidence: Confidence; evidence: string[] }>;
}

interface Hit {
  evidence: string;
  version?: string;
}

const RANK: Record<Confidence, number> = { low: 1, medium: 2, high: 3 };

function where(a: AnswerEvidence): string {
  return `${a.request}${a.status !== undefined ? ` → ${a.status}` : ''}`;
}

function display(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`);
}

/** Whether one fingerprint shows in one answer, and the evidence that quotes it. */
function match(f: Fingerprint, a: AnswerEvidence): Hit | undefined {
  if (f.header) {
    const v = a.headers?.[f.header.name];
    const m = v === undefined ? null : f.header.pattern.exec(v);
    return m ? { evidence: `${display(f.header.name)}: ${v} (${where(a)})`, version: f.header.version !== undefined ? m[f.header.version] : undefined } : undefined;
  }
  if (f.present) {
    const v = a.headers?.[f.present];
    return v !== undefined ? { evidence: `${display(f.present)}: ${v.slice(0, 60)} (${where(a)})` } : undefined;
  }
  if (f.body) {
    const m = a.bodySnippet ? f.body.pattern.exec(a.bodySnippet) : null;
    if (!m) return undefined;
    const quote = m[0].replace(/\s+/g, ' ').trim().slice(0, 80);
    return { evidence: `error page says "${quote}" (${where(a)})`, version: f.body.version !== undefined ? m[f.body.version] : undefined };
  }
  if (f.status) return a.status === f.status.code ? { evidence: `status ${f.status.code} (${f.status.meaning}) (${a.request})` } : undefined;
  return undefined;
}

/** Hints that something is in the path without naming it. */
function genericHints(answers: AnswerEvidence[]): string[] {
  const out = new Set<string>();
  for (const a of answers) {
    const h = a.headers ?? {};
    if (h.via) out.add(`Via: ${h.via} (${where(a)}): some proxy added it`);
    if (h['x-cache']) out.add(`X-Cache: ${h['x-cache']} (${where(a)}): a cache is in the path`);
    if (h.server) out.add(`Server: ${h.server} (${where(a)})`);
  }
  return [...out];
}

interface Found {
  product: Product;
  best: Confidence;
  evidence: string[];
  version?: string;
  mediums: number;
  order: number;
}

/**
 * The product guess from every answer seen. Products are ranked by their
 * strongest sign, then by how many signs they have, then by registry order;
 * the runners-up are kept as alternatives (a CDN in front of an nginx shows both).
 */
export function guessProduct(answers: AnswerEvidence[], products: readonly Product[] = PRODUCTS): ProductGuess {
  const found = new Map<string, Found>();
  products.forEach((product, order) => {
    for (const f of product.fingerprints) {
      for (const a of answers) {
        const hit = match(f, a);
        if (!hit) continue;
        const entry = found.get(product.id) ?? { product, best: f.confidence, evidence: [], mediums: 0, order };
        if (!entry.evidence.includes(hit.evidence)) {
          entry.evidence.push(hit.evidence);
          if (f.confidence === 'medium') entry.mediums++;
        }
        if (RANK[f.confidence] > RANK[entry.best]) entry.best = f.confidence;
        entry.version ??= hit.version;
        found.set(product.id, entry);
      }
    }
  });
  // Two independent medium signs (e.g. a 524 and cf-cache-status) name the product as well as one strong sign.
  for (const f of found.values()) if (f.best === 'medium' && f.mediums >= 2) f.best = 'high';
  const ranked = [...found.values()].sort((a, b) => RANK[b.best] - RANK[a.best] || b.evidence.length - a.evidence.length || a.order - b.order);
  if (ranked.length === 0) {
    const hints = genericHints(answers);
    return { evidence: hints.length ? hints : ['no answer named a product: the path hides itself (or it is a TCP-level balancer, a firewall or NAT)'] };
  }
  const [top, ...rest] = ranked;
  const guess: ProductGuess = { product: top.product.label, confidence: top.best, evidence: top.evidence };
  if (Object.keys(top.product.fixes).length > 0) guess.fixProduct = top.product.id;
  if (top.version) guess.version = top.version;
  if (rest.length) guess.alternatives = rest.map((f) => ({ product: f.product.label, confidence: f.best, evidence: f.evidence }));
  return guess;
}

/**
 * Answers recorded in a normal probe's checks (`measured.status/headers/body`,
 * src/verdict/answers.ts answerEvidence), so their error pages count too.
 */
export function answersFromMeasured(measured: unknown, request: string, out: AnswerEvidence[] = [], depth = 0): AnswerEvidence[] {
  if (depth > 4 || measured === null || typeof measured !== 'object') return out;
  const m = measured as Record<string, unknown>;
  const headers = m.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    const a: AnswerEvidence = { request, headers: Object.fromEntries(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)])) };
    if (typeof m.status === 'number') a.status = m.status;
    if (typeof m.body === 'string') a.bodySnippet = m.body;
    out.push(a);
  }
  for (const [k, v] of Object.entries(m)) if (k !== 'headers' && v && typeof v === 'object') answersFromMeasured(v, request, out, depth + 1);
  return out;
}
