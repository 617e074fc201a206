/**
 * One setup, probed: brought up in front of the origin(s), every transport's
 * checks run through it, then the app-side fixes a provisional grading calls
 * for, then brought down. Observations only; grading waits for the baseline.
 */
import { probeTransport, type ProbeMitigation, type ProbeOptions } from '../checks';
import { gradeTransport } from '../checks/registry';
import type { CheckId, Observation, Transport } from '../observation/types';
import type { BrowserProbe, ChromiumClient } from '../client/chromium';
import type { TlsTrust } from '../client/target';
import type { Slots } from '../util/slots';
import type { OriginRoutes, RunningOrigin } from '../origin/server';
import type { Setup } from '../setup/types';
import { planMitigations, type MitigationPlan } from '../verdict/mitigations';
import { bringUp, SetupUnavailable, type ActiveSetup } from './bring-up';
import { pageOptionsOf } from './field';

export interface SetupObservations {
  setup: Setup;
  unavailable?: SetupUnavailable;
  observations: Partial<Record<Transport, Observation[]>>;
  /** `--clients node,chromium`: what the browser's own clients observed through the setup, or why they could not */
  browser?: BrowserProbe;
  mitigations: Array<{ plan: MitigationPlan; observations: Observation[] }>;
  logs: string[];
  product?: string;
}

export interface ProbeSetupOptions {
  transports: Transport[];
  probe: ProbeOptions;
  /** try app-side fixes on broken cells (default true) */
  mitigations?: boolean;
  /** forward proxy every client goes through */
  via?: string;
  /** the origin's token, for external origins started with --token */
  token?: string;
  /** what https/wss clients trust beyond Node's store (probe --ca, --insecure) */
  tls?: TlsTrust;
  /** polls and SSE speak HTTP/1.1 even where a TLS front offers HTTP/2 (`--http1`) */
  http1?: boolean;
  /** a missing real-proxy binary is an error, not a skip */
  requireReal?: boolean;
  /** wait this long for an external setup to answer before probing it */
  waitMs?: number;
  /** `--clients node,chromium`: the browser that also probes every setup, after the Node clients, and the slots its pages take turns in */
  browser?: { client: ChromiumClient; slots: Slots; originRoutes?: OriginRoutes };
}

/** Parameters of a setup's faults that are a time after which the path acts. */
const TIMEOUT_PARAMS = ['idleMs', 'maxMs', 'timeoutMs', 'afterMs'];

/** The largest timeout a setup's faults (or its firewall, or the setup a firewall stands over) name, in ms (0 when none). */
export function largestTimeoutMs(setup: Setup): number {
  let max = Math.max(setup.firewall?.idleMs ?? 0, setup.inner ? largestTimeoutMs(setup.inner) : 0);
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

export async function probeSetup(setup: Setup, origins: RunningOrigin[], runOpts: ProbeSetupOptions, onProbed?: () => void): Promise<SetupObservations> {
  const probe = windowsFor(setup, runOpts.probe);
  const out: SetupObservations = { setup, observations: {}, mitigations: [], logs: [] };
  let active: ActiveSetup;
  try {
    active = await bringUp(setup, origins, { via: runOpts.via, requireReal: runOpts.requireReal, waitMs: runOpts.waitMs, tls: runOpts.tls, originRoutes: runOpts.browser?.originRoutes });
    if (runOpts.token) active.target.token = runOpts.token;
    if (runOpts.http1) active.target.http1 = true;
    if (runOpts.tls) active.target.tls = { ca: [...(active.target.tls?.ca ?? []), ...(runOpts.tls.ca ?? [])], insecure: runOpts.tls.insecure };
  } catch (err) {
    out.unavailable =
      err instanceof SetupUnavailable ? err : new SetupUnavailable(`internal error in pushthrough (a bug) while starting this setup: ${(err as Error)?.stack ?? String(err)}`, 'error');
    out.logs = out.unavailable.logs;
    return out;
  }
  out.product = active.product;
  try {
    const probeOne = (transport: Transport, checks?: CheckId[], mitigation?: ProbeMitigation, names?: string[]): Promise<Observation[]> =>
      probeTransport({ target: active.target, transport, options: { ...probe, mitigation }, checks, originUrl: active.originUrl, mitigationNames: names });
    await Promise.all(
      runOpts.transports.map(async (t) => {
        out.observations[t] = await probeOne(t);
      }),
    );
    onProbed?.();
    if (runOpts.mitigations !== false) {
      // Provisional grading (no baseline yet) only decides which fixes to try.
      const plans = runOpts.transports.flatMap((t) => planMitigations(gradeTransport(t, out.observations[t] ?? []), probe.holdMs));
      await Promise.all(
        plans.map(async (plan) => {
          out.mitigations.push({ plan, observations: await probeOne(plan.transport, [plan.check], plan.mitigation, [plan.id]) });
        }),
      );
    }
    // The browser after the Node clients, never beside them: both on one path would change what each measures (a connection limit, a shared buffer).
    const browser = runOpts.browser;
    if (browser) out.browser = await browser.slots.run(() => browser.client.probe(active.target, runOpts.transports, pageOptionsOf(probe), active.originUrl));
  } finally {
    out.logs = active.logs();
    // Something of ours broke under the probe (a firewall's upstream refused, its hop died): every cell is an error, not a finding.
    const problem = active.testerProblem?.();
    if (problem) out.unavailable = new SetupUnavailable(`${problem}: what the clients saw says nothing about this setup`, 'error', out.logs);
    await active.stop().catch(() => undefined);
  }
  return out;
}
