/**
 * Bytes written to clients and not yet taken by them. Each reader may be
 * `maxUnreadBytes` behind; all readers together `maxUnreadTotalBytes`. Past
 * the first a reader is cut; past the second, the reader being written to is
 * cut when it is at least as far behind as the average, so the readers that
 * hold the memory go first and a reader that keeps up is never the one cut.
 *
 * Each reader's figure is updated when it is written to and when a write of
 * it has been flushed, so the total needs no scan of every connection.
 */
import type { OriginLimits } from './limits';

export class UnreadLedger {
  private total = 0;
  private readonly behind = new Map<object, number>();

  constructor(private readonly limits: Pick<OriginLimits, 'maxUnreadBytes' | 'maxUnreadTotalBytes'>) {}

  /** Starts counting a reader. */
  add(reader: object): void {
    if (!this.behind.has(reader)) this.behind.set(reader, 0);
  }

  /** The reader now has `unread` bytes waiting; ignored once it is removed. */
  note(reader: object, unread: number): void {
    const was = this.behind.get(reader);
    if (was === undefined) return;
    this.total += unread - was;
    this.behind.set(reader, unread);
  }

  remove(reader: object): void {
    this.total -= this.behind.get(reader) ?? 0;
    this.behind.delete(reader);
  }

  get unreadBytes(): number {
    return this.total;
  }

  /** Records the reader's figure after a write; returns why it must be cut, or undefined. */
  afterWrite(reader: object, unread: number): string | undefined {
    this.note(reader, unread);
    const { maxUnreadBytes, maxUnreadTotalBytes } = this.limits;
    if (unread > maxUnreadBytes) return `${unread} bytes written and not taken, at most ${maxUnreadBytes} (--max-unread-mib)`;
    if (this.total > maxUnreadTotalBytes && unread > 0 && unread * this.behind.size >= this.total) {
      return `all slow readers together hold ${this.total} bytes, at most ${maxUnreadTotalBytes} (--max-unread-total-mib), and this one is ${unread} bytes behind, more than most`;
    }
    return undefined;
  }
}
