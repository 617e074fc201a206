/**
 * compress: gzips text responses, `text/event-stream` included, and flushes
 * only when the compressor's own block is full — no flush per event. Small
 * SSE events then sit inside the deflate state and nothing decodable reaches
 * the client until the stream ends (docs/proxy-behaviour.md#cross-cutting-facts,
 * "Compression vs SSE": https://github.com/tower-rs/tower-http/issues/420,
 * https://github.com/fastify/fastify-compress/pull/133,
 * https://github.com/cloudflare/workerd/pull/7390). Imitates HAProxy
 * `compression algo gzip` without a `compression type` list (every type,
 * docs/proxy-behaviour.md#haproxy), Caddy's `encode` whose default matcher includes `text/*`
 * (docs/proxy-behaviour.md#caddy; with `flushPerChunk` it models Caddy's and Apache
 * mod_deflate's flush on each upstream flush), Traefik's `compress`
 * middleware (docs/proxy-behaviour.md#traefik).
 *
 * Only when the client accepts gzip (`Accept-Encoding: gzip`, q > 0, or `*`),
 * as every real compressor does: a client that did not ask gets the body
 * untouched. Browsers, Node's fetch (undici: "gzip, deflate") and the
 * `eventsource` package (which uses fetch) all send it, so SSE probes are
 * affected; the `ws` handshake and Node's http.get send none. A response that
 * is already encoded or says `Cache-Control: no-transform` passes untouched
 * (RFC 9110 §7.7; HAProxy honours it).
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import type { FaultDefinition } from '../fault-types';
import { appendHeader, headerText } from '../http-util';

export interface CompressParams {
  /** media types to compress; `type/*` matches a whole family */
  types: string[];
  /** Z_SYNC_FLUSH after every upstream chunk, so each event is decodable at once */
  flushPerChunk: boolean;
}

/** gzip with a sync flush after every written chunk. */
class FlushingGzip extends Transform {
  private readonly gz = zlib.createGzip();

  constructor() {
    super();
    this.gz.on('data', (d: Buffer) => this.push(d));
    this.gz.on('error', (err) => this.destroy(err));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.gz.write(chunk);
    this.gz.flush(zlib.constants.Z_SYNC_FLUSH, () => cb());
  }

  override _flush(cb: TransformCallback): void {
    this.gz.once('end', () => cb());
    this.gz.end();
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.gz.destroy();
    cb(err);
  }
}

/** true when an Accept-Encoding value admits gzip (RFC 9110 §12.5.3). */
export function acceptsGzip(value: string | string[] | undefined): boolean {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  for (const part of text.split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

function typeMatches(contentType: string, patterns: string[]): boolean {
  const mime = contentType.split(';')[0].trim().toLowerCase();
  if (mime === '') return false;
  return patterns.some((p) => {
    const pat = p.toLowerCase();
    return pat.endsWith('/*') ? mime.startsWith(pat.slice(0, -1)) : mime === pat;
  });
}

export const compress: FaultDefinition<CompressParams> = {
  name: 'compress',
  summary: 'gzips text responses incl. text/event-stream without flushing per event (HAProxy compression, Caddy encode)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      types: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: ['text/*', 'application/json', 'application/javascript', 'application/xml', 'application/xhtml+xml', 'image/svg+xml'],
      },
      flushPerChunk: { type: 'boolean', default: false },
    },
  },
  explain(p) {
    const flush = p.flushPerChunk ? 'flushing after every upstream chunk' : 'flushing only when a compressed block fills';
    return `gzips ${p.types.join(', ')} responses for clients that accept gzip, ${flush}`;
  },
  create(p) {
    return {
      response(ex, res) {
        if (!res.hasBody || !acceptsGzip(ex.req.headers['accept-encoding'])) return;
        const h = res.head.headers;
        const encoding = headerText(h['content-encoding']).trim().toLowerCase();
        if (encoding !== '' && encoding !== 'identity') return;
        if (/(^|,)\s*no-transform\s*(,|$)/i.test(headerText(h['cache-control']))) return;
        if (!typeMatches(headerText(h['content-type']), p.types)) return;
        h['content-encoding'] = 'gzip';
        delete h['content-length'];
        appendHeader(h, 'vary', 'Accept-Encoding');
        res.pipeBody(p.flushPerChunk ? new FlushingGzip() : zlib.createGzip());
        ex.log(`gzipped ${headerText(h['content-type']).split(';')[0]}${p.flushPerChunk ? ', flushing every chunk' : ' without flushing per chunk'}`);
      },
    };
  },
};
