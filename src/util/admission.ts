/**
 * Starts tasks as fast as this process keeps up, measured rather than
 * guessed: a timer ticks every `tickMs` and notes how late it fired (the
 * event loop's delay). Each tick admits the next task when no tick of the
 * last `windowTicks` was later than `lagLimitMs`, and when fewer than
 * `maxInFlight` run; a late tick admits nothing until the loop has caught up
 * for a whole window.
 *
 * For the matrix: a setup mostly waits (silent streams, held requests: cheap
 * sockets), and its cost is a burst when it starts (a proxy launched, the
 * first connections). On an idle machine the setups start one per tick; on a
 * busy one (CPU hogs, a slow proxy's start-up) they start only as the loop
 * has room, so a proxy's timer is never measured through our own backlog.
 */
export interface AdmissionOptions {
  /** at most this many tasks run at once (a bound on open files and processes) */
  maxInFlight: number;
  /** default 50 ms */
  tickMs?: number;
  /** a tick later than this is a loop with no room to spare; default 30 ms */
  lagLimitMs?: number;
  /** admit only after this many ticks in a row on time; default 3 */
  windowTicks?: number;
  /** stop admitting: tasks under way finish, the rest are never started */
  signal?: AbortSignal;
}

export interface AdmissionStats {
  /** tasks started */
  started: number;
  /** ticks that admitted nothing because the loop was late */
  heldBack: number;
  /** the latest tick, in ms late */
  worstLagMs: number;
}

/**
 * Runs every task, starting each when admitted, in order; resolves when all
 * started ones have finished (at once when aborted). A task that throws
 * stops the admissions, and its error is thrown once the others finished.
 */
export async function runAdmitted(tasks: Array<() => Promise<void>>, opts: AdmissionOptions): Promise<AdmissionStats> {
  const tickMs = opts.tickMs ?? 50;
  const lagLimitMs = opts.lagLimitMs ?? 30;
  const windowTicks = opts.windowTicks ?? 3;
  const stats: AdmissionStats = { started: 0, heldBack: 0, worstLagMs: 0 };
  const running = new Set<Promise<void>>();
  let next = 0;
  let onTime = windowTicks;
  let last = performance.now();
  let failed: { error: unknown } | undefined;
  return new Promise<AdmissionStats>((resolve, reject) => {
    const finish = (): void => {
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failed) reject(failed.error);
      else resolve(stats);
    };
    const onAbort = (): void => finish();
    const settled = (): void => {
      if ((next >= tasks.length || failed || opts.signal?.aborted) && running.size === 0) finish();
    };
    const timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - last - tickMs);
      last = now;
      stats.worstLagMs = Math.max(stats.worstLagMs, Math.round(lag));
      onTime = lag > lagLimitMs ? 0 : onTime + 1;
      if (next >= tasks.length || failed || opts.signal?.aborted) return;
      if (running.size >= opts.maxInFlight) return;
      if (onTime < windowTicks) {
        stats.heldBack++;
        return;
      }
      const task = tasks[next++];
      stats.started++;
      const p: Promise<void> = task()
        .catch((error: unknown) => {
          failed ??= { error };
        })
        .finally(() => {
          running.delete(p);
          settled();
        });
      running.add(p);
    }, tickMs);
    if (opts.signal?.aborted) return finish();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (tasks.length === 0) finish();
  });
}
