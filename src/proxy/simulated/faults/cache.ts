/**
 * cache: a shared cache in front of the origin. GET responses are stored for
 * `ttlMs` (or the response's own `s-maxage`/`max-age`) and later requests for
 * the same URL get the stored copy with `Age` and `X-Cache: HIT` — a short
 * poll sees stale data, a long poll comes back at once with an old answer.
 *
 * Honouring mode (default) follows Varnish's builtin VCL
 * (https://github.com/varnishcache/varnish-cache/blob/27d2ce15b20b94d0a5e452b0d5c29c3145d00b6a/bin/varnishd/builtin.vcl,
 * docs/proxy-behaviour.md#varnish): no
 * caching when the request has `Authorization` or `Cookie`, or the response
 * says `no-store`, `no-cache`, `private`, `max-age=0`, has `Set-Cookie` or
 * `Vary: *`; otherwise `default_ttl` (120 s) applies to responses without
 * cache headers — exactly the baseline poll answer. `ignoreCacheControl`
 * imitates a CDN "cache everything" rule (Cloudflare cache rules, Fastly's 1 h
 * fallback TTL; docs/proxy-behaviour.md#cloudflare,
 * https://docs.fastly.com/en/guides/controlling-caching): then event streams
 * are cached too, and a cached stream "is no longer a stream. Later clients
 * receive a recording of the first client's events, all at once" (Bunny CDN,
 * https://bunny.net/docs/cdn/server-sent-events).
 *
 * Bounded as Varnish's `-s malloc,SIZE` storage is
 * (https://varnish-cache.org/docs/trunk/users-guide/storage-backends.html):
 * the store holds at most `maxTotalBytes`, evicting the least recently used
 * entry first, and expired entries are swept, not only replaced when the same
 * URL comes again.
 *
 * Not modelled: request collapsing (concurrent misses all go to the origin),
 * revalidation, grace, Vary other than `*`.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Exchange, FaultDefinition } from '../fault-types';
import { headerText } from '../http-util';
import { Tap } from '../streams';
import { formatDuration, formatSize } from '../../../util/format';

export interface CacheParams {
  ttlMs: number;
  ignoreQuery: boolean;
  ignoreCacheControl: boolean;
  /** larger responses are passed on but not stored */
  maxObjectBytes: number;
  /** the whole store at most; the least recently used entries go first */
  maxTotalBytes: number;
}

interface Entry {
  status: number;
  statusMessage: string;
  headers: OutgoingHttpHeaders;
  /** the body as it arrived: kept in its chunks, never joined into one copy */
  body: readonly Buffer[];
  bodyBytes: number;
  storedAt: number;
  ttlMs: number;
}

