/**
 * `pushthrough load <url> | --setup ID | --real PRODUCT=VARIANT`: holds many
 * streams through the path and says how many it held, how the rest failed,
 * at what latency, and which limit it met with the fix. Progress goes to
 * stderr once a second (a bar on a terminal, a line in a log);
 * `--threshold` gates the exit code as in k6 (1 when one breaks); the
 * generator's own limit is exit 4, never the path's failure.
 * `--export artillery` writes the same load as an Artillery scenario instead
 * of running it (src/measure/artillery.ts).
 */
import type { Report } from '../../report/types';
import { renderLoadText } from '../../report/render/load';
import { renderLoadHtml } from '../../report/render/load-html';
import { runLoad } from '../../measure/load';
import { artilleryScenario } from '../../measure/artillery';
import { LOAD_FORMATS, LOAD_TRANSPORTS, type LoadTransport } from '../../vocabulary';
import { loadThroughSetup, type LoadRun } from '../../run/load';
import { builtInSetups, realSetupFrom } from '../../run/setups';
import { SetupUnavailable } from '../../run/bring-up';
import { EXIT, UsageError } from '../../util/errors';
import { checkThresholds, loadLimit, parseThreshold, type Threshold } from '../../verdict/load';
import { VERSION } from '../../version';
import { onShutdown } from '../cleanup';
import { LoadProgress, type LoadSecondProgress } from '../progress';
import { parseHttpUrl, parseSeconds } from '../options';
import { checkWritable, writeFileOrFail } from '../output';

export interface LoadCliOptions {
  setup?: string;
  real?: string;
  transports: string;
  streams: string;
  ramp?: string;
  rate?: string;
  duration: string;
  interval: string;
  threshold?: string[];
  format: string;
  out?: string;
  originToken?: string;
  insecure?: boolean;
  export?: 'artillery';
}


function parseLoadTransports(raw: string): LoadTransport[] {
  const list = raw.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.find((t) => !(LOAD_TRANSPORTS as readonly string[]).includes(t));
  if (bad !== undefined || list.length === 0) throw new UsageError(`--transports must be a comma-separated list of ${LOAD_TRANSPORTS.join(', ')}, got '${raw}'`);
  return [...new Set(list)] as LoadTransport[];
}

/** The ramp when none is given. */
const DEFAULT_RAMP = '10';
/** The longest a ramp may take, however it is given. */
const MAX_RAMP_S = 3600;

/** `--rate 500/s` (or `500`): streams opened a second. */
function parseRate(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(raw.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0 && n <= 1_000_000)) throw new UsageError(`--rate must be a number of streams a second above 0 and up to 1000000, e.g. 500/s, got '${raw}'`);
  return n;
}

/**
 * How long the opens are spread over: --ramp, or --rate as streams ÷ rate
 * (every generator opens its share evenly over the ramp, so the two are one
 * setting, given two ways).
 */
function rampOf(opts: Pick<LoadCliOptions, 'ramp' | 'rate'>, streams: number): number {
  if (opts.ramp !== undefined && opts.rate !== undefined) throw new UsageError('--ramp and --rate both set how fast the streams open: give one of them');
  if (opts.rate === undefined) return parseSeconds('ramp', opts.ramp ?? DEFAULT_RAMP, { min: 0, max: MAX_RAMP_S });
  const rate = parseRate(opts.rate);
  const rampMs = Math.round((streams / rate) * 1000);
  if (rampMs > MAX_RAMP_S * 1000) throw new UsageError(`--rate ${opts.rate} opens ${streams} streams over ${Math.round(rampMs / 1000)} s, longer than the ${MAX_RAMP_S} s a ramp may take: raise the rate or lower --streams`);
  return rampMs;
}

function parseStreams(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 200_000) throw new UsageError(`--streams must be an integer from 1 to 200000, got '${raw}'`);
  return Number(raw);
}

