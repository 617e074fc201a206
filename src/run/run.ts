/**
 * The pipeline, one setup at a time and all setups at once:
 *
 *   setup ──bringUp──▶ proxy in front of origin(s)
 *        └─probeTransport × 4 (checks concurrent)──▶ observations
 *        └─mitigation probes for cells that look broken──▶ more observations
 *   all observations ──gradeCell (with the direct baseline)──▶ cells ──▶ Report
 *
 * Grading happens once every setup has been probed, so the baseline (the
 * direct setup, measured in the same run under the same load) can set the
 * timing margins.
 */
import { startOrigin, type RunningOrigin } from '../origin/server';
import { probeTransport } from '../client/probe';
import { closeAgents } from '../client/http';
import type { ProbeMitigation, ProbeOptions } from '../client/probe-types';
import type { CheckId, Observation, Transport } from '../observation/types';
import type { Report, SetupResult } from '../report/types';
import type { Cell, CheckResult, MitigationResult } from '../verdict/types';
import { applySetupEvidence, gradeCell, gradeObservation, type GradeContext } from '../verdict/grade';
import { fixFor } from '../verdict/fixes';
import { VERSION } from '../version';
import type { Setup } from '../setup/types';
import { bringUp, SetupUnavailable } from './bring-up';

export interface RunOptions {
  setups: Setup[];
  transports: Transport[];
  probe: ProbeOptions;
  /** try app-side fixes on broken cells (default true) */
  mitigations?: boolean;
  /** forward proxy every client goes through */
  via?: string;
  /** the origin's token, for external origins started with --token */
  token?: string;
  /**
   * How many setups are brought up and probed at once. Every check's burst
   * of connections lands on one event loop that also runs the origin and the
   * simulated proxies; bounded waves keep a 2-core machine from turning its
   * own scheduling delay into a proxy's timeout.
   */
  concurrency?: number;
  /** called as setups start and finish, for progress output */
  onProgress?: (event: { setup: string; phase: 'start' | 'probed' | 'done'; done: number; total: number }) => void;
  /** the options echoed into the report */
  reportOptions?: Record<string, unknown>;
}

interface MitigationPlan {
  id: string;
  description: string;
  transport: Transport;
  check: CheckId;
  mitigation: ProbeMitigation;
}

interface SetupObservations {
  setup: Setup;
  unavailable?: SetupUnavailable;
  observations: Partial<Record<Transport, Observation[]>>;
  mitigations: Array<{ plan: MitigationPlan; observations: Observation[] }>;
  logs: string[];
  product?: string;
}

export const DEFAULT_CONCURRENCY = 8;
/** A setup's burst of connections lasts about a second; spacing the workers keeps the bursts apart. */
const RAMP_MS = 700;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const MITIGATION_ORDER = ['heartbeat', 'reconnect-resume', 'shorter-hold', 'x-accel-buffering', 'padding', 'no-store', 'fallback'];

/** Which app-side fix to try, from a provisional grading of the cell. */
function planMitigations(cell: Cell, options: ProbeOptions): MitigationPlan[] {
  const t = cell.transport;
  const check = (id: string): CheckResult | undefined => cell.checks.find((c) => c.id === id);
  const plans: MitigationPlan[] = [];
  if (cell.verdict === 'pass' || cell.verdict === 'error' || cell.verdict === 'skipped') return plans;
  if (cell.reason === 'idle-timeout' && t === 'long-poll') {
    const cut = check('hold')?.measured.cutAtMs as number | undefined;
    const holdMs = Math.max(100, Math.floor((cut ?? options.holdMs / 2) / 2));
    plans.push({ id: 'shorter-hold', description: `long-poll hold ${s(holdMs)}`, transport: t, check: 'hold', mitigation: { holdMs } });
  }
  if ((cell.reason === 'buffered' || cell.reason === 'compressed') && t === 'sse') {
    plans.push({ id: 'x-accel-buffering', description: 'X-Accel-Buffering: no', transport: t, check: 'delivery', mitigation: { noBuffering: true } });
    plans.push({ id: 'padding', description: '2 KiB padding comment', transport: t, check: 'delivery', mitigation: { pad: true } });
  }
  if (cell.reason === 'cached' && (t === 'short-poll' || t === 'long-poll')) {
    plans.push({ id: 'no-store', description: 'Cache-Control: no-store', transport: t, check: 'freshness', mitigation: { noStore: true } });
  }
  return plans;
}

/**
 * Fixes whose evidence the probe already measured: the duration check is the
 * idle check with heartbeats, the resume check is a reconnect with the cursor.
 */
