import fs from 'node:fs';

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
 *
 * The loop's delay shows only this process's backlog; the proxies run in
 * processes of their own. Where Linux reports CPU pressure
 * (/proc/pressure/cpu, https://docs.kernel.org/accounting/psi.html), a tick
 * also admits nothing while some task of the machine waited for a CPU more
 * than `pressureLimit` of the window's time. So that a machine busy with
 * other work (two CPU hogs keep the pressure near 100 %) still gets through,
 * pressure alone never holds the next task back longer than `pressureHoldMs`.
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
  /** the share of the window some task waited for a CPU above which nothing is admitted; default 0.6, 1 turns it off */
  pressureLimit?: number;
  /** pressure alone holds admissions back at most this long; default 400 ms */
  pressureHoldMs?: number;
  /** cumulative µs some task waited for a CPU (default: /proc/pressure/cpu's `some total`; undefined where there is none) */
  readPressureUs?: () => number | undefined;
  /** stop admitting: tasks under way finish, the rest are never started */
  signal?: AbortSignal;
}

export interface AdmissionStats {
  /** tasks started */
  started: number;
  /** ticks that admitted nothing because the loop was late */
  heldBack: number;
  /** ticks that admitted nothing because the machine's CPUs were contended */
  heldByPressure: number;
  /** the latest tick, in ms late */
  worstLagMs: number;
}

/** /proc/pressure/cpu's `some … total=` (µs), or undefined where the kernel has no PSI. */
export function cpuPressureUs(): number | undefined {
  try {
    const m = /^some .*total=(\d+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
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
  const pressureLimit = opts.pressureLimit ?? 0.6;
  const pressureHoldMs = opts.pressureHoldMs ?? 400;
  const readPressure = opts.readPressureUs ?? cpuPressureUs;
  const stats: AdmissionStats = { started: 0, heldBack: 0, heldByPressure: 0, worstLagMs: 0 };
  /** the pressure counter at each of the window's ticks */
  const pressures: Array<{ at: number; us: number }> = [];
  let lastAdmitAt = performance.now();
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
      const us = pressureLimit < 1 ? readPressure() : undefined;
      if (us !== undefined) {
        pressures.push({ at: now, us });
        if (pressures.length > windowTicks + 1) pressures.shift();
      }
      if (running.size >= opts.maxInFlight) return;
      if (onTime < windowTicks) {
        stats.heldBack++;
        return;
      }
      if (pressures.length > 1) {
        const oldest = pressures[0];
        const newest = pressures[pressures.length - 1];
        const share = newest.at > oldest.at ? (newest.us - oldest.us) / 1000 / (newest.at - oldest.at) : 0;
        if (share > pressureLimit && now - lastAdmitAt < pressureHoldMs) {
          stats.heldByPressure++;
          return;
        }
      }
      lastAdmitAt = now;
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
