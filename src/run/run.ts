/**
 * The pipeline, one setup at a time and all setups at once:
 *
 *   setup ──bringUp──▶ proxy in front of origin(s)
 *        └─probeTransport × 4 (checks concurrent)──▶ observations
 *        └─mitigation probes for cells that look broken──▶ more observations
 *   all observations ──graded (with the direct baseline)──▶ cells ──▶ Report
 *
 * Grading happens once every setup has been probed, so the baseline (the
 * direct setup, measured in the same run under the same load) can set the
 * timing margins.
 */
import { CHECKS, probeTransport } from '../checks';
import { transportsOf } from '../checks/check';
import type { GradeContext } from '../checks/check';
import { gradeObservation } from '../checks/registry';
import { closeAgents } from '../client/http';
import type { Transport } from '../observation/types';
import { startOrigin, type RunningOrigin } from '../origin/server';
import type { Report } from '../report/types';
import type { Setup } from '../setup/types';
import { VERSION } from '../version';
import { probeSetup, windowsFor, type ProbeSetupOptions, type SetupObservations } from './probe-setup';
import { buildClientResult, buildSetupResult } from './result';
import { CHROMIUM_INSTALL, chromiumMissing, launchChromium, type ChromiumClient } from '../client/chromium';
import type { Client } from '../vocabulary';
import { Slots } from '../util/slots';
import { fieldRoutes } from './field';

export interface RunOptions extends ProbeSetupOptions {
  setups: Setup[];
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
  /** stop early (SIGINT): setups not started are left out, the report is marked interrupted */
  signal?: AbortSignal;
  /** who probes: pushthrough's Node clients always; `chromium` adds headless Chromium's cells beside them (`--clients node,chromium`) */
  clients?: Client[];
}

/**
 * Browser pages probing at once. A page mostly waits (a silent stream, the
 * seven-stream window), but each is a renderer process on a 2-core machine
 * that also runs the origin, the proxies and the Node clients.
 */
export const BROWSER_PAGES = 6;

/**
 * Setups mostly wait (silent streams, held requests), so many overlap well;
 * their bursts of connections are short. Measured on this project's 2-core
 * machine over the full built-in matrix (68 setups): 8 workers 700 ms apart
 * took 61 s; 32 workers 300 ms apart took 27-29 s, also with two CPU hogs
 * running, with 0 mismatches in every run; 68 at once was slower (47 s) and
 * Squid setups failed to start. A scheduler sized from measured event-loop
 * delay is issue 13's; these are the measured constants until then.
 */
export const DEFAULT_CONCURRENCY = 32;
/**
 * With a browser or the libraries as well, every setup costs much more (a
 * renderer, the libraries' sessions after the checks): fewer at once keep
 * the 2-core machine's own scheduling out of the verdicts. Measured on the
 * full matrix with both: 32 at once flipped 4 cells (resets fired before a
 * starved proxy forwarded the handshake).
 */
export const HEAVY_CONCURRENCY = 12;
/** Spacing the workers' starts keeps their first bursts (bring-up, the short checks) apart. */
const RAMP_MS = 300;

/** The largest extra delay a baseline's streams showed (SSE and WebSocket delivery), or undefined. */
function maxLateOf(baseline: SetupObservations | undefined, transports: Transport[]): number | undefined {
  if (!baseline) return undefined;
  const lates: number[] = [];
  for (const t of transports) {
    const obs = baseline.observations[t]?.find((x) => x.check === 'delivery');
    const lat = obs ? gradeObservation(obs).find((c) => c.id === 'latency') : undefined;
    if (typeof lat?.measured.maxLateMs === 'number') lates.push(lat.measured.maxLateMs);
  }
  return lates.length ? Math.max(...lates) : undefined;
}

/** A browser's observations of a setup, by transport (none when it did not probe it). */
function browserObservations(o: SetupObservations): SetupObservations['observations'] {
  const byTransport: SetupObservations['observations'] = {};
  if (o.browser && 'observations' in o.browser) for (const obs of o.browser.observations) (byTransport[obs.transport] ??= []).push(obs);
  return byTransport;
}

/**
 * The largest extra delay the unproxied baselines showed, for the timing
 * margins: `direct`, and `direct-h2` for cells that spoke HTTP/2 (its SSE;
 * its WebSocket is an HTTP/1.1 Upgrade). `client`: the same of the browser's
 * observations, the margins of the browser's cells.
 */
function baselineFrom(all: SetupObservations[], client: 'node' | 'chromium' = 'node'): GradeContext {
  const direct = (tls: boolean) => {
    const o = all.find((x) => x?.setup.kind === 'direct' && !x.unavailable && (x.setup.tls === true) === tls);
    return o && client === 'chromium' ? { ...o, observations: browserObservations(o) } : o;
  };
  const plain = maxLateOf(direct(false), ['sse', 'websocket']);
  const h2 = maxLateOf(direct(true), ['sse']);
  return { ...(plain !== undefined ? { baselineMaxLateMs: plain } : {}), ...(h2 !== undefined ? { baselineMaxLateMsH2: h2 } : {}) };
}

