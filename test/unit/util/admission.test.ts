/** The matrix's admission: starts in order, bounded, and none while the event loop is late. */
import { runAdmitted } from '../../../src/util/admission';

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  return {
    task: async () => {
      log.push(name);
      started();
      await done;
    },
    running,
    release,
  };
}

it('starts tasks in order, never more than maxInFlight at once', async () => {
  const log: string[] = [];
  const gates = ['a', 'b', 'c'].map((n) => gate(log, n));
  const run = runAdmitted(gates.map((g) => g.task), { maxInFlight: 2, tickMs: 5 });
  await Promise.all([gates[0].running, gates[1].running]);
  // c waits for a slot however many ticks pass: release b and it starts.
  expect(log).toEqual(['a', 'b']);
  gates[1].release();
  await gates[2].running;
  expect(log).toEqual(['a', 'b', 'c']);
  gates[0].release();
  gates[2].release();
  await expect(run).resolves.toMatchObject({ started: 3 });
});

it('admits nothing while the loop runs late, then goes on once it caught up', async () => {
  const log: string[] = [];
  const tasks = [
    async () => {
      log.push('busy');
      // Blocks the loop itself, as a burst of work would: the next tick fires late.
      const until = Date.now() + 200;
      while (Date.now() < until);
    },
    async () => void log.push('after'),
  ];
  const stats = await runAdmitted(tasks, { maxInFlight: 10, tickMs: 10, lagLimitMs: 50, windowTicks: 3 });
  expect(log).toEqual(['busy', 'after']);
  expect(stats.worstLagMs).toBeGreaterThanOrEqual(150);
  // The late tick and the two after it admitted nothing.
  expect(stats.heldBack).toBeGreaterThanOrEqual(3);
});

it('starts nothing more once aborted, and returns without waiting for the tasks under way', async () => {
  const log: string[] = [];
  const gates = ['a', 'b'].map((n) => gate(log, n));
  const ac = new AbortController();
  const run = runAdmitted(gates.map((g) => g.task), { maxInFlight: 1, tickMs: 5, signal: ac.signal });
  await gates[0].running;
  ac.abort();
  await expect(run).resolves.toMatchObject({ started: 1 });
  expect(log).toEqual(['a']);
  gates[0].release();
});

it('a task that throws stops the admissions, and its error comes out once the others finished', async () => {
  const log: string[] = [];
  const slow = gate(log, 'slow');
  const tasks = [slow.task, async () => Promise.reject(new Error('a bug')), async () => void log.push('never')];
  const run = runAdmitted(tasks, { maxInFlight: 3, tickMs: 5, windowTicks: 1 });
  let settled = false;
  void run.catch(() => undefined).finally(() => (settled = true));
  await slow.running;
  // Still running: the error waits for it.
  await new Promise((r) => setImmediate(r));
  expect(settled).toBe(false);
  slow.release();
  await expect(run).rejects.toThrow('a bug');
  expect(log).toEqual(['slow']);
});

it('holds admissions while the machine’s CPUs are contended, but never longer than pressureHoldMs', async () => {
  const log: string[] = [];
  const started: number[] = [];
  const tasks = ['a', 'b', 'c'].map((n) => async () => {
    log.push(n);
    started.push(performance.now());
  });
  // Some task waited for a CPU the whole time: 1000 µs of stall per ms.
  const stats = await runAdmitted(tasks, { maxInFlight: 10, tickMs: 5, lagLimitMs: 1000, windowTicks: 2, pressureHoldMs: 60, readPressureUs: () => performance.now() * 1000 });
  expect(log).toEqual(['a', 'b', 'c']);
  expect(stats.heldByPressure).toBeGreaterThan(0);
  // Each start after the first waited out the hold.
  expect(started[2] - started[1]).toBeGreaterThanOrEqual(55);
});

it('an idle machine’s pressure does not hold anything back', async () => {
  const stats = await runAdmitted([async () => undefined, async () => undefined], { maxInFlight: 10, tickMs: 5, windowTicks: 2, readPressureUs: () => 0 });
  expect(stats).toMatchObject({ started: 2, heldByPressure: 0 });
});
