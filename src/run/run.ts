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
import type { RunningOrigin } from '../origin/server';
import type { Report } from '../report/types';
import type { Setup } from '../setup/types';
import { VERSION } from '../version';
import { probeSetup, windowsFor, type ProbeSetupOptions, type SetupObservations } from './probe-setup';
import { buildClientResult, buildSetupResult } from './result';
import { CHROMIUM_INSTALL, chromiumMissing, launchChromium, type ChromiumClient } from '../client/chromium';
import type { Client } from '../vocabulary';
import { Slots } from '../util/slots';
import { runAdmitted } from '../util/admission';
import { startOriginProcess } from './origin-process';
import { fieldRoutes } from './field';

export interface RunOptions extends ProbeSetupOptions {
  setups: Setup[];
  /**
   * How many setups are probed at once at most. They start as the event
   * loop has room (src/util/admission.ts); this bounds the files and
   * processes they hold. Default MAX_SETUPS_AT_ONCE, HEAVY_CONCURRENCY with a
   * browser or libraries.
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
 * Setups at once at most: a bound on open files and processes, not on speed
 * (the admission, src/util/admission.ts, paces the starts by the event
 * loop's measured delay). Each setup holds a few dozen sockets and at most a
 * handful of proxy processes; the built-in matrix has 87 setups.
 */
export const MAX_SETUPS_AT_ONCE = 128;
/**
 * With a browser or the libraries as well, every setup costs much more (a
 * renderer, the libraries' sessions after the checks) in work the loop's
 * delay shows late: fewer at once keep the 2-core machine's own scheduling
 * out of the verdicts. Measured on the full matrix with both: 32 at once
 * flipped 4 cells (resets fired before a starved proxy forwarded the
 * handshake); 12 flipped none.
 */
export const HEAVY_CONCURRENCY = 12;

/**
 * The order setups start in: the longest first, so the many short ones fill
 * in around them and the run ends soon after its longest wait. A setup's
 * length: its idle window, with what its expectations say it will add (a
 * broken cell gets the app-side fixes tried after the checks, a window
 * again) and a real proxy's or firewall's start-up.
 */
export function expectedLengthMs(setup: Setup, probe: ProbeSetupOptions['probe']): number {
  const windowMs = windowsFor(setup, probe).idleMs;
  const broken = Object.values(setup.expect ?? {}).some((e) => e && e.verdict !== 'pass');
  const startup = setup.kind === 'real' ? 1000 : setup.firewall ? 500 : 0;
  return windowMs + (broken ? windowMs / 2 : 0) + startup;
}

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
    // The origin in a process of its own: its emit schedule and held
    // requests keep time however busy this loop gets with the clients and the
    // simulated proxies. It serves the field page at `/` too, what a browser
    // client loads through each setup.
    const launched = await Promise.allSettled(Array.from({ length: originCount }, (_, i) => startOriginProcess({ label: `origin ${i + 1} (pushthrough run)`, libraries: opts.libraries })));
    for (const s of launched) if (s.status === 'fulfilled') origins.push(s.value);
    const failed = launched.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    await warmUp(origins[0], opts);
    let done = 0;
    const heavy = opts.clients?.includes('chromium') || (opts.libraries?.length ?? 0) > 0;
    const all: SetupObservations[] = new Array(opts.setups.length);
    const finished = new Set<SetupObservations>();
    // The direct baseline before all, then the longest first.
    const order = opts.setups
      .map((setup, i) => ({ i, weight: setup.kind === 'direct' ? Infinity : expectedLengthMs(setup, opts.probe) }))
      .sort((a, b) => b.weight - a.weight)
      .map((x) => x.i);
    const tasks = order.map((i) => async (): Promise<void> => {
      const setup = opts.setups[i];
      opts.onProgress?.({ setup: setup.id, phase: 'start', done, total: opts.setups.length });
      all[i] = await probeSetup(setup, origins, probeOpts, () => opts.onProgress?.({ setup: setup.id, phase: 'probed', done, total: opts.setups.length }));
      if (opts.signal?.aborted) return;
      finished.add(all[i]);
      done++;
      opts.onProgress?.({ setup: setup.id, phase: 'done', done, total: opts.setups.length });
    });
    // On abort, stop waiting: setups still under way are left out (their
    // proxies are being stopped, so what they would report is not the path's).
    // A browser page's cost shows in the loop's delay only once it renders: heavy runs also keep their starts 300 ms apart, as measured without flips.
    await runAdmitted(tasks, { maxInFlight: Math.max(1, opts.concurrency ?? (heavy ? HEAVY_CONCURRENCY : MAX_SETUPS_AT_ONCE)), ...(heavy ? { tickMs: 300 } : {}), signal: opts.signal });
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