function derivedMitigations(cell: Cell): MitigationResult[] {
  const t = cell.transport;
  if (t !== 'sse' && t !== 'websocket') return [];
  const out: MitigationResult[] = [];
  const by = (id: string): CheckResult | undefined => cell.checks.find((c) => c.id === id);
  const duration = by('duration');
  if (cell.reason === 'idle-timeout' && duration) {
    const hb = duration.measured.heartbeatMs as number | undefined;
    const cut = by('idle')?.measured.cutAtMs as number | undefined;
    out.push({
      id: 'heartbeat',
      description: `heartbeat every ${s(hb ?? 0)}${cut !== undefined ? ` (below the ${s(cut)} cut)` : ''}`,
      rescued: duration.status === 'pass',
      verdict: duration.status === 'pass' ? 'pass' : cell.verdict,
      reason: duration.status === 'pass' ? 'none' : duration.reason,
      detail: duration.detail,
    });
  }
  const resume = by('resume');
  if (cell.reason === 'max-duration' && resume) {
    out.push({
      id: 'reconnect-resume',
      description: t === 'sse' ? 'reconnect with Last-Event-ID' : 'reconnect with ?since=',
      rescued: resume.status === 'pass',
      verdict: resume.status === 'pass' ? 'pass' : cell.verdict,
      reason: resume.status === 'pass' ? 'none' : resume.reason,
      detail: resume.detail,
    });
  }
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
    detail: landsOn ? `a client that falls back lands on ${landsOn.transport} (${landsOn.verdict}${landsOn.reason !== 'none' ? `, ${landsOn.reason}` : ''})` : 'no fallback transport works through this setup',
  };
}

/** Parameters of a setup's faults that are a time after which the path acts. */
const TIMEOUT_PARAMS = ['idleMs', 'maxMs', 'timeoutMs', 'afterMs'];

/** The largest timeout a setup's faults name, in ms (0 when none). */
export function largestTimeoutMs(setup: Setup): number {
  let max = 0;
  for (const f of setup.faults ?? []) {
    for (const k of TIMEOUT_PARAMS) {
      const v = f.params?.[k];
      if (typeof v === 'number' && v > max) max = v;
    }
  }
  return max;
}

/**
 * The idle and hold windows for one setup: at least the run's, and long
 * enough to see the setup's own largest timeout act, with a margin.
 */
export function windowsFor(setup: Setup, probe: ProbeOptions): ProbeOptions {
  const need = Math.ceil((largestTimeoutMs(setup) * 1.15 + 500) / 100) * 100;
  return { ...probe, idleMs: Math.max(probe.idleMs, need), holdMs: Math.max(probe.holdMs, need) };
}

async function probeSetup(setup: Setup, origins: RunningOrigin[], runOpts: RunOptions): Promise<SetupObservations> {
  const opts: RunOptions = { ...runOpts, probe: windowsFor(setup, runOpts.probe) };
  const out: SetupObservations = { setup, observations: {}, mitigations: [], logs: [] };
  let active;
  try {
    active = await bringUp(setup, origins, opts.via);
    if (opts.token) active.target.token = opts.token;
  } catch (err) {
    out.unavailable = err instanceof SetupUnavailable ? err : new SetupUnavailable((err as Error).message, 'error');
    out.logs = out.unavailable.logs;
    return out;
  }
  out.product = active.product;
  try {
    const probeOne = (transport: Transport, checks?: CheckId[], mitigation?: ProbeMitigation, names?: string[]): Promise<Observation[]> =>
      probeTransport({ target: active.target, transport, options: { ...opts.probe, mitigation }, checks, originUrl: active.originUrl, mitigationNames: names });
    await Promise.all(
      opts.transports.map(async (t) => {
        out.observations[t] = await probeOne(t);
      }),
    );
    opts.onProgress?.({ setup: setup.id, phase: 'probed', done: 0, total: 0 });
    if (opts.mitigations !== false) {
      // Provisional grading (no baseline yet) only decides which fixes to try.
      const plans = opts.transports.flatMap((t) => planMitigations(gradeCell(t, out.observations[t] ?? []), opts.probe));
      await Promise.all(
        plans.map(async (plan) => {
          const observations = await probeOne(plan.transport, [plan.check], plan.mitigation, [plan.id]);
          out.mitigations.push({ plan, observations });
        }),
      );
    }
  } finally {
    out.logs = active.logs();
    await active.stop().catch(() => undefined);
  }
  return out;
}

