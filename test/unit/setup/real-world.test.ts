import { realWorldFaults, realWorldFirewall } from '../../../src/setup/real-world';
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

describe('realWorldFirewall', () => {
  it('takes the product’s idle timeout times the scale, in whole seconds as conntrack counts them', () => {
    const spec = { port: 443, idleMs: 7000, expired: 'drop' as const, realWorld: { idleMs: 350_000 } };
    expect(realWorldFirewall(spec)).toEqual({ spec: { ...spec, idleMs: 350_000 }, changes: ['firewall idleMs 350000 (the matrix runs 7000)'] });
    expect(realWorldFirewall(spec, 0.01).spec.idleMs).toBe(4000);
    expect(realWorldFirewall(spec, 0.000001).spec.idleMs).toBe(1000);
    expect(realWorldFirewall(spec, 0.02)).toEqual({ spec, changes: [] });
    expect(realWorldFirewall({ port: 8080, allowPorts: [443] })).toEqual({ spec: { port: 8080, allowPorts: [443] }, changes: [] });
  });
});
