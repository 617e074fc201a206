/**
 * Bytes written to clients and not yet taken by them. Each reader may be
 * `maxUnreadBytes` behind; all readers together `maxUnreadTotalBytes`. Past
 * the first a reader is cut; past the second, the reader being written to is
 * cut when it is at least as far behind as the average, so the readers that
 * hold the memory go first and a reader that keeps up is never the one cut.
 * A reader with bytes waiting that takes none of them for `sendTimeoutMs` is
 * cut too, as nginx's `send_timeout` does
 * (https://nginx.org/en/docs/http/ngx_http_core_module.html#send_timeout):
 * a WebSocket peer that is no longer read from (its echoes are not taken)
 * would otherwise sit forever.
 *
 * Each reader's figure is updated when it is written to and when a write of
 * it has been flushed, so the total needs no scan of every connection.
 */
import type { OriginLimits } from './limits';

type Limits = Pick<OriginLimits, 'maxUnreadBytes' | 'maxUnreadTotalBytes' | 'sendTimeoutMs'>;

interface Reader {
  unread: number;
  /** when it last took something, or had nothing waiting */
  progressAt: number;
  cut: (why: string) => void;
}

export class UnreadLedger {
  private total = 0;
  private readonly readers = new Map<object, Reader>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly limits: Limits) {}

  /** Starts counting a reader; `cut` disconnects it (with the reason, for the log) when it stops taking what it is sent. */
  add(reader: object, cut: (why: string) => void = () => undefined): void {
    if (this.readers.has(reader)) return;
    this.readers.set(reader, { unread: 0, progressAt: Date.now(), cut });
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(1_000, this.limits.sendTimeoutMs / 4)));
      this.sweeper.unref();
    }
  }

  /** The reader now has `unread` bytes waiting; ignored once it is removed. */
  note(reader: object, unread: number, tookSome = true): void {
    const r = this.readers.get(reader);
    if (!r) return;
    if (tookSome || unread === 0) r.progressAt = Date.now();
    this.total += unread - r.unread;
    r.unread = unread;
  }

  remove(reader: object): void {
    this.total -= this.readers.get(reader)?.unread ?? 0;
    this.readers.delete(reader);
    if (this.readers.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  get unreadBytes(): number {
    return this.total;
  }

  /** Records the reader's figure after a write; returns why it must be cut, or undefined. */
  afterWrite(reader: object, unread: number): string | undefined {
    this.note(reader, unread, false);
    const { maxUnreadBytes, maxUnreadTotalBytes } = this.limits;
    if (unread > maxUnreadBytes) return `${unread} bytes written and not taken, at most ${maxUnreadBytes} (--max-unread-mib)`;
    if (this.total > maxUnreadTotalBytes && unread > 0 && unread * this.readers.size >= this.total) {
      return `all slow readers together hold ${this.total} bytes, at most ${maxUnreadTotalBytes} (--max-unread-total-mib), and this one is ${unread} bytes behind, more than most`;
    }
    return undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [reader, r] of this.readers) {
      if (r.unread > 0 && now - r.progressAt > this.limits.sendTimeoutMs) {
        this.remove(reader);
        r.cut(`${r.unread} bytes waiting and none taken for ${((now - r.progressAt) / 1000).toFixed(1)} s, at most ${this.limits.sendTimeoutMs / 1000} s (--send-timeout)`);
      }
    }
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.readers.clear();
    this.total = 0;
  }
}
