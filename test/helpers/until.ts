/**
 * For state that changes on its own — another process exits, a channel
 * expires, an exchange's log line is written as it ends — re-checks `check`
 * every 20 ms and resolves with its first truthy value, or with its last
 * (falsy) value once `deadlineMs` has passed. The caller asserts on what it
 * gets. The retry interval of a poll, not a sleep for synchronisation.
 */
export async function until<T>(check: () => T | Promise<T>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
