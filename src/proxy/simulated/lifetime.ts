/**
 * The timers and end callbacks of one exchange: every timer a fault sets is
 * cleared when the exchange ends, and every end callback runs once, a throwing
 * one never stopping the others.
 */
export class Lifetime {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly endFns: (() => void)[] = [];
  private over = false;

  get ended(): boolean {
    return this.over;
  }

  /** setTimeout cleared at the end; `onThrow` runs when `fn` throws. Returns a cancel function. */
  timer(ms: number, fn: () => void, onThrow: () => void): () => void {
    if (this.over) return () => {};
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.over) return;
      try {
        fn();
      } catch {
        onThrow();
      }
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Runs once when the exchange ends (at once when it already has). */
  onEnd(fn: () => void): void {
    if (this.over) fn();
    else this.endFns.push(fn);
  }

  /** Ends it: clears the timers, runs the end callbacks. False when it had already ended. */
  end(): boolean {
    if (this.over) return false;
    this.over = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const fn of this.endFns.splice(0)) {
      try {
        fn();
      } catch {
        // a fault's cleanup must not break the others'
      }
    }
    return true;
  }
}
