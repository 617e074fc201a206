import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROBE_OPTIONS } from '../../client/probe-types';
import { runMatrix } from '../../run/run';
import { builtInSetups, loadSetupFile, SetupFileError } from '../../setup/load';
import type { Setup } from '../../setup/types';
import { listRealProducts } from '../../proxy/real/launcher';
import { emit, writeFileOrFail, writeJunit } from '../output';
import { parseHttpUrl, parseProbing, type ProbingCliOptions } from '../options';
import { UsageError } from '../usage-error';
import { Progress } from '../progress';

export interface RunCliOptions extends ProbingCliOptions {
  setups?: string;
  setupFile?: string[];
  real?: string[] | boolean;
  external?: string[];
  junit?: string;
  json?: string;
}

/** `--real nginx=./site.conf.tmpl`: a user's own template as a setup. */
function realFromFlag(spec: string): Setup {
  const m = /^([a-z0-9]+)=(.+)$/.exec(spec);
  const products = listRealProducts().map((p) => p.product);
  if (!m) throw new UsageError(`--real expects product=template, e.g. nginx=./site.conf.tmpl, got '${spec}'`);
  if (!products.includes(m[1])) throw new UsageError(`--real: unknown product '${m[1]}' (expected one of: ${products.join(', ')})`);
  const file = path.resolve(m[2]);
  if (!fs.existsSync(file)) throw new UsageError(`--real: template ${m[2]} does not exist`);
  return { id: `${m[1]}-${path.basename(file).replace(/\.conf\.tmpl$|\.tmpl$|\.conf$/, '')}-user`.toLowerCase().replace(/[^a-z0-9-]/g, '-'), kind: 'real', description: `${m[1]} with your template ${m[2]}`, real: { product: m[1], template: file } };
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

export async function runCommand(opts: RunCliOptions): Promise<void> {
  const { transports, idleMs, holdMs, heartbeatMs, via } = parseProbing(opts);
  let setups: Setup[];
  try {
    const all = builtInSetups({ real: opts.real !== false });
    const userFiles = (opts.setupFile ?? []).map((f) => loadSetupFile(f));
    const userReal = Array.isArray(opts.real) ? opts.real.map(realFromFlag) : [];
    const external = (opts.external ?? []).map((e) => externalFromFlag(e, all));
    const extra = [...userFiles, ...userReal, ...external];
    if (opts.setups) {
      const wanted = opts.setups.split(',').map((s) => s.trim()).filter(Boolean);
      const known = new Map([...all, ...extra].map((s) => [s.id, s]));
      const unknown = wanted.filter((w) => !known.has(w));
      if (unknown.length) throw new UsageError(`--setups: unknown setup '${unknown[0]}' (see 'pushthrough setups' for the list)`);
      setups = wanted.map((w) => known.get(w)!);
    } else {
      // Your own setups run beside the direct baseline only: a focused, quick answer.
      setups = extra.length ? [all[0], ...extra] : all;
    }
  } catch (err) {
    if (err instanceof SetupFileError) throw new UsageError(err.message);
    throw err;
  }
  const progress = new Progress(setups.length);
  const report = await runMatrix({
    setups,
    transports,
    via,
    probe: { ...DEFAULT_PROBE_OPTIONS, idleMs, holdMs, heartbeatMs },
    mitigations: opts.mitigations,
    onProgress: (e) => progress.update(e),
    reportOptions: { command: 'run', setups: setups.map((s) => s.id), transports, idleMs, holdMs, heartbeatMs, via },
  });
  progress.finish();
  emit(report, opts.format, opts.out);
  if (opts.junit) writeJunit(report, opts.junit);
  if (opts.json) writeFileOrFail(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  const mismatch = report.setups.some((s) => s.cells.some((c) => c.matches === false));
  process.exitCode = mismatch ? 1 : 0;
}
