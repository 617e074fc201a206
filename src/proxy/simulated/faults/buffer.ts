/**
 * buffer: holds response bodies instead of streaming them.
 *
 * - `bytes` (default): sends a body on in blocks of `maxBytes` (and the rest
 *   at its end), like nginx's default `proxy_buffering on`, where the response
 *   goes out when a `proxy_buffer_size` buffer (one memory page, 4 KiB on
 *   x86-64) fills — users report SSE events arriving in batches, or all at
 *   once when the response ends
 *   (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering,
 *   https://github.com/owncloud/core/pull/9924,
 *   https://github.com/mpetrunic/fastify-sse-v2/issues/17; docs/proxy-behaviour.md#nginx);
 * - `until-end`: holds the whole response, head included, until it ends
 *   (lighttpd `server.stream-response-body = 0`, Azure Application Gateway,
 *   mitmproxy's default;
 *   https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_stream-response-bodyDetails,
 *   https://docs.azure.cn/en-us/application-gateway/proxy-buffers,
 *   https://mitmproxy.org/);
 * - `interval`: flushes every `flushMs` after the first held byte, or earlier
 *   when `maxBytes` gather (Traefik `responseForwarding.flushInterval` 100 ms
 *   with Go's 4 KiB response buffer; docs/proxy-behaviour.md#traefik).
 *
 * With `honorAccelBuffering` (nginx's behaviour) a response carrying
 * `X-Accel-Buffering: no` passes unbuffered, and the header itself is always
 * hidden from the client (nginx's default `proxy_hide_header` list).
 *
 * Bounded as nginx is: a response that would hold more than `maxHeldBytes`
 * is streamed on from there, and the proxy's log says so — nginx writes to a
 * temp file up to `proxy_max_temp_file_size` (1024 MB) and passes the rest on
 * synchronously
 * (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_max_temp_file_size).
 * nginx holds that on disk; this proxy holds it in memory, so all responses
 * together may hold `maxHeldTotalBytes`, and a response that would go past it
 * streams on in the same way.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FaultDefinition } from '../fault-types';
import { headerText } from '../http-util';
import { SharedBudget } from '../../../util/shared-budget';
import { formatDuration, formatSize } from '../../../util/format';

export type BufferMode = 'until-end' | 'bytes' | 'interval';

export interface BufferParams {
  mode: BufferMode;
  /** block size for `bytes`, early-flush size for `interval` */
  maxBytes: number;
  /** flush period for `interval` */
  flushMs: number;
  /** `X-Accel-Buffering: no` from the origin turns buffering off for that response */
  honorAccelBuffering: boolean;
  /** the most one response may hold; past it the rest streams */
  maxHeldBytes: number;
  /** the most all responses through this proxy may hold together */
  maxHeldTotalBytes: number;
}


/** What a HoldingBuffer may hold: per response and together; `onLimit` says which was reached. */
export interface HoldLimits {
  perResponse: number;
  /** bytes held by every response of one proxy */
  shared?: SharedBudget;
  onLimit?: (which: 'response' | 'total') => void;
  /** at the end: how much was held, in how many releases, the longest for how long */
  onDone?: (held: { bytes: number; releases: number; longestMs: number }) => void;
}

/** Holds chunks and lets them go as one, by size, by timer, or at the end. */
export class HoldingBuffer extends Transform {
  private chunks: Buffer[] = [];
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  /** past the hold limit: everything streams */
  private streaming = false;
  private heldSince = 0;
  private readonly stats = { bytes: 0, releases: 0, longestMs: 0 };

