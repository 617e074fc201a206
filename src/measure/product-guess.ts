/**
 * Which product is in the path, from what came back: the Server and Via
 * headers, product-specific headers (cf-ray, X-Varnish, x-envoy-*, X-Amz-Cf-Id,
 * X-Squid-Error), and the wording of the error pages proxies write themselves
 * (nginx's `<hr><center>nginx/1.22.1</center>`, HAProxy's "No server is
 * available to handle this request.", Varnish's "Guru Meditation").
 *
 * Confidence: high = the product names itself (a header, or a signed error
 * page); medium = wording or a header only that product is known to use;
 * low = a weak hint. Two independent medium signs make a high one.
 *
 * The origin never sends a Server header, so anything naming a product was
 * added on the way. The signatures of the ten products in proxies/ were
 * recorded from the real programs (test/measure/fixtures/answers/); the
 * others are the vendors' documented headers and error pages.
 */
import type { AnswerEvidence, Confidence, ProductGuess } from './types';

interface Hit {
  evidence: string;
  version?: string;
}

interface Signature {
  product: string;
  /** src/verdict/fixes.ts id */
  fixProduct?: string;
  confidence: Confidence;
  match: (a: AnswerEvidence) => Hit | undefined;
}

const RANK: Record<Confidence, number> = { low: 1, medium: 2, high: 3 };

function where(a: AnswerEvidence): string {
  return `${a.request}${a.status !== undefined ? ` → ${a.status}` : ''}`;
}

/** A header whose value matches; the evidence quotes it. */
function header(name: string, re: RegExp, versionGroup?: number): Signature['match'] {
  return (a) => {
    const v = a.headers?.[name];
    if (v === undefined) return undefined;
    const m = re.exec(v);
    if (!m) return undefined;
    return { evidence: `${display(name)}: ${v} (${where(a)})`, version: versionGroup !== undefined ? m[versionGroup] : undefined };
  };
}

/** A header that exists at all. */
function has(name: string): Signature['match'] {
  return (a) => (a.headers?.[name] !== undefined ? { evidence: `${display(name)}: ${a.headers[name].slice(0, 60)} (${where(a)})` } : undefined);
}

/** Error-page wording. */
function body(re: RegExp, versionGroup?: number): Signature['match'] {
  return (a) => {
    if (!a.bodySnippet) return undefined;
    const m = re.exec(a.bodySnippet);
    if (!m) return undefined;
    const quote = m[0].replace(/\s+/g, ' ').trim().slice(0, 80);
    return { evidence: `error page says "${quote}" (${where(a)})`, version: versionGroup !== undefined ? m[versionGroup] : undefined };
  };
}

function status(code: number, what: string): Signature['match'] {
  return (a) => (a.status === code ? { evidence: `status ${code} ${what} (${a.request})` } : undefined);
}

