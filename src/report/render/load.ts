/**
 * A load run as text: what was held, what failed and how, latency, the
 * processes' weight, the limit found with its fix, and the thresholds. Pure:
 * a function of the load section of the JSON report.
 */
import type { LoadSection } from '../types';
import type { ThresholdResult } from '../../verdict/load';

/** Counts by kind, the most first: `489 reset, 3 status 503`, or `none`. */
export const kinds = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ') || 'none';

/** What a threshold measured: a share as a percentage, a count or a time as a number. */
export const measuredOf = (t: ThresholdResult): string => (Number.isFinite(t.actual) ? (t.share ? `${(t.actual * 100).toFixed(2)}%` : String(Math.round(t.actual * 100) / 100)) : 'nothing');

export function renderLoadText(l: LoadSection): string {
  const m = l.measurement;
  const out: string[] = [];
  out.push(`load: ${m.streams} ${m.transports.join(' + ')} streams through ${l.target}, ramp ${m.rampMs / 1000} s, held ${m.durationMs / 1000} s, an event every ${m.intervalMs} ms on each (${m.workers} generator process${m.workers === 1 ? '' : 'es'})`);
  out.push(`  open at most: ${Object.entries(m.peakOpen).map(([k, v]) => `${v} ${k}`).join(', ') || '0'}; opened ${m.opened}`);
  out.push(`  failed to open: ${kinds(m.failed)}${m.pending ? `; still waiting for an answer at the end: ${m.pending}` : ''}`);
  out.push(`  cut while open: ${kinds(m.cut)}`);
  out.push(`  delivery latency: ${m.latency.samples ? `p50 ${m.latency.p50} ms, p95 ${m.latency.p95} ms, p99 ${m.latency.p99} ms (${m.latency.samples} events sampled)` : 'no event arrived'}; time to open p50 ${m.timeToOpen.p50 ?? '–'} ms, p95 ${m.timeToOpen.p95 ?? '–'} ms`);
  for (const p of m.processes) out.push(`  ${p.what}: ${p.rssMiB} MiB RSS, ${p.openFiles} open files at most`);
  if (m.testerError) out.push(`  ! tester: ${m.testerError}`);
  if (l.limit) {
    out.push(`  limit: ${l.limit.sentence}`);
    if (l.limit.fix?.proxy) out.push(`    fix (${l.limit.fix.proxy.label ?? l.limit.fix.proxy.product}): ${l.limit.fix.proxy.snippet.split('\n').join(' ')}`);
    if (l.limit.fix?.app) out.push(`    app: ${l.limit.fix.app}`);
  } else if (!m.testerError) out.push('  limit: none reached: every stream opened and stayed open');
  for (const t of l.thresholds) out.push(`  ${t.ok ? '✔' : '✘'} ${t.text} (measured ${measuredOf(t)})`);
  const tl = m.timeline.map((s) => `${s.t}s:${s.open}${s.p99 !== undefined ? `/${s.p99}ms` : ''}`).join(' ');
  out.push(`  timeline (open/p99): ${tl}`);
  return `${out.join('\n')}\n`;
}
