import { DEFAULT_PROBE_OPTIONS } from '../../checks';
import { runMatrix } from '../../run/run';
import { builtInSetups, loadUserSetupFile, realSetupFrom, withUserSetups } from '../../run/setups';
import type { Setup } from '../../setup/types';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { exitCodeFor } from '../exit-code';
import { parseHttpUrl, parseProbing, parseSeconds, type ProbingCliOptions } from '../options';
import { checkWritable, emit, writeFileOrFail } from '../output';
import { Progress } from '../progress';
import { renderJunit } from '../../report/render';
import { trustFrom } from '../tls-files';

export interface RunCliOptions extends ProbingCliOptions {
  setups?: string;
  setupFile?: string[];
  real?: string[] | boolean;
  external?: string[];
  junit?: string;
  json?: string;
  requireReal?: boolean;
  wait?: string;
}

/** `--real nginx=./site.conf.tmpl`: a user's own template as a setup, beside the built-in one of the same name. */
function realFromFlag(spec: string): Setup {
  const setup = realSetupFrom(spec, '--real');
  return { ...setup, id: `${setup.id}-user`, description: `${setup.real!.product} with your template ${spec.slice(spec.indexOf('=') + 1)}` };
}

/**
 * `--external id=url`: an origin already behind some infrastructure. When the
 * id names a built-in setup (the container lab runs the same templates), its
 * description, product and expectations come along.
 */
function externalFromFlag(spec: string, builtIn: Setup[]): Setup {
  const m = /^([a-z0-9][a-z0-9-]*)=(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--external expects id=url, e.g. my-lb=https://lb.example.com, got '${spec}'`);
  const url = parseHttpUrl('--external', m[2]);
  const known = builtIn.find((s) => s.id === m[1]);
  if (known) return { ...known, kind: 'external', url, description: `${known.description} (at ${url})`, real: undefined, imitates: known.real?.product ?? known.imitates };
  return { id: m[1], kind: 'external', description: `origin deployed at ${url}`, url };
}

function chooseSetups(opts: RunCliOptions): Setup[] {
  const builtIn = builtInSetups({ real: opts.real !== false });
  const user = [...(opts.setupFile ?? []).map(loadUserSetupFile), ...(Array.isArray(opts.real) ? opts.real.map(realFromFlag) : []), ...(opts.external ?? []).map((e) => externalFromFlag(e, builtIn))];
  const all = withUserSetups(builtIn, user);
  if (opts.setups) {
    const wanted = opts.setups.split(',').map((s) => s.trim()).filter(Boolean);
    const known = new Map(all.map((s) => [s.id, s]));
    const unknown = wanted.filter((w) => !known.has(w));
    if (unknown.length) throw new UsageError(`--setups: unknown setup '${unknown[0]}' (see 'pushthrough setups' for the list)`);
    return wanted.map((w) => known.get(w)!);
  }
  // Your own setups run beside the direct baseline only: a focused, quick answer.
  return user.length ? [all[0], ...all.filter((s) => user.some((u) => u.id === s.id))] : all;
}

export async function runCommand(opts: RunCliOptions): Promise<void> {
  const { transports, idleMs, holdMs, heartbeatMs, keepalive, http1, via, format, clients, libraries } = parseProbing(opts);
  const tls = trustFrom(opts.ca, opts.insecure);
  const waitMs = opts.wait !== undefined ? parseSeconds('wait', opts.wait, { min: 0, max: 3600 }) : undefined;
  for (const [file, what] of [[opts.out, '--out'], [opts.junit, '--junit'], [opts.json, '--json']] as const) if (file) checkWritable(file, what);
  const setups = chooseSetups(opts);
  const requireReal = opts.requireReal === true || process.env.PUSHTHROUGH_REQUIRE_PROXIES === '1';
  const progress = new Progress(setups.length);
  const stop = new AbortController();
  const write = (report: Awaited<ReturnType<typeof runMatrix>>): void => {
    emit(report, format, { out: opts.out, wide: opts.wide });
    if (opts.junit) writeFileOrFail(opts.junit, renderJunit(report));
    if (opts.json) writeFileOrFail(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  };
  const running = runMatrix({
    setups,
    transports,
    via,
    http1,
    tls,
    requireReal,
    waitMs,
    probe: { ...DEFAULT_PROBE_OPTIONS, idleMs, holdMs, heartbeatMs, keepalive },
    mitigations: opts.mitigations,
    clients,
    libraries,
    onProgress: (e) => progress.update(e),
    signal: stop.signal,
    reportOptions: { command: 'run', setups: setups.map((s) => s.id), transports, idleMs, holdMs, heartbeatMs, ...(keepalive ? { keepalive } : {}), ...(http1 ? { http1 } : {}), ...(clients.length > 1 ? { clients } : {}), ...(libraries.length ? { libraries } : {}), via, requireReal },
  });
  // SIGINT/SIGTERM: stop starting setups, let the ones under way finish, write what was measured.
  const unregister = onShutdown(async () => {
    stop.abort();
    progress.finish();
    write(await running);
  });
  const report = await running;
  if (stop.signal.aborted) return;
  unregister();
  progress.finish();
  write(report);
  process.exitCode = exitCodeFor(report, 'run');
}
