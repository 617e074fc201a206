/**
 * `pushthrough proxy`: one setup in front of any app — a built-in or file
 * setup, or a real product with its template — until Ctrl-C. The container
 * lab runs each proxy service with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startFront } from '../../run/front';
import { builtInSetups, loadUserSetupFile } from '../../run/setups';
import { RUNNABLE_PRODUCTS } from '../../proxy/real/products';
import type { Setup } from '../../setup/types';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { parseHttpUrl, parsePort } from '../options';

export interface ProxyCliOptions {
  setup?: string;
  real?: string;
  target: string;
  port: string;
  host: string;
}

/** --setup: a built-in id, or a setup file (YAML/JSON). */
function setupFrom(spec: string): Setup {
  if (/\.(ya?ml|json)$/.test(spec) || spec.includes(path.sep)) return loadUserSetupFile(path.resolve(spec));
  const all = builtInSetups();
  const found = all.find((s) => s.id === spec);
  if (!found) throw new UsageError(`--setup: unknown setup '${spec}' (expected a setup id from 'pushthrough setups', or a setup file)`);
  return found;
}

/** --real product=template. */
function realFrom(spec: string): Setup {
  const m = /^([a-z0-9]+)=(.+)$/.exec(spec);
  const products = RUNNABLE_PRODUCTS.map((p) => p.id);
  if (!m) throw new UsageError(`--real expects product=template, e.g. nginx=./site.conf.tmpl, got '${spec}'`);
  if (!products.includes(m[1])) throw new UsageError(`--real: unknown product '${m[1]}' (expected one of: ${products.join(', ')})`);
  const template = path.resolve(m[2]);
  if (!fs.existsSync(template)) throw new UsageError(`--real: template ${m[2]} does not exist (expected a path to a config template)`);
  return { id: `${m[1]}-${path.basename(template)}`, kind: 'real', description: `${m[1]} with ${m[2]}`, real: { product: m[1], template } };
}

export async function proxyCommand(opts: ProxyCliOptions): Promise<void> {
  if ((opts.setup === undefined) === (opts.real === undefined)) throw new UsageError('give exactly one of --setup <id|file> and --real <product=template>');
  const target = parseHttpUrl('--target', opts.target);
  const port = parsePort(opts.port);
  const setup = opts.setup !== undefined ? setupFrom(opts.setup) : realFrom(opts.real!);
  let front;
  try {
    front = await startFront(setup, { target, port, host: opts.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${opts.host} is in use (pick another with --port, or --port 0 for any free port)`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${opts.host} (not an address of this machine)`);
    throw err;
  }
  let stopping = false;
  onShutdown(() => {
    stopping = true;
    return front.stop();
  });
  process.stdout.write(`proxy listening on ${front.url} → ${target}\n${front.explanation.map((l) => `  ${setup.id}: ${l}`).join('\n')}\n`);
  // Runs until SIGINT/SIGTERM (the signal handler stops it), or until a real program ends by itself.
  await front.exited;
  if (stopping) return new Promise<never>(() => undefined);
  process.stderr.write(`pushthrough: the proxy exited by itself; its last lines:\n${front.logs().slice(-20).join('\n')}\n`);
  await front.stop();
  process.exitCode = 4;
}