  constructor(
    private readonly mode: BufferMode,
    private readonly maxBytes: number,
    private readonly flushMs: number,
    private readonly limits: HoldLimits = { perResponse: Infinity },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.streaming) {
      this.push(chunk);
      return cb();
    }
    const shared = this.limits.shared;
    const over = this.held + chunk.length > this.limits.perResponse ? 'response' : shared && shared.used + chunk.length > shared.max ? 'total' : undefined;
    if (over) {
      this.streaming = true;
      this.limits.onLimit?.(over);
      this.release();
      this.push(chunk);
      return cb();
    }
    if (this.held === 0) this.heldSince = Date.now();
    this.chunks.push(chunk);
    this.hold(chunk.length);
    if (this.mode !== 'until-end' && this.held >= this.maxBytes) this.release();
    if (this.mode === 'interval' && this.held > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.release();
      }, this.flushMs);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.release();
    this.done();
    cb();
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.chunks = [];
    this.hold(-this.held);
    this.done();
    cb(err);
  }

  private done(): void {
    const stats = { ...this.stats };
    this.stats.releases = 0;
    if (stats.releases > 0) this.limits.onDone?.(stats);
  }

  private hold(bytes: number): void {
    this.held += bytes;
    if (this.limits.shared) this.limits.shared.used += bytes;
  }

  private release(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.held === 0) return;
    const out = this.chunks;
    this.stats.bytes += this.held;
    this.stats.releases += 1;
    this.stats.longestMs = Math.max(this.stats.longestMs, Date.now() - this.heldSince);
    this.chunks = [];
    this.hold(-this.held);
    // Released together, in the chunks they came in: joining them first cost
    // a copy of up to maxHeldBytes on the event loop.
    for (const chunk of out) this.push(chunk);
  }
}

export const buffer: FaultDefinition<BufferParams> = {
  name: 'buffer',
  summary: 'holds response bodies: until they end, until N bytes gather, or flushing every N ms (nginx, lighttpd, Traefik)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: { type: 'string', enum: ['until-end', 'bytes', 'interval'], default: 'bytes' },
      maxBytes: { type: 'integer', minimum: 1, default: 4096 },
      flushMs: { type: 'integer', minimum: 0, default: 100 },
      honorAccelBuffering: { type: 'boolean', default: true },
      maxHeldBytes: { type: 'integer', minimum: 1, default: 8_388_608 },
      maxHeldTotalBytes: { type: 'integer', minimum: 1, default: 67_108_864 },
    },
  },
  explain(p) {
    const how =
      p.mode === 'until-end'
        ? 'holds each response, head included, until it ends and then sends it at once'
        : p.mode === 'bytes'
          ? `holds response bodies until ${p.maxBytes} bytes gather (or the body ends)`
          : `flushes response bodies every ${p.flushMs} ms (or when ${p.maxBytes} bytes gather)`;
    return p.honorAccelBuffering ? `${how}; a response with X-Accel-Buffering: no passes unbuffered` : how;
  },
  create(p) {
    const shared = new SharedBudget(p.maxHeldTotalBytes);
    const limitReached = (which: 'response' | 'total'): string =>
      which === 'response'
        ? `held ${p.maxHeldBytes} bytes, the most one response may hold (maxHeldBytes): streaming the rest, as nginx does past proxy_max_temp_file_size`
        : `all responses together hold ${shared.used} bytes, the most this proxy holds (maxHeldTotalBytes ${p.maxHeldTotalBytes}): streaming the rest of this one`;
    return {
      response(ex, res) {
        if (p.honorAccelBuffering) {
          const value = headerText(res.head.headers['x-accel-buffering']).trim().toLowerCase();
          delete res.head.headers['x-accel-buffering'];
          if (value === 'no') return;
        }
        if (!res.hasBody) return;
        if (p.mode === 'until-end') res.head.holdHead = true;
        res.pipeBody(new HoldingBuffer(p.mode, p.maxBytes, p.flushMs, {
            perResponse: p.maxHeldBytes,
            shared,
            onLimit: (which) => ex.log(limitReached(which)),
            // Only a hold someone could notice is worth a note.
            onDone: (held) => held.longestMs >= 20 && ex.log(`held ${formatSize(held.bytes)} in ${held.releases} release${held.releases > 1 ? 's' : ''}, the longest for ${formatDuration(held.longestMs)}`),
          }));
      },
    };
  },
};
