/**
 * The log line of one exchange, written when it ends:
 *
 *   #12 GET /sse?count=5 → 200 ↓ 12.4 KiB ↑ 0 B 1.2 s · buffer: held 3 chunks (4.1 KiB) 1.2 s
 *   #13 GET /ws → 101 upgrade ↓ 2.0 KiB ↑ 1.0 KiB 60.0 s · idle-timeout: cut after 60.0 s idle (close)
 *
 * method, path, the status the client got, bytes each way, duration, and what
 * each fault did (its notes, in the order they happened). A note on an
 * exchange that is already a second old is also written at once, so a long
 * stream shows what happens to it while it lasts.
 */
import type { IncomingMessage } from 'node:http';
import { formatDuration, formatSize } from '../../util/format';

const LIVE_AFTER_MS = 1_000;
const MAX_PATH = 80;

export class ExchangeRecord {
  private readonly notes: string[] = [];
  private readonly startedAt = performance.now();
  private readonly written: number;
  private readonly read: number;
  private finished = false;

  constructor(
    readonly id: number,
    private readonly req: IncomingMessage,
    private readonly emit: (line: string) => void,
  ) {
    this.written = req.socket.bytesWritten;
    this.read = req.socket.bytesRead;
  }

  private get what(): string {
    const url = this.req.url ?? '/';
    return `#${this.id} ${this.req.method ?? 'GET'} ${url.length > MAX_PATH ? `${url.slice(0, MAX_PATH)}…` : url}`;
  }

  /** What a fault did ("buffer: held …"). */
  note(line: string): void {
    if (this.finished) return;
    this.notes.push(line);
    if (performance.now() - this.startedAt > LIVE_AFTER_MS) this.emit(`${this.what} (open): ${line}`);
  }

  /** Writes the line; `status` is what the client got (undefined: no answer reached it). */
  finish(status: number | undefined, upgraded: boolean): void {
    if (this.finished) return;
    this.finished = true;
    const socket = this.req.socket;
    const down = Math.max(0, socket.bytesWritten - this.written);
    const up = Math.max(0, socket.bytesRead - this.read);
    const answer = status === undefined ? 'no answer' : `${status}${upgraded && status === 101 ? ' upgrade' : ''}`;
    const notes = this.notes.length ? ` · ${this.notes.join('; ')}` : '';
    this.emit(`${this.what} → ${answer} ↓ ${formatSize(down)} ↑ ${formatSize(up)} ${formatDuration(performance.now() - this.startedAt)}${notes}`);
  }
}