export async function loadCommand(url: string | undefined, opts: LoadCliOptions): Promise<void> {
  const targets = [url, opts.setup, opts.real].filter((x) => x !== undefined).length;
  if (targets !== 1) throw new UsageError('load needs exactly one target: a URL, --setup ID or --real PRODUCT=VARIANT');
  const transports = parseLoadTransports(opts.transports);
  const streams = parseStreams(opts.streams);
  const rampMs = rampOf(opts, streams);
  const durationMs = parseSeconds('duration', opts.duration, { min: 1, max: 86_400 });
  const intervalMs = parseSeconds('interval', opts.interval, { min: 0.05, max: 3600 });
  if (!(LOAD_FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`--format must be one of ${LOAD_FORMATS.join(', ')}, got '${opts.format}'`);
  const thresholds: Threshold[] = (opts.threshold ?? []).map((t) => {
    const p = parseThreshold(t);
    if (typeof p === 'string') throw new UsageError(p);
    return p;
  });
  if (opts.out) checkWritable(opts.out);
  // --real: a shipped template (nginx=naive) or your own (nginx=./site.conf.tmpl), as `run --real` takes it.
  const setup = opts.real ? realSetupFrom(opts.real, '--real') : opts.setup ? builtInSetups().find((s) => s.id === opts.setup) : undefined;
  if (opts.setup && !setup) throw new UsageError(`no built-in setup '${opts.setup}' (see \`pushthrough setups\`)`);
  if (setup && (setup.kind === 'firewall' || setup.real?.forward)) throw new UsageError(`setup '${setup.id}' is a ${setup.kind === 'firewall' ? 'kernel firewall' : 'forward proxy'}: load runs through reverse proxies and simulated setups`);
  const target = url ? parseHttpUrl('<url>', url) : `setup ${setup!.id}`;
  if (opts.export) {
    if (!url) throw new UsageError(`--export ${opts.export} needs a URL: its runners reach a path someone deployed, not a setup pushthrough starts on this machine`);
    const scenario = artilleryScenario({ url: target, transports, streams, rampMs, durationMs, intervalMs, thresholds, token: opts.originToken, insecure: opts.insecure });
    if (opts.out) {
      writeFileOrFail(opts.out, scenario);
      process.stderr.write(`wrote the Artillery scenario to ${opts.out}\n`);
    } else process.stdout.write(scenario);
    return;
  }

  const stop = new AbortController();
  const started = new Date();
  const progress = new LoadProgress(streams);
  const onSecond = (s: LoadSecondProgress): void => progress.second(s);
  process.stderr.write(`load: ${streams} ${transports.join(' + ')} streams through ${target}, ramp ${rampMs / 1000} s${opts.rate !== undefined ? ` (${parseRate(opts.rate)} a second)` : ''}, held ${durationMs / 1000} s…\n`);
  const running = (async (): Promise<number> => {
    let run: LoadRun;
    try {
      const o = { transports, streams, rampMs, durationMs, intervalMs, token: opts.originToken, insecure: opts.insecure, onSecond, signal: stop.signal };
      run = setup ? await loadThroughSetup(setup, o) : { measurement: await runLoad({ ...o, url: target }) };
    } catch (err) {
      if (err instanceof SetupUnavailable) throw new UsageError(`setup '${setup!.id}' cannot run here: ${err.message}`);
      throw err;
    } finally {
      progress.finish();
    }
    const m = run.measurement;
    const limit = loadLimit(m, setup?.id ?? new URL(target).host, setup?.real?.product ?? setup?.imitates ?? run.product, run.capacity);
    const results = checkThresholds(thresholds, m);
    const report: Report = {
      tool: 'pushthrough',
      kind: 'load',
      version: VERSION,
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      options: { command: 'load', target, transports, streams, rampMs, ...(opts.rate !== undefined ? { ratePerSecond: parseRate(opts.rate) } : {}), durationMs, intervalMs, thresholds: thresholds.map((t) => t.text) },
      ...(stop.signal.aborted ? { interrupted: true } : {}),
      setups: [],
      load: { target, measurement: m, ...(limit ? { limit } : {}), thresholds: results },
    };
    const text = opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : opts.format === 'html' ? renderLoadHtml(report.load!, report) : renderLoadText(report.load!);
    if (opts.out) {
      writeFileOrFail(opts.out, text);
      process.stderr.write(`wrote ${opts.format} load report to ${opts.out}\n`);
    } else process.stdout.write(text);
    return results.some((r) => !r.ok) ? EXIT.mismatch : m.testerError ? EXIT.testerError : EXIT.ok;
  })();
  // SIGINT/SIGTERM: stop holding streams, then let the run stop its generators, the setup and the origin, and write what it measured.
  const unregister = onShutdown(async () => {
    stop.abort();
    await running.catch(() => undefined);
  });
  try {
    process.exitCode = await running;
  } finally {
    unregister();
  }
}
