/**
 * Small stream pieces the faults and the proxy core are built from. Each is a
 * Transform, so a fault's effect composes with the others in a pipeline.
 */
import { Socket } from 'node:net';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { TURN_BYTES } from '../../util/turns';

export { TURN_BYTES };

/**
 * The last piece before a socket. Open, it passes bytes through; once
 * `discard()`ed it swallows everything and never ends its output, so nothing
 * (not even a terminating chunk or a FIN from a finished pipeline) reaches the
 * socket after a fault cut the connection.
 */
export class Gate extends Transform {
  private open = true;
  private turnBytes = 0;

  discard(): void {
    this.open = false;
  }

  get discarding(): boolean {
    return !this.open;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.open) this.push(chunk);
    this.turnBytes += chunk.length;
    if (this.turnBytes < TURN_BYTES) return cb();
    // A large body lets the rest of the event loop run every TURN_BYTES
    // (util/turns): the pipe into this gate fills and pauses its source meanwhile.
    this.turnBytes = 0;
    setImmediate(cb);
  }

  override _flush(cb: TransformCallback): void {
    // A discarding gate holds its end forever: the connection was cut (or is
    // being dropped silently) and must not see an orderly end.
    if (this.open) cb();
  }
}

/** A gate the exchange can close for good: nothing more is forwarded, and no end either. */
export interface Discardable {
  discard(): void;
  readonly discarding: boolean;
}

/**
 * from ─▶ to, as pipe() does, with a Gate built in rather than a Transform
 * in between: one stream hop less for every chunk, which a WebSocket tunnel
 * pays on every frame. An orderly end of `from` ends `to` (FIN follows FIN)
 * unless discarding. `done` runs once: when `to` finished or closed, or with
 * the error when either side failed or `from` closed before its end.
 */
export class GatedPipe implements Discardable {
  private open = true;
  private settled = false;
  /** paused until `to` drains */
  private draining = false;
  /** paused until the next turn of the event loop */
  private yielding = false;
  private turnBytes = 0;

  constructor(
    private readonly from: Readable,
    to: NodeJS.WritableStream & { once(event: string, fn: (...args: unknown[]) => void): unknown },
    done: (err?: Error) => void,
  ) {
    const settle = (err?: Error): void => {
      if (this.settled) return;
      this.settled = true;
      done(err);
    };
    const nextTurn = (): void => {
      this.yielding = false;
      this.turnBytes = 0;
      if (!this.draining) from.resume();
    };
    from.on('data', (chunk: Buffer) => {
      if (!this.open) return;
      if (!to.write(chunk)) {
        this.draining = true;
        from.pause();
      }
      this.turnBytes += chunk.length;
      if (this.turnBytes >= TURN_BYTES && !this.yielding) {
        this.yielding = true;
        from.pause();
        setImmediate(nextTurn);
      }
    });
    to.on('drain', () => {
      this.draining = false;
      if (!this.yielding) from.resume();
    });
    from.once('end', () => {
      if (this.open) to.end();
    });
    from.once('error', (err) => settle(err as Error));
    to.once('error', (err) => settle(err as Error));
    to.once('finish', () => settle());
    to.once('close', () => settle());
    from.once('close', () => {
      if (!from.readableEnded) settle(new Error('premature close'));
    });
  }

  discard(): void {
    this.open = false;
    // Read on and drop: a discarding gate swallows everything.
    this.from.resume();
  }

  get discarding(): boolean {
    return !this.open;
  }
}

/**
 * Delays every chunk by `delayMs` and keeps their order (a delay line, like
 * toxiproxy's latency toxic): a steady stream arrives shifted, not slowed.
 */
export class DelayLine extends Transform {
  private readonly queue: { dueAt: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pendingFlush: TransformCallback | undefined;

  constructor(private readonly delayMs: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.queue.push({ dueAt: Date.now() + this.delayMs, chunk });
    this.schedule();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.queue.length === 0) cb();
    else this.pendingFlush = cb;
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    cb(err);
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const waitMs = Math.max(0, this.queue[0].dueAt - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0].dueAt <= now) this.push(this.queue.shift()!.chunk);
      if (this.queue.length > 0) this.schedule();
      else if (this.pendingFlush) {
        const cb = this.pendingFlush;
        this.pendingFlush = undefined;
        cb();
      }
    }, waitMs);
  }
}

/**
 * Caps throughput at `bytesPerSecond` (toxiproxy's bandwidth toxic). Chunks
 * leave in slices of about 50 ms worth of bytes; the next slice waits until
 * the previous one has "used" its time. No burst credit accumulates while idle.
 */
export class RateLimiter extends Transform {
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sliceBytes: number;

  constructor(private readonly bytesPerSecond: number) {
    super();
    this.sliceBytes = Math.max(1, Math.min(16 * 1024, Math.floor(bytesPerSecond / 20)));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.send(chunk, 0, cb);
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    cb(err);
  }

  private send(chunk: Buffer, offset: number, cb: TransformCallback): void {
    while (offset < chunk.length) {
      if (this.destroyed) return;
      const now = Date.now();
      if (this.nextAt < now) this.nextAt = now;
      const waitMs = this.nextAt - now;
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.send(chunk, offset, cb);
        }, waitMs);
        return;
      }
      const slice = chunk.subarray(offset, offset + this.sliceBytes);
      this.push(slice);
      offset += slice.length;
      this.nextAt += (slice.length * 1000) / this.bytesPerSecond;
    }
    cb();
  }
}

/** A pass-through that reports every chunk (counting bytes, resetting timers). */
export class Tap extends Transform {
  constructor(
    private readonly onChunk: (chunk: Buffer) => void,
    private readonly onEnd?: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.onChunk(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.onEnd?.();
    cb();
  }
}

/** A body with no bytes (the request body of a WebSocket handshake). */
export function emptyBody(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}

/** Reads a whole stream into one Buffer (for a bounded request body). */
export async function readAll(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += b.length;
    if (total > maxBytes) throw new Error(`request body larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Sends FIN and lets the peer answer with its own; anything it still sends is
 * read and ignored (closing with unread data would turn the FIN into a RST).
 * The socket is destroyed when the peer closes or after `graceMs`.
 */
export function closeGracefully(socket: Socket, graceMs = 2000): void {
  if (socket.destroyed) return;
  const t = setTimeout(() => socket.destroy(), graceMs);
  t.unref();
  socket.once('close', () => clearTimeout(t));
  socket.on('end', () => socket.destroy());
  socket.resume();
  if (!socket.writableEnded) socket.end();
}

/** TCP RST: SO_LINGER 0 then close (Node ≥ 16.17). */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // Behind a TLS front the reset belongs to the TCP connection under the TLS socket (Node keeps it as _parent).
  const tcp = (socket as Socket & { _parent?: unknown })._parent;
  try {
    if (tcp instanceof Socket) {
      tcp.resetAndDestroy();
      socket.destroy();
    } else socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