function buildSetupResult(o: SetupObservations, transports: Transport[], ctx: GradeContext): SetupResult {
  const { setup } = o;
  const result: SetupResult = { id: setup.id, kind: setup.kind, description: setup.description, cells: [] };
  if (setup.imitates) result.imitates = setup.imitates;
  if (setup.source) result.source = setup.source;
  if (o.product) result.product = o.product;
  if (o.logs.length) result.logs = o.logs.slice(-200);
  for (const t of transports) {
    let cell: Cell;
    if (o.unavailable) {
      cell = { transport: t, verdict: o.unavailable.verdict, reason: o.unavailable.verdict === 'skipped' ? 'not-run' : 'tester-error', explanation: o.unavailable.message, checks: [] };
    } else {
      cell = gradeCell(t, o.observations[t] ?? [], ctx);
    }
    result.cells.push(cell);
  }
  if (!o.unavailable) applySetupEvidence(result.cells, transports.flatMap((t) => o.observations[t] ?? []));
  // Mitigations and fixes, once every cell of the setup is graded.
  for (const cell of result.cells) {
    const tried: MitigationResult[] = o.mitigations
      .filter((m) => m.plan.transport === cell.transport && cell.verdict !== 'pass')
      .map(({ plan, observations }) => {
        const checks = observations.flatMap((obs) => gradeObservation(obs, ctx));
        const failed = checks.find((c) => c.status !== 'pass');
        return {
          id: plan.id,
          description: plan.description,
          rescued: !failed,
          verdict: failed ? (failed.status === 'error' ? 'error' : cell.verdict) : 'pass',
          reason: failed ? failed.reason : 'none',
          detail: failed ? failed.detail : checks.map((c) => c.detail).join('; '),
        } satisfies MitigationResult;
      });
    tried.unshift(...derivedMitigations(cell));
    // A fixed order, so reports (and their diffs) do not depend on which probe finished first.
    tried.sort((a, b) => MITIGATION_ORDER.indexOf(a.id) - MITIGATION_ORDER.indexOf(b.id));
    const fb = fallbackResult(cell, result.cells);
    if (fb) tried.push(fb);
    if (tried.length) cell.mitigations = tried;
    if (cell.verdict === 'degraded' || cell.verdict === 'fail') {
      const idleCutMs = cell.checks.find((c) => c.id === 'idle' || c.id === 'hold')?.measured.cutAtMs as number | undefined;
      const fix = fixFor(cell.reason, cell.transport, setup.real?.product ?? setup.imitates ?? setup.id, { idleCutMs });
      if (fix) cell.fix = fix;
    }
    const exp = setup.expect?.[cell.transport];
    if (exp) {
      cell.expected = exp;
      cell.matches = exp.verdict === cell.verdict && exp.reason === cell.reason;
    }
  }
  return result;
}

/** The largest extra delay the unproxied baseline showed, for the timing margins. */
function baselineFrom(all: SetupObservations[]): GradeContext {
  const direct = all.find((o) => o.setup.kind === 'direct' && !o.unavailable);
  if (!direct) return {};
  const lates: number[] = [];
  for (const t of ['sse', 'websocket'] as Transport[]) {
    const obs = direct.observations[t]?.find((x) => x.check === 'delivery');
    if (!obs) continue;
    const lat = gradeObservation(obs).find((c) => c.id === 'latency');
    if (typeof lat?.measured.maxLateMs === 'number') lates.push(lat.measured.maxLateMs);
  }
  return lates.length ? { baselineMaxLateMs: Math.max(...lates) } : {};
}

/**
 * One connect per transport straight to the origin before the matrix, not
 * reported: the first fetch compiles undici's parser, the first setup load
 * compiles schemas. Without it, the first setups of a run would pay that on
 * their timers.
 */
async function warmUp(origin: RunningOrigin, opts: RunOptions): Promise<void> {
  await Promise.all(
    opts.transports.map((transport) =>
      probeTransport({ target: { baseUrl: origin.url }, transport, options: opts.probe, checks: ['connect'], originUrl: origin.url }).catch(() => undefined),
    ),
  );
}

export async function runMatrix(opts: RunOptions): Promise<Report> {
  const started = Date.now();
  const originCount = Math.max(1, ...opts.setups.map((s) => s.origins ?? 1));
  const origins: RunningOrigin[] = [];
  try {
    for (let i = 0; i < originCount; i++) origins.push(await startOrigin({ port: 0 }));
    await warmUp(origins[0], opts);
    let done = 0;
    const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
    const all: SetupObservations[] = new Array(opts.setups.length);
    // Longest first (the direct baseline before all): the long setups overlap the many short ones.
    const order = opts.setups
      .map((setup, i) => ({ i, weight: setup.kind === 'direct' ? Infinity : windowsFor(setup, opts.probe).idleMs }))
      .sort((a, b) => b.weight - a.weight)
      .map((x) => x.i);
    let next = 0;
    // Ramp the workers in rather than starting every burst in the same instant.
    const worker = async (_: unknown, w: number): Promise<void> => {
      if (w > 0) await new Promise((r) => setTimeout(r, w * RAMP_MS));
      while (next < opts.setups.length) {
        const i = order[next++];
        const setup = opts.setups[i];
        opts.onProgress?.({ setup: setup.id, phase: 'start', done, total: opts.setups.length });
        all[i] = await probeSetup(setup, origins, opts);
        done++;
        opts.onProgress?.({ setup: setup.id, phase: 'done', done, total: opts.setups.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, opts.setups.length) }, worker));
    const ctx = baselineFrom(all);
    return {
      tool: 'pushthrough',
      version: VERSION,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      options: { ...opts.reportOptions, baselineMaxLateMs: ctx.baselineMaxLateMs },
      setups: all.map((o) => buildSetupResult(o, opts.transports, ctx)),
    };
  } finally {
    await Promise.all(origins.map((o) => o.close()));
    await closeAgents();
  }
}
