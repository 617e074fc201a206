/**
 * Waiting without sleeping: a condition re-checked on every event that might
 * change it (`poke()`), on a slow tick for conditions that depend on the clock
 * alone (a silence long enough to call a stream dropped), and bounded by a
 * deadline and an abort signal. Never a bare sleep as synchronisation.
 */
export type Settled = 'done' | 'aborted' | 'deadline';

export class Condition {
  readonly settled: Promise<Settled>;
  private resolve!: (why: Settled) => void;
  private deadline: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly onAbort = (): void => this.finish('aborted');

  constructor(
    private readonly done: () => boolean,
    private readonly opts: { deadlineMs?: number; tickMs?: number; signal?: AbortSignal } = {},
  ) {
    this.settled = new Promise((r) => (this.resolve = r));
    if (opts.signal?.aborted) {
      this.finish('aborted');
      return;
    }
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (opts.deadlineMs !== undefined) this.extend(opts.deadlineMs);
    if (opts.tickMs !== undefined) this.ticker = setInterval(() => this.poke(), opts.tickMs);
    queueMicrotask(() => this.poke());
  }

  get isSettled(): boolean {
    return this.finished;
  }

  /** Re-check the condition now. */
  poke(): void {
    if (!this.finished && this.done()) this.finish('done');
  }

  /** Move the deadline to `ms` from now (e.g. once the first event arrived, the schedule tells when the rest is due). */
  extend(ms: number): void {
    if (this.finished) return;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.finish('deadline'), Math.max(0, ms));
  }

  private finish(why: Settled): void {
    if (this.finished) return;
    this.finished = true;
    if (this.deadline) clearTimeout(this.deadline);
    if (this.ticker) clearInterval(this.ticker);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.resolve(why);
  }
}

/** A bounded pause that is part of a measurement (the gap between two polls), not synchronisation. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
