/**
 * App-side fixes for a broken cell: which to try (planned from a provisional
 * grading), what trying them showed, what the probe already measured that
 * stands for one (the duration check is the idle check with heartbeats, the
 * resume check a reconnect with the cursor), and where a Socket.IO/SignalR
 * style client lands when it falls back to another transport.
 */
import type { CheckId, Transport } from '../observation/types';
import type { KeepaliveKind } from '../observation/limits';
import { s } from './answers';
import { keepaliveAdvice, keepaliveOfCell, KIND_LABEL } from './keepalive';
import { belowCut } from './thresholds';
import type { Cell, CheckResult, MitigationResult } from './types';

/** An app-side change a probe can apply, as origin scenario switches. */
export interface ProbeMitigation {
  /** SSE: ask for `X-Accel-Buffering: no` */
  noBuffering?: boolean;
  /** SSE: a 2 KiB comment first */
  pad?: boolean;
  /** polls: ask for `Cache-Control: no-store` */
  noStore?: boolean;
  /** SSE/WebSocket: heartbeat while the stream is otherwise silent */
  heartbeatMs?: number;
  /** which traffic that heartbeat is (default: SSE comment, WebSocket server ping) */
  keepalive?: KeepaliveKind;
  /** long-poll: hold requests this long instead of the default */
  holdMs?: number;
}

export interface MitigationPlan {
  id: string;
  description: string;
  transport: Transport;
  /** the check that shows whether it helps */
  check: CheckId;
  mitigation: ProbeMitigation;
}

/** The order mitigations are listed in, so reports (and their diffs) do not depend on which probe finished first. */
const MITIGATION_ORDER = ['heartbeat', 'reconnect-resume', 'shorter-hold', 'x-accel-buffering', 'padding', 'no-store', 'fallback'];

/** Which app-side fixes to try, from a provisional grading of the cell (no baseline yet). */
export function planMitigations(cell: Cell, holdMs: number): MitigationPlan[] {
  const t = cell.transport;
  const plans: MitigationPlan[] = [];
  if (cell.verdict === 'pass' || cell.verdict === 'error' || cell.verdict === 'skipped') return plans;
  if (cell.reason === 'idle-timeout' && t === 'long-poll') {
    const cut = cell.checks.find((c) => c.id === 'hold')?.measured.cutAtMs as number | undefined;
    const shorter = belowCut(cut ?? holdMs / 2);
    plans.push({ id: 'shorter-hold', description: `long-poll hold ${s(shorter)}`, transport: t, check: 'hold', mitigation: { holdMs: shorter } });
  }
  if ((cell.reason === 'buffered' || cell.reason === 'compressed') && t === 'sse') {
    plans.push({ id: 'x-accel-buffering', description: 'X-Accel-Buffering: no', transport: t, check: 'delivery', mitigation: { noBuffering: true } });
    plans.push({ id: 'padding', description: '2 KiB padding comment', transport: t, check: 'delivery', mitigation: { pad: true } });
  }
  // The keepalive check showed which traffic the path counts: try the advised kind at the advised interval.
  const ka = keepaliveOfCell(cell);
  const cut = cell.checks.find((c) => c.id === 'idle')?.measured.cutAtMs as number | undefined;
  if (cell.reason === 'idle-timeout' && (t === 'sse' || t === 'websocket') && ka && cut !== undefined) {
    const advice = keepaliveAdvice(ka, cut);
    if (advice?.kind && advice.everyMs !== undefined) {
      plans.push({
        id: 'heartbeat',
        description: `${KIND_LABEL[advice.kind]} every ${s(advice.everyMs)} (below the ${s(cut)} cut)${advice.ignored.length ? `; ${advice.ignored.map((k) => KIND_LABEL[k]).join(', ')} did not count` : ''}`,
        transport: t,
        check: 'idle',
        mitigation: { heartbeatMs: advice.everyMs, keepalive: advice.kind },
      });
    }
  }
  if (cell.reason === 'cached' && (t === 'short-poll' || t === 'long-poll')) {
    plans.push({ id: 'no-store', description: 'Cache-Control: no-store', transport: t, check: 'freshness', mitigation: { noStore: true } });
  }
  return plans;
}