function display(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`);
}

/** Order matters only for ties: CDNs and load balancers before the servers they often front. */
export const SIGNATURES: Signature[] = [
  // Our own simulated proxy signs its pages (src/proxy/simulated/http-util.ts errorPage).
  { product: 'pushthrough simulated proxy', confidence: 'high', match: body(/pushthrough simulated proxy(?: \([\w-]+\))?/) },

  // Cloudflare (catalog E1): Server: cloudflare, cf-ray on every answer, 52x statuses of its own.
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'high', match: header('server', /^cloudflare/i) },
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'high', match: has('cf-ray') },
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'high', match: body(/<center>cloudflare<\/center>|cloudflare ray id|cf-error-details/i) },
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'medium', match: status(524, '(Cloudflare: "A timeout occurred")') },
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'medium', match: status(522, '(Cloudflare: "Connection timed out")') },
  { product: 'Cloudflare', fixProduct: 'cloudflare', confidence: 'medium', match: has('cf-cache-status') },

  // AWS CloudFront (catalog D4).
  { product: 'AWS CloudFront', confidence: 'high', match: header('via', /cloudfront/i) },
  { product: 'AWS CloudFront', confidence: 'high', match: has('x-amz-cf-id') },
  { product: 'AWS CloudFront', confidence: 'medium', match: header('x-cache', /from cloudfront/i) },

  // AWS ALB / ELB (catalog D1/D2): awselb signs its own answers.
  { product: 'AWS Application Load Balancer', fixProduct: 'aws-alb', confidence: 'high', match: header('server', /^awselb(?:\/([\d.]+))?/i, 1) },
  { product: 'AWS Application Load Balancer', fixProduct: 'aws-alb', confidence: 'high', match: body(/<center>awselb(?:\/[\d.]+)?<\/center>/i) },

  // Google Cloud external Application Load Balancer (catalog D5): Via: 1.1 google.
  { product: 'Google Cloud Load Balancer', fixProduct: 'gcp-lb', confidence: 'high', match: header('via', /\bgoogle\b/i) },
  { product: 'Google Cloud Load Balancer', fixProduct: 'gcp-lb', confidence: 'medium', match: header('server', /^(Google Frontend|gfe)/i) },

  // Fastly (catalog E2): Varnish underneath, with its own headers.
  { product: 'Fastly', confidence: 'high', match: has('x-fastly-request-id') },
  { product: 'Fastly', confidence: 'medium', match: header('x-served-by', /^cache-/i) },
  { product: 'Fastly', confidence: 'medium', match: has('x-timer') },

  // Akamai.
  { product: 'Akamai', confidence: 'high', match: header('server', /AkamaiGHost|AkamaiNetStorage/i) },

  // Azure (catalog D6/D7).
  { product: 'Azure Application Gateway', confidence: 'high', match: header('server', /Microsoft-Azure-Application-Gateway/i) },
  { product: 'Azure Front Door', confidence: 'medium', match: has('x-azure-ref') },

  // Heroku router (catalog E3): Via: 1.1 vegur, its application-error page.
  { product: 'Heroku router', fixProduct: 'heroku', confidence: 'high', match: header('via', /vegur/i) },
  { product: 'Heroku router', fixProduct: 'heroku', confidence: 'medium', match: body(/herokucdn\.com\/error-pages/i) },

  // Envoy (catalog B11): Server: envoy on its local replies, x-envoy-* on proxied ones, its reply texts.
  { product: 'Envoy', fixProduct: 'envoy', confidence: 'high', match: header('server', /^envoy/i) },
  { product: 'Envoy', fixProduct: 'envoy', confidence: 'high', match: has('x-envoy-upstream-service-time') },
  { product: 'Envoy', fixProduct: 'envoy', confidence: 'medium', match: body(/^(upstream request timeout|upstream connect error or disconnect\/reset before headers|no healthy upstream)/i) },

  // Traefik (catalog B12): no Server header; Go's plain-text replies.
  { product: 'Traefik', fixProduct: 'traefik', confidence: 'low', match: body(/^404 page not found\s*$/) },

  // Varnish (catalog B7): Via: 1.1 varnish (Varnish/7.1), X-Varnish, the Guru Meditation page.
  { product: 'Varnish', fixProduct: 'varnish', confidence: 'high', match: header('via', /varnish(?: \(Varnish\/([\d.]+)\))?/i, 1) },
  { product: 'Varnish', fixProduct: 'varnish', confidence: 'high', match: header('server', /^Varnish/i) },
  { product: 'Varnish', fixProduct: 'varnish', confidence: 'medium', match: has('x-varnish') },
  { product: 'Varnish', fixProduct: 'varnish', confidence: 'high', match: body(/Guru Meditation|Varnish cache server/i) },

  // Squid (catalog B6): Via: 1.1 host (squid/5.7), X-Squid-Error, "X-Cache: MISS from host".
  { product: 'Squid', fixProduct: 'squid', confidence: 'high', match: header('via', /\(squid(?:\/([\d.]+))?\)/i, 1) },
  { product: 'Squid', fixProduct: 'squid', confidence: 'high', match: header('server', /^squid(?:\/([\d.]+))?/i, 1) },
  { product: 'Squid', fixProduct: 'squid', confidence: 'high', match: has('x-squid-error') },
  { product: 'Squid', fixProduct: 'squid', confidence: 'medium', match: body(/Squid Software Foundation|Generated .* by .*\(squid/i) },

  // Apache Traffic Server (catalog B10): Server: ATS/9.2.9, its "Could Not Connect" page.
  { product: 'Apache Traffic Server', fixProduct: 'trafficserver', confidence: 'high', match: header('server', /^ATS(?:\/([\d.]+))?/, 1) },
  { product: 'Apache Traffic Server', fixProduct: 'trafficserver', confidence: 'high', match: header('via', /ApacheTrafficServer(?:\/([\d.]+))?/, 1) },
  { product: 'Apache Traffic Server', fixProduct: 'trafficserver', confidence: 'medium', match: body(/Description: Could not (connect to|process) the requested/i) },

  // tinyproxy (catalog C2).
  { product: 'tinyproxy', fixProduct: 'tinyproxy', confidence: 'high', match: header('server', /^tinyproxy(?:\/([\d.]+))?/i, 1) },
  { product: 'tinyproxy', fixProduct: 'tinyproxy', confidence: 'high', match: header('via', /tinyproxy(?: \(tinyproxy\/([\d.]+)\))?/i, 1) },
  { product: 'tinyproxy', fixProduct: 'tinyproxy', confidence: 'high', match: body(/Generated by tinyproxy(?: version ([\d.]+))?/i, 1) },

  // nginx (catalog B1): Server: nginx/1.22.1; even with server_tokens off its pages end in <center>nginx</center>.
  { product: 'nginx', fixProduct: 'nginx', confidence: 'high', match: header('server', /^(?:nginx|openresty)(?:\/([\d.]+))?/i, 1) },
  { product: 'nginx', fixProduct: 'nginx', confidence: 'high', match: body(/<center>(?:nginx|openresty)(?:\/([\d.]+))?<\/center>/i, 1) },

  // HAProxy (catalog B3): no Server header; its built-in error pages.
  {
    product: 'HAProxy',
    fixProduct: 'haproxy',
    confidence: 'medium',
    match: body(
      /No server is available to handle this request|The server didn't respond in time|Your browser sent an invalid request\.|The server returned an invalid or incomplete response|Your client didn't send a complete request in time/,
    ),
  },

  // Apache httpd (catalog B4): Server: Apache/2.4.x, the <address> signature, its proxy error wording.
  { product: 'Apache httpd', fixProduct: 'apache2', confidence: 'high', match: header('server', /^Apache(?:\/([\d.]+))?(?!-Coyote)(?: |$)/, 1) },
  { product: 'Apache httpd', fixProduct: 'apache2', confidence: 'high', match: body(/<address>Apache(?:\/([\d.]+))?[^<]*Server at/, 1) },
  {
    product: 'Apache httpd',
    fixProduct: 'apache2',
    confidence: 'medium',
    match: body(/The proxy server received an invalid\s+response|The server is temporarily unable to service your\s+request due to maintenance downtime|Size of a request header field exceeds server limit/),
  },

  // Caddy (catalog B5): Server: Caddy.
  { product: 'Caddy', fixProduct: 'caddy', confidence: 'high', match: header('server', /^Caddy/i) },

  // lighttpd (catalog B8).
  { product: 'lighttpd', fixProduct: 'lighttpd', confidence: 'high', match: header('server', /^lighttpd(?:\/([\d.]+))?/i, 1) },

  // h2o (catalog B9).
  { product: 'h2o', fixProduct: 'h2o', confidence: 'high', match: header('server', /^h2o(?:\/([\d.]+))?/i, 1) },
];

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

/**
 * The product guess from every answer seen. Products are ranked by their
 * strongest sign, then by how many signs they have; the runners-up are kept
 * as alternatives (a CDN in front of an nginx shows both).
 */
export function guessProduct(answers: AnswerEvidence[]): ProductGuess {
  const found = new Map<string, { fixProduct?: string; best: Confidence; evidence: string[]; version?: string; mediums: number; order: number }>();
  SIGNATURES.forEach((sig, order) => {
    for (const a of answers) {
      const hit = sig.match(a);
      if (!hit) continue;
      const f = found.get(sig.product) ?? { fixProduct: sig.fixProduct, best: sig.confidence, evidence: [], mediums: 0, order };
      if (!f.evidence.includes(hit.evidence)) {
        f.evidence.push(hit.evidence);
        if (sig.confidence === 'medium') f.mediums++;
      }
      if (RANK[sig.confidence] > RANK[f.best]) f.best = sig.confidence;
      f.version ??= hit.version;
      found.set(sig.product, f);
    }
  });
  // Two independent medium signs (e.g. a 524 and cf-cache-status) name the product as well as one strong sign.
  for (const f of found.values()) if (f.best === 'medium' && f.mediums >= 2) f.best = 'high';
  const ranked = [...found.entries()].sort(
    ([, a], [, b]) => RANK[b.best] - RANK[a.best] || b.evidence.length - a.evidence.length || a.order - b.order,
  );
  if (ranked.length === 0) {
    const hints = genericHints(answers);
    return { evidence: hints.length ? hints : ['no answer named a product: the path hides itself (or it is a TCP-level balancer, a firewall or NAT)'] };
  }
  const [[product, top], ...rest] = ranked;
  const guess: ProductGuess = { product, confidence: top.best, evidence: top.evidence };
  if (top.fixProduct) guess.fixProduct = top.fixProduct;
  if (top.version) guess.version = top.version;
  if (rest.length) guess.alternatives = rest.map(([p, f]) => ({ product: p, confidence: f.best, evidence: f.evidence }));
  return guess;
}

/**
 * Answers recorded in a normal probe's checks (`measured.status/headers/body`,
 * src/verdict/grade.ts answerEvidence), so their error pages count too.
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
