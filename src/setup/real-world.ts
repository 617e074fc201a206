/**
 * The matrix runs built-in setups with their products' timeouts scaled down
 * (1/50: 60 s → 1.2 s) so a full run takes seconds. In front of a user's own
 * app (`pushthrough proxy`) that would mislead: an ALB cuts at 60 s, not 1.2 s.
 * A fault spec's `realWorld` holds the product's own values; this turns a
 * setup's stack into the real-world one, every duration (a param ending in
 * `Ms`) times `scale` — 1 for the real thing, 0.02 for the matrix's timing.
 */
import type { FaultSpec, FirewallSpec } from './types';

export interface RealWorldStack {
  faults: FaultSpec[];
  /** "idle-timeout idleMs 60000 (the matrix runs 1200)", one per changed param */
  changes: string[];
}

export function realWorldFaults(faults: readonly FaultSpec[], scale = 1): RealWorldStack {
  const changes: string[] = [];
  const out = faults.map((f) => {
    if (!f.realWorld) return { name: f.name, params: f.params };
    const params: Record<string, unknown> = { ...f.params };
    for (const [key, value] of Object.entries(f.realWorld)) {
      const scaled = typeof value === 'number' && key.endsWith('Ms') ? Math.round(value * scale) : value;
      changes.push(`${f.name} ${key} ${String(scaled)} (the matrix runs ${String(f.params?.[key] ?? 'the default')})`);
      params[key] = scaled;
    }
    return { name: f.name, params };
  });
  return { faults: out, changes };
}

/**
 * A firewall setup's spec with the product's own idle timeout times `scale`,
 * in whole seconds as conntrack counts them (at least one); the change in words.
 */
export function realWorldFirewall(spec: FirewallSpec, scale = 1): { spec: FirewallSpec; changes: string[] } {
  const real = spec.realWorld?.idleMs;
  if (real === undefined) return { spec, changes: [] };
  const idleMs = Math.max(1000, Math.round((real * scale) / 1000) * 1000);
  return { spec: { ...spec, idleMs }, changes: idleMs === spec.idleMs ? [] : [`firewall idleMs ${idleMs} (the matrix runs ${spec.idleMs ?? 'none'})`] };
}
