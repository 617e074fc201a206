/**
 * A cell's verdict from its checks' results: the one place where a transport
 * through a setup is called pass, degraded, fail or error.
 *
 *   CheckResult[] ──gradeCell──▶ Cell ──applySetupEvidence (all cells of a setup)──▶ Cell
 *
 *  - pass: works as with no proxy;
 *  - degraded: works, but a check shows a problem the app must handle;
 *  - fail: cannot be used (no connection, no round trip, nothing delivered
 *    before the stream ends);
 *  - error: the tester could not run a check — never the proxy's fault.
 */
import type { Observation, Transport } from '../observation/types';
import { s } from './answers';
import { sameCut } from './thresholds';
import type { Cell, CheckResult, Reason, Verdict } from './types';

/** Reasons that make a cell unusable when its connect, echo or delivery fails, most telling first. */
const PRIORITY: Reason[] = [
  'blocked',
  'upgrade-rejected',
  'upgrade-stripped',
  'protocol-downgrade',
  'connection-limit',
  'browser-connection-limit',
  'not-sticky',
  'compressed',
  'buffered',
  'cached',
  'max-duration',
  'idle-timeout',
  'no-resume',
  'message-too-large',
  'message-loss',
  'reordered',
  'proxy-error',
];

const rank = (r: Reason): number => {
  const i = PRIORITY.indexOf(r);
  return i < 0 ? PRIORITY.length : i;
};

/**
 * A silent stream cut at about the same time with and without heartbeats is
 * a maximum lifetime, not an idle timeout; cut only without them, an idle
 * timeout that a heartbeat fixes.
 */
function reconcileIdleAndDuration(checks: CheckResult[]): void {
  const idle = checks.find((c) => c.id === 'idle');
  const dur = checks.find((c) => c.id === 'duration');
  if (!idle || !dur || idle.status !== 'fail' || idle.reason !== 'idle-timeout' || dur.status !== 'fail' || dur.reason !== 'max-duration') return;
  const i = idle.measured.cutAtMs as number | undefined;
  const d = dur.measured.cutAtMs as number | undefined;
  if (i === undefined || d === undefined) return;
  if (sameCut(i, d)) {
    idle.reason = 'max-duration';
    idle.detail += ' — with heartbeats it was cut at the same time, so this is a maximum lifetime, not idleness';
  } else {
    dur.reason = 'idle-timeout';
    dur.detail += ` — ${d > i ? 'later' : 'earlier'} than without heartbeats (${s(i)}): the heartbeats did not count as activity, or were slower than the idle timeout`;
  }
}

export function gradeCell(transport: Transport, checks: CheckResult[]): Cell {
  reconcileIdleAndDuration(checks);
  const errors = checks.filter((c) => c.status === 'error');
  const fails = checks.filter((c) => c.status === 'fail');
  const byId = (id: string): CheckResult | undefined => checks.find((c) => c.id === id);
  let verdict: Verdict = 'pass';
  let primary: CheckResult | undefined;

  if (errors.length > 0) {
    verdict = 'error';
    primary = errors[0];
  } else if (fails.length > 0) {
    const delivery = byId('delivery');
    const latency = byId('latency');
    const blocking = [byId('connect'), byId('echo')].find((c) => c?.status === 'fail');
    const nothingDelivered = delivery?.status === 'fail' && (delivery.measured.received as number) === 0;
    if (blocking) {
      verdict = 'fail';
      primary = blocking;
    } else if (nothingDelivered) {
      verdict = 'fail';
      primary = delivery;
    } else if (latency?.status === 'fail' && latency.measured.wholeBody === true) {
      verdict = 'fail';
      primary = latency;
    } else {
      verdict = 'degraded';
      primary = [...fails].sort((a, b) => rank(a.reason) - rank(b.reason))[0];
    }
  }
  let reason: Reason = primary?.reason ?? 'none';
  let explanation = primary ? `${primary.id}: ${primary.detail}` : summaryOfPass(checks);

  // A refusal for capacity explains whatever else failed in the cell: the
  // transport works below the limit.
  const limited = checks.find((c) => c.reason === 'connection-limit');
  if (verdict !== 'error' && limited) {
    const refused = checks.filter((c) => c.reason === 'connection-limit').length;
    verdict = 'degraded';
    reason = 'connection-limit';
    explanation = `${limited.id}: ${limited.detail} (${refused} of ${checks.length} checks refused while the others held connections)`;
  }
  return { transport, verdict, reason: verdict === 'error' ? 'tester-error' : reason, explanation, checks };
}

/** The origin instances that answered a set of observations (X-Pushthrough-Instance). */
export function instancesSeen(observations: Observation[]): string[] {
  const ids = observations.flatMap((o) => o.answers.map((a) => a.headers?.['x-pushthrough-instance']).filter((x): x is string => !!x));
  return [...new Set(ids)].sort();
}

/**
 * Evidence about the whole setup, applied to each of its cells: one client's
 * requests through one path answered by several origin instances means the
 * balancer has no affinity, and per-instance state (cursors, sessions) is
 * lost. Judged over every transport's requests (dozens), not one cell's few,
 * so the verdict does not depend on how a handful of requests happened to fall.
 */
export function applySetupEvidence(cells: Cell[], observations: Observation[]): void {
  const instances = instancesSeen(observations);
  if (instances.length < 2) return;
  for (const cell of cells) {
    if (cell.verdict === 'pass' || (cell.verdict === 'degraded' && rank('not-sticky') < rank(cell.reason))) {
      const lost = cell.checks.find((c) => c.reason === 'not-sticky');
      cell.verdict = 'degraded';
      cell.reason = 'not-sticky';
      cell.explanation = lost
        ? `${lost.id}: ${lost.detail}`
        : `this client's requests were answered by ${instances.length} different origin instances (${instances.join(', ')}): without affinity, a reconnect or the next poll can land where its session is unknown`;
    }
    const connect = cell.checks.find((c) => c.id === 'connect');
    if (connect) connect.measured.instances = instances;
  }
}

function summaryOfPass(checks: CheckResult[]): string {
  const p50 = checks.find((c) => c.id === 'latency')?.measured.latencyP50Ms;
  return `every check passed (${checks.map((c) => c.id).join(', ')})${p50 !== undefined ? `; delivery p50 ${p50} ms` : ''}`;
}