/** What trying a planned fix showed: rescued when every check of the retry passed. */
export function triedMitigation(plan: MitigationPlan, cell: Cell, checks: CheckResult[]): MitigationResult {
  const failed = checks.find((c) => c.status !== 'pass');
  return {
    id: plan.id,
    description: plan.description,
    rescued: !failed,
    verdict: failed ? (failed.status === 'error' ? 'error' : cell.verdict) : 'pass',
    reason: failed ? failed.reason : 'none',
    detail: failed ? failed.detail : checks.map((c) => c.detail).join('; '),
  };
}

/** Fixes whose evidence the probe already measured. */
function derivedMitigations(cell: Cell): MitigationResult[] {
  const t = cell.transport;
  if (t !== 'sse' && t !== 'websocket') return [];
  const out: MitigationResult[] = [];
  const by = (id: string): CheckResult | undefined => cell.checks.find((c) => c.id === id);
  const derived = (id: string, description: string, check: CheckResult): MitigationResult => ({
    id,
    description,
    rescued: check.status === 'pass',
    verdict: check.status === 'pass' ? 'pass' : cell.verdict,
    reason: check.status === 'pass' ? 'none' : check.reason,
    detail: check.detail,
  });
  const duration = by('duration');
  if (cell.reason === 'idle-timeout' && duration) {
    const hb = duration.measured.heartbeatMs as number | undefined;
    const cut = by('idle')?.measured.cutAtMs as number | undefined;
    out.push(derived('heartbeat', `heartbeat every ${s(hb ?? 0)}${cut !== undefined ? ` (below the ${s(cut)} cut)` : ''}`, duration));
  }
  const resume = by('resume');
  if (cell.reason === 'max-duration' && resume) out.push(derived('reconnect-resume', t === 'sse' ? 'reconnect with Last-Event-ID' : 'reconnect with ?since=', resume));
  return out;
}

/** Socket.IO / SignalR style fallback: where does a client land when this transport fails? */
const FALLBACKS: Partial<Record<Transport, Transport[]>> = {
  websocket: ['sse', 'long-poll', 'short-poll'],
  sse: ['long-poll', 'short-poll'],
  'long-poll': ['short-poll'],
};

function fallbackResult(cell: Cell, cells: Cell[]): MitigationResult | undefined {
  const order = FALLBACKS[cell.transport];
  if (!order || cell.verdict !== 'fail') return undefined;
  const landsOn = order.map((t) => cells.find((c) => c.transport === t)).find((c) => c && (c.verdict === 'pass' || c.verdict === 'degraded'));
  return {
    id: 'fallback',
    description: `fall back to ${order.join(' → ')}`,
    rescued: landsOn !== undefined,
    verdict: landsOn?.verdict ?? 'fail',
    reason: landsOn?.reason ?? cell.reason,
    landsOn: landsOn?.transport,
    detail: landsOn
      ? `a client that falls back lands on ${landsOn.transport} (${landsOn.verdict}${landsOn.reason !== 'none' ? `, ${landsOn.reason}` : ''})`
      : 'no fallback transport works through this setup',
  };
}

/**
 * Every mitigation result of a cell, in a fixed order: the derived ones, the
 * ones tried, and the fallback; undefined when there is none.
 */
export function mitigationsOf(cell: Cell, cells: Cell[], tried: MitigationResult[]): MitigationResult[] | undefined {
  if (cell.verdict === 'pass') return undefined;
  // A heartbeat tried through the path says more than the one the duration check stands for.
  const all = [...derivedMitigations(cell).filter((d) => !tried.some((t) => t.id === d.id)), ...tried];
  all.sort((a, b) => MITIGATION_ORDER.indexOf(a.id) - MITIGATION_ORDER.indexOf(b.id));
  const fb = fallbackResult(cell, cells);
  if (fb) all.push(fb);
  return all.length ? all : undefined;
}
