/**
 * Just enough RFC 6455 framing to police message sizes on a byte stream that
 * arrives in arbitrary TCP chunks: frame heads (§5.2) are collected across
 * chunks and inspected before they are forwarded; payloads (masked or not —
 * the mask only matters to whoever reads the payload) pass through untouched.
 * Fragmented messages (§5.4) are summed over their continuation frames;
 * control frames, which may be interleaved, count on their own.
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface FrameHead {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payloadBytes: number;
  headBytes: number;
}

/** Bytes needed for a frame head given its first two bytes (2, 4 or 10, plus 4 for a mask). */
function headLength(b0b1: Buffer): number {
  const len7 = b0b1[1] & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + ext + (b0b1[1] & 0x80 ? 4 : 0);
}

/** Parses a complete frame head. */
export function parseFrameHead(head: Buffer): FrameHead {
  const len7 = head[1] & 0x7f;
  let payloadBytes = len7;
  if (len7 === 126) payloadBytes = head.readUInt16BE(2);
  else if (len7 === 127) payloadBytes = Number(head.readBigUInt64BE(2));
  return {
    fin: (head[0] & 0x80) !== 0,
    opcode: head[0] & 0x0f,
    masked: (head[1] & 0x80) !== 0,
    payloadBytes,
    headBytes: headLength(head),
  };
}

/** A close frame (§5.5.1); `masked` for client-to-server frames (§5.3). */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  const head = Buffer.from([0x88, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i] ^= key[i % 4];
  return Buffer.concat([head, key, payload]);
}

export interface FrameLimit {
  maxBytes: number;
  per: 'frame' | 'message';
  /** false: only parse (to know frame boundaries), never enforce */
  enforce: boolean;
}

/**
 * Forwards frames whose size is within the limit. On the first frame that is
 * not, it forwards nothing of that frame, stops, and calls `onViolation`; the
 * owner then usually calls `finish()` on it and `finishAtBoundary()` on the
 * guard of the other direction.
 */
export class FrameGuard extends Transform {
  private partial: Buffer = Buffer.alloc(0);
  private payloadLeft = 0;
  private messageBytes = 0;
  private stopped = false;
  private outputEnded = false;
  private pendingLast: Buffer | undefined;

  constructor(
    private readonly limit: FrameLimit,
    private readonly onViolation: (head: FrameHead, size: number) => void,
  ) {
    super();
  }

  /** true between frames (no head or payload half-way through). */
  get atBoundary(): boolean {
    return this.payloadLeft === 0 && this.partial.length === 0;
  }

  /** true once this direction has sent its last bytes */
  get finished(): boolean {
    return this.outputEnded;
  }

  /** Sends `last` (a close frame) now and ends this direction; discards everything after. */
  finish(last: Buffer | undefined): void {
    if (this.outputEnded) return;
    this.outputEnded = true;
    this.stopped = true;
    this.pendingLast = undefined;
    if (last) this.push(last);
    this.push(null);
  }

  /** Like finish(), but waits for the frame in progress to pass completely first. */
  finishAtBoundary(last: Buffer): void {
    if (this.atBoundary || this.stopped) this.finish(last);
    else this.pendingLast = last;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.stopped && this.pendingLast === undefined) return cb();
    let off = 0;
    let from = 0;
    while (off < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - off);
        this.payloadLeft -= take;
        off += take;
        continue;
      }
      if (this.partial.length === 0) {
        // A frame boundary: what came before may leave.
        if (off > from) this.push(chunk.subarray(from, off));
        from = off;
        if (this.pendingLast !== undefined) {
          this.finish(this.pendingLast);
          return cb();
        }
        if (this.stopped) return cb();
      }
      // Collect the head, possibly over several chunks, before forwarding it.
      const need = this.partial.length < 2 ? 2 : headLength(this.partial);
      const take = Math.min(need - this.partial.length, chunk.length - off);
      this.partial = Buffer.concat([this.partial, chunk.subarray(off, off + take)]);
      off += take;
      from = off;
      if (this.partial.length < 2 || this.partial.length < headLength(this.partial)) continue;
      const head = parseFrameHead(this.partial);
      const isControl = head.opcode >= 0x8;
      if (!isControl) this.messageBytes = head.opcode === 0x0 ? this.messageBytes + head.payloadBytes : head.payloadBytes;
      const size = this.limit.per === 'frame' ? head.payloadBytes : this.messageBytes;
      if (this.limit.enforce && !isControl && size > this.limit.maxBytes) {
        this.partial = Buffer.alloc(0);
        this.stopped = true;
        this.onViolation(head, size);
        return cb();
      }
      this.push(this.partial);
      this.partial = Buffer.alloc(0);
      this.payloadLeft = head.payloadBytes;
    }
    if (off > from) this.push(chunk.subarray(from, off));
    if (this.pendingLast !== undefined && this.atBoundary) this.finish(this.pendingLast);
    cb();
  }
}
