/**
 * `pushthrough proxy`: one setup in front of any app — a built-in or file
 * setup, or a real product with its template — until Ctrl-C, with one log
 * line per exchange on stdout and, with --control, the runtime control API.
 * The container lab runs each proxy service with it.
 */
import { startControl } from '../../run/control';
import { startProxy } from '../../run/front';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { parsePort, parseSeconds } from '../options';
import { caFileForClients, certAndKeyFrom, trustLine } from '../tls-files';

export interface ProxyCliOptions {
  setup?: string;
  real?: string;
  target: string;
  port: string;
  host: string;
  scale?: string;
  control?: string;
  quiet?: boolean;
  wait?: string;
  cert?: string;
  key?: string;
}

export async function proxyCommand(opts: ProxyCliOptions): Promise<void> {
  if ((opts.setup === undefined) === (opts.real === undefined)) throw new UsageError('give exactly one of --setup <id|file> and --real <product=template>');
  if (opts.control !== undefined && opts.real !== undefined) throw new UsageError('--control changes the faults of a simulated setup; a real product is its config template (expected --setup with --control)');
  const scale = opts.scale === undefined ? undefined : Number(opts.scale);
  if (opts.scale !== undefined && !/^\d+(\.\d+)?$/.test(opts.scale.trim())) throw new UsageError(`--scale must be a number such as 1 or 0.02, got '${opts.scale}'`);
  const controlPort = opts.control === undefined ? undefined : parsePort(opts.control);
  const proxy = await startProxy({
    setup: opts.setup,
    real: opts.real,
    target: opts.target,
    port: parsePort(opts.port),
    host: opts.host,
    scale,
    waitMs: opts.wait === undefined ? undefined : parseSeconds('wait', opts.wait, { min: 0, max: 3600 }),
    tls: certAndKeyFrom(opts),
    onLog: opts.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
  }).catch((err: unknown) => {
    // The same errors as the JS API's, named as the CLI's flags.
    if (err instanceof UsageError) throw new UsageError(err.message.replace(/^(setup|real|target|scale): /, '--$1: ').replace(/^tls: /, '--cert: '));
    throw err;
  });
  let stopping = false;
  const control = controlPort === undefined ? undefined : await startControl(proxy, controlPort);
  onShutdown(async () => {
    stopping = true;
    await control?.close();
    await proxy.close();
  });
  const lines = [`proxy listening on ${proxy.url} → ${opts.target}`, ...proxy.explanation.map((l) => `  ${proxy.setup.id}: ${l}`)];
  if (proxy.realWorld.length) lines.push(`  timeouts as the real product${scale !== undefined && scale !== 1 ? ` × ${scale}` : ''}: ${proxy.realWorld.join('; ')}`);
  if (proxy.ca) lines.push(`  ${trustLine(caFileForClients(proxy.ca, 'proxy'))}`);
  if (control) lines.push(`  control API on ${control.url} (GET/PUT /faults, POST/DELETE /faults/<name>, POST /reset)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  // Runs until SIGINT/SIGTERM (the signal handler stops it), or until a real program ends by itself.
  await proxy.exited;
  if (stopping) return new Promise<never>(() => undefined);
  process.stderr.write(`pushthrough: the proxy exited by itself; its last lines:\n${proxy.logs().slice(-20).join('\n')}\n`);
  await control?.close();
  await proxy.close();
  process.exitCode = 4;
}
