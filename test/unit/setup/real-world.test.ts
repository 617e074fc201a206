import { realWorldFaults } from '../../../src/setup/real-world';
import { builtInSetups } from '../../../src/run/setups';

describe('realWorldFaults', () => {
  const stack = [
    { name: 'first-byte-timeout', params: { timeoutMs: 600, status: 503 }, realWorld: { timeoutMs: 30_000 } },
    { name: 'idle-timeout', params: { idleMs: 1100 }, realWorld: { idleMs: 55_000 } },
    { name: 'strip-upgrade' },
  ];

  it('puts the products’ own values in place of the matrix’s, and says so', () => {
    expect(realWorldFaults(stack)).toEqual({
      faults: [
        { name: 'first-byte-timeout', params: { timeoutMs: 30_000, status: 503 } },
        { name: 'idle-timeout', params: { idleMs: 55_000 } },
        { name: 'strip-upgrade', params: undefined },
      ],
      changes: ['first-byte-timeout timeoutMs 30000 (the matrix runs 600)', 'idle-timeout idleMs 55000 (the matrix runs 1100)'],
    });
  });

  it('scales durations (params ending in Ms) only: 0.02 gives back the matrix’s timing', () => {
    expect(realWorldFaults(stack, 0.02).faults.map((f) => f.params)).toEqual([{ timeoutMs: 600, status: 503 }, { idleMs: 1100 }, undefined]);
  });

  it('every built-in setup’s real-world values are 50 times its matrix values (the one scale of docs/faults.md)', () => {
    const scaled = builtInSetups()
      .flatMap((s) => s.faults ?? [])
      .filter((f) => f.realWorld);
    expect(scaled.length).toBeGreaterThanOrEqual(8);
    for (const f of scaled) for (const [k, v] of Object.entries(f.realWorld!)) expect([f.name, k, v]).toEqual([f.name, k, (f.params![k] as number) * 50]);
  });
});
