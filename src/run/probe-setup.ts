/**
 * One setup, probed: brought up in front of the origin(s), every transport's
 * checks run through it, then the app-side fixes a provisional grading calls
 * for, then brought down. Observations only; grading waits for the baseline.
 */
import { probeTransport, type ProbeMitigation, type ProbeOptions } from '../checks';
import { gradeTransport } from '../checks/registry';
import type { CheckId, LibraryObservation, Observation, Transport } from '../observation/types';
import type { BrowserProbe, ChromiumClient } from '../client/chromium';
import { uniqueId, type TlsTrust } from '../client/target';
import { fetchSeen } from '../client/http';
import { libraryClient } from '../client/libraries';
import type { Library } from '../vocabulary';
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
  /** `--libraries`: what each library's own client observed through the setup, or why it could not run here */
  libraries?: Array<{ library: Library; observation: LibraryObservation } | { library: Library; unsupported: string }>;
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
  /** real-time libraries run through every setup after the transports' checks (`--libraries socket.io,sockjs`) */
  libraries?: Library[];
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

/** One library's client through the setup, for as long as the idle window, and what reached the origin for it. */
async function runLibrary(library: Library, active: ActiveSetup, probe: ProbeOptions): Promise<NonNullable<SetupObservations['libraries']>[number]> {
  const client = libraryClient(library);
  const unsupported = client.unsupported(active.target);
  if (unsupported) return { library, unsupported };
  const probeId = uniqueId('p');
  const observation = await client.run(active.target, {
    count: probe.deliveryCount,
    intervalMs: probe.deliveryIntervalMs,
    watchMs: probe.idleMs,
    connectTimeoutMs: probe.connectTimeoutMs,
    channel: uniqueId(`lib-${library}`),
    probeId,
  });
  observation.seen = await fetchSeen(active.target, probeId, active.originUrl);
  return { library, observation };
}

export async function probeSetup(setup: Setup, origins: RunningOrigin[], runOpts: ProbeSetupOptions, onProbed?: () => void): Promise<SetupObservations> {
  const probe = windowsFor(setup, runOpts.probe);
  const out: SetupObservations = { setup, observations: {}, mitigations: [], logs: [] };
  let active: ActiveSetup;
  try {
    active = await bringUp(setup, origins, { via: runOpts.via, requireReal: runOpts.requireReal, waitMs: runOpts.waitMs, tls: runOpts.tls, originExtras: { routes: runOpts.browser?.originRoutes, libraries: runOpts.libraries } });
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
    // The libraries after the transports' checks: both at once on one path would change what each measures.
    if (runOpts.libraries?.length) out.libraries = await Promise.all(runOpts.libraries.map((library) => runLibrary(library, active, probe)));
    // The browser after the Node clients, never beside them: both on one path would change what each measures (a connection limit, a shared buffer).
    const browser = runOpts.browser;
    if (browser) out.browser = await browser.slots.run(() => browser.client.probe(active.target, runOpts.transports, pageOptionsOf(probe), active.originUrl, runOpts.libraries));
  } finally {
    // Something of ours broke under the probe (a firewall's upstream refused, its hop died): every cell is an error, not a finding.
    const problem = (await active.testerProblem?.().catch(() => undefined)) ?? origins.map((o) => o.problem?.()).find((p) => p !== undefined);
    out.logs = active.logs();
    if (problem) out.unavailable = new SetupUnavailable(`${problem}: what the clients saw says nothing about this setup`, 'error', out.logs);
    await active.stop().catch(() => undefined);
  }
  return out;
}
