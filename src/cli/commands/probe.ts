import { DEFAULT_PROBE_OPTIONS } from '../../checks';
import type { ProbeTarget } from '../../client/target';
import { measure } from '../../measure/measure';
import type { Measurement } from '../../measure/types';
import type { Report } from '../../report/types';
import { runMatrix } from '../../run/run';
import type { Setup } from '../../setup/types';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { exitCodeFor } from '../exit-code';
import { parseHttpUrl, parseProbing, parseSeconds, type ProbingCliOptions } from '../options';
import { trustFrom } from '../tls-files';
import { checkWritable, emit } from '../output';
import { Progress } from '../progress';
import { checkIsOrigin } from '../../run/reachable';

export interface ProbeCliOptions extends ProbingCliOptions {
  originToken?: string;
  /** --measure: also measure the path's limits (src/measure) */
  measure?: boolean;
  maxIdle?: string;
  maxStreams?: string;
}

/** --max-streams: a whole number of streams. */
function parseStreamCount(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 1024) {
    throw new UsageError(`--max-streams must be an integer from 1 to 1024, got '${raw}'`);
  }
  return Number(raw);
}

/** Probes an origin reached at <url>; exit 0 when every transport passes, 1 otherwise. */
export async function probeCommand(rawUrl: string, opts: ProbeCliOptions): Promise<void> {
  const url = parseHttpUrl('<url>', rawUrl);
  const { transports, idleMs, holdMs, heartbeatMs, keepalive, http1, via, format, clients, libraries } = parseProbing(opts);
  // Checked before anything runs: a typo must not cost a whole probe.
  const limits = opts.measure
    ? { maxIdleMs: parseSeconds('max-idle', opts.maxIdle ?? '120', { min: 1, max: 3600 }), maxStreams: parseStreamCount(opts.maxStreams ?? '64') }
    : undefined;
  const tls = trustFrom(opts.ca, opts.insecure);
  if (opts.out) checkWritable(opts.out);
  await checkIsOrigin({ baseUrl: url, via, token: opts.originToken, tls });
  const setup: Setup = { id: new URL(url).host, kind: 'external', description: `origin at ${url}${via ? ` via ${via}` : ''}`, url };
  const progress = new Progress(1);
  // The transports' longest wait; the libraries' series and silence after it; the browser's page then does both again, with its seven-stream check.
  const checksMs = Math.max(idleMs, holdMs) + 2000;
  const librariesMs = libraries.length ? DEFAULT_PROBE_OPTIONS.deliveryCount * DEFAULT_PROBE_OPTIONS.deliveryIntervalMs + idleMs + 2000 : 0;
  const browserMs = clients.includes('chromium') ? checksMs + librariesMs + 5000 : 0;
  const who = [...clients, ...libraries].join(', ');
  process.stderr.write(`probing ${transports.join(', ')} at ${url}${clients.length > 1 || libraries.length ? ` with ${who}` : ''} (about ${Math.ceil((checksMs + librariesMs + browserMs) / 1000)} s)…\n`);
  const report = await runMatrix({
    setups: [setup],
    transports,
    via,
    token: opts.originToken,
    tls,
    http1,
    probe: { ...DEFAULT_PROBE_OPTIONS, idleMs, holdMs, heartbeatMs, keepalive },
    mitigations: opts.mitigations,
    clients,
    libraries,
    onProgress: (e) => progress.update(e),
    reportOptions: { command: 'probe', url, transports, idleMs, holdMs, heartbeatMs, ...(keepalive ? { keepalive } : {}), ...(http1 ? { http1 } : {}), ...(clients.length > 1 ? { clients } : {}), ...(libraries.length ? { libraries } : {}), via, ...(limits ? { measure: true, ...limits } : {}) },
  });
  progress.finish();
  if (limits) await addMeasurement(report, { baseUrl: url, via, token: opts.originToken, tls }, { ...limits, longPoll: transports.includes('long-poll') }, () => emit(report, format, { out: opts.out, wide: opts.wide }));
  emit(report, format, { out: opts.out, wide: opts.wide });
  process.exitCode = exitCodeFor(report, 'probe');
}

/**
 * `--measure`: after the normal probe, measure the path's limits into the
 * report (`setups[0].measurement`). Progress goes to stderr. Ctrl-C stops the
 * measurement, closes its sockets, and the report is still written with what
 * was measured, marked partial; the signal handler then exits 130.
 */
async function addMeasurement(report: Report, target: ProbeTarget, limits: { maxIdleMs: number; maxStreams: number; longPoll: boolean }, write: () => void): Promise<void> {
  const setup = report.setups[0];
  const stop = new AbortController();
  const started = Date.now();
  process.stderr.write(
    `measuring the limits of ${target.baseUrl} (idle up to ${Math.round(limits.maxIdleMs / 1000)} s, up to ${limits.maxStreams} streams; Ctrl-C keeps what was measured)…\n`,
  );
  const measuring = measure({
    target,
    ...limits,
    cells: setup.cells,
    signal: stop.signal,
    onProgress: (line) => process.stderr.write(`  [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`),
  });
  let interrupted = false;
  const finish = (m: Measurement): void => {
    setup.measurement = m;
    report.durationMs = Date.now() - Date.parse(report.startedAt);
  };
  const unregister = onShutdown(async () => {
    interrupted = true;
    stop.abort();
    finish(await measuring);
    write();
  });
  try {
    const m = await measuring;
    if (!interrupted) finish(m);
  } finally {
    unregister();
  }
  // The signal handler writes the partial report and exits; nothing more to do here.
  if (interrupted) await new Promise<never>(() => undefined);
}