/** Entries by key in use order (a Map keeps insertion order: a hit is moved to the end), bounded by their body bytes. */
class LruStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bodyBytes;
  }

  /** Stores the entry (when it fits at all); returns how many entries were evicted for it. */
  set(key: string, e: Entry): number {
    this.delete(key);
    if (e.bodyBytes > this.maxBytes) return 0;
    let evicted = 0;
    for (const [k] of this.entries) {
      if (this.bytes + e.bodyBytes <= this.maxBytes) break;
      this.delete(k);
      evicted++;
    }
    this.entries.set(key, e);
    this.bytes += e.bodyBytes;
    return evicted;
  }

  sweep(now: number): void {
    for (const [k, e] of this.entries) if (now - e.storedAt >= e.ttlMs) this.delete(k);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** Statuses cacheable by default (RFC 9110 §15.1 "heuristically cacheable"), minus 206. */
const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

/** The freshness lifetime a response allows, or null when it must not be stored. */
export function storableTtlMs(headers: OutgoingHttpHeaders, defaultTtlMs: number): number | null {
  const directives = headerText(headers['cache-control'])
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || d === 'private' || d.startsWith('no-cache=') || d.startsWith('private='))) return null;
  if (headers['set-cookie'] !== undefined) return null;
  if (headerText(headers['vary']).trim() === '*') return null;
  for (const name of ['s-maxage', 'max-age']) {
    const d = directives.find((x) => x.startsWith(`${name}=`));
    if (d) {
      const seconds = Number(d.slice(name.length + 1).replace(/"/g, ''));
      if (!Number.isFinite(seconds) || seconds <= 0) return null;
      return seconds * 1000;
    }
  }
  return defaultTtlMs;
}

export const cache: FaultDefinition<CacheParams> = {
  name: 'cache',
  summary: 'caches GET responses for N ms and serves them with Age and X-Cache: HIT (Varnish 120 s default, CDN rules)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ttlMs: { type: 'integer', minimum: 0, default: 120_000 },
      ignoreQuery: { type: 'boolean', default: false },
      ignoreCacheControl: { type: 'boolean', default: false },
      maxObjectBytes: { type: 'integer', minimum: 0, default: 8_388_608 },
      maxTotalBytes: { type: 'integer', minimum: 0, default: 67_108_864 },
    },
  },
  explain(p) {
    const key = p.ignoreQuery ? 'by path, ignoring the query string' : 'by path and query';
    const honour = p.ignoreCacheControl
      ? 'whatever the response says (streams included)'
      : 'unless the response forbids it (no-store, no-cache, private, max-age=0, Set-Cookie)';
    return `caches GET responses ${key} for ${p.ttlMs} ms ${honour}, answering later requests with X-Cache: HIT`;
  },
  create(p) {
    const store = new LruStore(p.maxTotalBytes);
    /** bytes of responses being recorded, bounded like the store */
    let recording = 0;
    const misses = new WeakMap<Exchange, string>();
    // Expired entries leave even when their URL never comes again.
    const sweeper = setInterval(() => store.sweep(Date.now()), Math.max(100, Math.min(p.ttlMs, 30_000)));
    sweeper.unref();
    const keyOf = (ex: Exchange): string => {
      const u = new URL(ex.url, 'http://cache.invalid');
      return p.ignoreQuery ? u.pathname : u.pathname + u.search;
    };
    return {
      request(ex) {
        if (ex.method !== 'GET' || ex.upgrade) return;
        // Varnish's builtin vcl_recv passes requests with credentials.
        if (!p.ignoreCacheControl && (ex.headers['authorization'] !== undefined || ex.headers['cookie'] !== undefined)) return;
        const key = keyOf(ex);
        const hit = store.get(key);
        const now = Date.now();
        if (hit && now - hit.storedAt < hit.ttlMs) {
          ex.log(`served from the cache, stored ${formatDuration(now - hit.storedAt)} ago`);
          return {
            status: hit.status,
            statusMessage: hit.statusMessage,
            headers: {
              ...hit.headers,
              'content-length': hit.bodyBytes,
              age: String(Math.floor((now - hit.storedAt) / 1000)),
              'x-cache': 'HIT',
            },
            body: Readable.from(hit.body, { objectMode: false }),
          };
        }
        if (hit) store.delete(key);
        misses.set(ex, key);
      },
      response(ex, res) {
        const key = misses.get(ex);
        if (key === undefined) return;
        const h = res.head.headers;
        const snapshot: OutgoingHttpHeaders = { ...h };
        h['x-cache'] = 'MISS';
        if (res.source !== 'origin' || res.upgraded || !CACHEABLE_STATUS.has(res.head.status)) return;
        const ttlMs = p.ignoreCacheControl ? p.ttlMs : storableTtlMs(snapshot, p.ttlMs);
        if (ttlMs === null || ttlMs <= 0) return;
        delete snapshot['content-length'];
        delete snapshot['age'];
        const { status, statusMessage } = res.head;
        // The body being recorded: given up past maxObjectBytes, or when
        // all recordings together would pass maxTotalBytes.
        let chunks: Buffer[] | undefined = [];
        let held = 0;
        const drop = (): void => {
          recording -= held;
          held = 0;
          chunks = undefined;
        };
        ex.onEnd(drop);
        const record = (body: readonly Buffer[], bodyBytes: number): void => {
          const evicted = store.set(key, { status, statusMessage, headers: snapshot, body, bodyBytes, storedAt: Date.now(), ttlMs });
          ex.log(`stored ${formatSize(bodyBytes)} for ${formatDuration(ttlMs)}`);
          if (evicted > 0) ex.log(`stored ${bodyBytes} bytes; evicted ${evicted} least recently used entr${evicted === 1 ? 'y' : 'ies'} to stay within maxTotalBytes ${p.maxTotalBytes}`);
        };
        if (!res.hasBody) {
          record([], 0);
          return;
        }
        res.pipeBody(
          new Tap(
            (chunk) => {
              if (!chunks) return;
              if (held + chunk.length > p.maxObjectBytes) return drop();
              if (recording + chunk.length > p.maxTotalBytes) {
                ex.log(`not stored: responses being recorded would hold more than maxTotalBytes ${p.maxTotalBytes}`);
                return drop();
              }
              chunks.push(chunk);
              held += chunk.length;
              recording += chunk.length;
            },
            () => {
              // Stored only when the body ended normally: a cut or reset
              // stream never reaches this flush.
              // Kept in the chunks it came in: joining an 8 MiB body into one
              // buffer held the proxy's event loop (hostile suite, cache-fill).
              const body = chunks && !ex.wasCut ? chunks : undefined;
              const bytes = held;
              drop();
              if (body) record(body, bytes);
            },
          ),
        );
      },
      close() {
        clearInterval(sweeper);
        store.clear();
      },
    };
  },
};
