import { DEFAULT_PROBE_OPTIONS } from '../../client/probe-types';
import { runMatrix } from '../../run/run';
import type { Setup } from '../../setup/types';
import { emit, type Format } from '../output';
import { parseHttpUrl, parseSeconds, parseTransports } from '../options';
import { UsageError } from '../usage-error';
import { checkReachable } from '../reachable';
import { Progress } from '../progress';

export interface ProbeCliOptions {
  transports: string;
  idle: string;
  hold: string;
  heartbeat: string;
  format: Format;
  out?: string;
  via?: string;
  originToken?: string;
  mitigations: boolean;
}

/** Probes an origin reached at <url>; exit 0 when every transport passes, 1 otherwise. */
export async function probeCommand(rawUrl: string, opts: ProbeCliOptions): Promise<void> {
  const url = parseHttpUrl('<url>', rawUrl);
  const transports = parseTransports(opts.transports);
  const idleMs = parseSeconds('idle', opts.idle);
  const holdMs = parseSeconds('hold', opts.hold);
  const heartbeatMs = parseSeconds('heartbeat', opts.heartbeat, { min: 0.01, max: 600 });
  const via = opts.via ? parseHttpUrl('--via', opts.via) : undefined;
  await checkReachable(url, via, opts.originToken);
  const setup: Setup = { id: new URL(url).host, kind: 'external', description: `origin at ${url}${via ? ` via ${via}` : ''}`, url };
  const progress = new Progress(1);
  process.stderr.write(`probing ${transports.join(', ')} at ${url} (about ${Math.ceil((Math.max(idleMs, holdMs) + 2000) / 1000)} s)…\n`);
  const report = await runMatrix({
    setups: [setup],
    transports,
    via,
    token: opts.originToken,
    probe: { ...DEFAULT_PROBE_OPTIONS, idleMs, holdMs, heartbeatMs },
    mitigations: opts.mitigations,
    onProgress: (e) => progress.update(e),
    reportOptions: { command: 'probe', url, transports, idleMs, holdMs, heartbeatMs, via },
  });
  progress.finish();
  emit(report, opts.format, opts.out);
  const bad = report.setups.flatMap((s) => s.cells).some((c) => c.verdict !== 'pass');
  process.exitCode = bad ? 1 : 0;
}

export { UsageError };