/** Starts the browser `--clients` asks for, or says why it cannot: not installed (skipped, with the install command) or did not start (an error). */
async function startBrowser(clients: Client[] | undefined): Promise<{ client?: ChromiumClient; unavailable?: { verdict: 'skipped' | 'error'; message: string; notInstalled?: { product: string; label: string; install: string } } } | undefined> {
  if (!clients?.includes('chromium')) return undefined;
  const missing = chromiumMissing();
  if (missing) return { unavailable: { verdict: 'skipped', message: missing, notInstalled: { product: 'chromium', label: 'Chromium', install: CHROMIUM_INSTALL } } };
  try {
    return { client: await launchChromium() };
  } catch (err) {
    return { unavailable: { verdict: 'error', message: `Chromium did not start: ${(err as Error).message.split('\n')[0]}` } };
  }
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
  let browser: Awaited<ReturnType<typeof startBrowser>>;
  try {
    browser = await startBrowser(opts.clients);
    const probeOpts: RunOptions = browser?.client ? { ...opts, browser: { client: browser.client, slots: new Slots(BROWSER_PAGES), originRoutes: fieldRoutes({ libraries: opts.libraries }) } } : opts;
    // The field page at `/`: what a browser client loads through each setup.
    for (let i = 0; i < originCount; i++) origins.push(await startOrigin({ port: 0, routes: fieldRoutes({ libraries: opts.libraries }), libraries: opts.libraries }));
    await warmUp(origins[0], opts);
    let done = 0;
    const heavy = opts.clients?.includes('chromium') || (opts.libraries?.length ?? 0) > 0;
    const limit = Math.max(1, opts.concurrency ?? (heavy ? HEAVY_CONCURRENCY : DEFAULT_CONCURRENCY));
    const all: SetupObservations[] = new Array(opts.setups.length);
    const finished = new Set<SetupObservations>();
    // Longest first (the direct baseline before all): the long setups overlap the many short ones.
    const order = opts.setups
      .map((setup, i) => ({ i, weight: setup.kind === 'direct' ? Infinity : windowsFor(setup, opts.probe).idleMs }))
      .sort((a, b) => b.weight - a.weight)
      .map((x) => x.i);
    let next = 0;
    // Ramp the workers in rather than starting every burst in the same instant.
    const worker = async (_: unknown, w: number): Promise<void> => {
      if (w > 0) await new Promise((r) => setTimeout(r, w * RAMP_MS));
      while (next < opts.setups.length && !opts.signal?.aborted) {
        const i = order[next++];
        const setup = opts.setups[i];
        opts.onProgress?.({ setup: setup.id, phase: 'start', done, total: opts.setups.length });
        all[i] = await probeSetup(setup, origins, probeOpts, () => opts.onProgress?.({ setup: setup.id, phase: 'probed', done, total: opts.setups.length }));
        if (opts.signal?.aborted) return;
        finished.add(all[i]);
        done++;
        opts.onProgress?.({ setup: setup.id, phase: 'done', done, total: opts.setups.length });
      }
    };
    // On abort, stop waiting: setups still under way are left out (their
    // proxies are being stopped, so what they would report is not the path's).
    const aborted = new Promise<void>((resolve) => {
      if (opts.signal?.aborted) resolve();
      opts.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([Promise.all(Array.from({ length: Math.min(limit, opts.setups.length) }, worker)), aborted]);
    const probed = all.filter((o) => o !== undefined && (!opts.signal?.aborted || finished.has(o)));
    const ctx = baselineFrom(probed);
    const browserCtx = baselineFrom(probed, 'chromium');
    const report: Report = {
      tool: 'pushthrough',
      version: VERSION,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      options: {
        ...opts.reportOptions,
        baselineMaxLateMs: ctx.baselineMaxLateMs,
        ...(ctx.baselineMaxLateMsH2 !== undefined ? { baselineMaxLateMsH2: ctx.baselineMaxLateMsH2 } : {}),
        ...(browser?.client ? { chromium: browser.client.version, chromiumBaseline: browserCtx } : {}),
      },
      setups: probed.flatMap((o) => {
        const node = buildSetupResult(o, opts.transports, ctx);
        if (!browser || o.unavailable) return [node];
        const got = browser.unavailable
          ? { unavailable: browser.unavailable }
          : o.browser && 'observations' in o.browser
            ? { observations: o.browser.observations, libraries: o.browser.libraries }
            : { unavailable: { verdict: 'error' as const, message: o.browser?.testerError ?? 'the browser did not probe this setup' } };
        return [node, buildClientResult(o, 'chromium', opts.transports, browserCtx, got, node)];
      }),
      checks: CHECKS.map((c) => ({ id: c.id, transports: transportsOf(c), description: c.description, expectation: c.expectation })),
    };
    if (opts.signal?.aborted) report.interrupted = true;
    return report;
  } finally {
    await browser?.client?.close();
    await Promise.all(origins.map((o) => o.close()));
    await closeAgents();
  }
}
