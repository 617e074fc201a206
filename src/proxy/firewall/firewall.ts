/**
 * A firewall setup in front of an upstream (the origin, or a proxy in front
 * of it): a network namespace made for this run with the kernel's own
 * netfilter and netem on its loopback (src/proxy/firewall/rules.ts), and the
 * hop process inside it (hop.ts). This side listens on the host's 127.0.0.1,
 * hands every accepted client socket to the hop, and opens a socket to the
 * upstream whenever the hop's far side accepts one.
 *
 * Nothing changes on the host: the namespace, its ruleset and its qdisc
 * exist only as long as the hop process does (it leads its own process
 * group, is recorded for `pushthrough cleanup`, and exits when this process
 * disconnects). Where namespaces cannot be made (no unprivileged user
 * namespaces, no nft), starting fails with FirewallUnavailable, and the
 * setup is skipped with the reason and what would enable it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../util/paths';
import { runRegistry } from '../../util/run-registry';
import { signalGroup } from '../../util/process-group';
import { explainFirewall, namespaceCommands, nftRuleset, tcCommands, type FirewallSpec } from './rules';
import type { HopConfig, HopMessage } from './hop';

export type { FirewallSpec, LinkSpec } from './rules';

/** The machine cannot play this firewall: the setup is skipped, with what would enable it. */
export class FirewallUnavailable extends Error {}

export interface RunningFirewall {
  url: string;
  explanation: string;
  logs(): string[];
  stop(): Promise<void>;
}

const HOP_SCRIPT = path.join(PROJECT_ROOT, 'dist', 'proxy', 'firewall', 'hop.js');
const READY_MS = 10_000;
/** Every firewall started and not yet stopped, with a synchronous kill for the 'exit' handler. */
const running = new Map<RunningFirewall, () => void>();

/** Binaries a firewall needs, with the Debian package that has each. */
function missingTools(spec: FirewallSpec): string[] {
  const need: Array<[string, string]> = [
    ['unshare', 'util-linux'],
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ];
  if (tcCommands(spec.link).length) need.push(['tc', 'iproute2']);
  const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  return need.filter(([bin]) => !dirs.some((d) => fs.existsSync(path.join(d, bin)))).map(([bin, pkg]) => `${bin} (apt-get install -y ${pkg})`);
}

export async function startFirewall(spec: FirewallSpec, upstream: { host: string; port: number }, listen: { host?: string; port?: number } = {}): Promise<RunningFirewall> {
  if (process.platform !== 'linux') throw new FirewallUnavailable('firewall setups need Linux network namespaces (this is ' + process.platform + ')');
  const missing = missingTools(spec);
  if (missing.length) throw new FirewallUnavailable(`firewall setups need ${missing.join(', ')}`);
  if (!fs.existsSync(HOP_SCRIPT)) throw new Error(`${HOP_SCRIPT} is missing: run npm run build`);

  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pushthrough-firewall-'));
  const forgetDir = runRegistry.tempDir(dir, 'firewall');
  const rulesFile = path.join(dir, 'rules.nft');
  const cfg: HopConfig = { port: spec.port, commands: namespaceCommands(spec, rulesFile) };
  await fs.promises.writeFile(rulesFile, nftRuleset(spec));
  await fs.promises.writeFile(path.join(dir, 'hop.json'), JSON.stringify(cfg));

  const logs: string[] = [];
  const log = (line: string): void => {
    logs.push(line);
    if (logs.length > 500) logs.shift();
  };
  // unshare -r: root in a user namespace of our own, -n: a network namespace of our own; exec'd into node.
  const child: ChildProcess = spawn('unshare', ['-rn', process.execPath, HOP_SCRIPT, path.join(dir, 'hop.json')], { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const forgetProcess = child.pid ? runRegistry.process(child.pid, 'firewall namespace') : () => undefined;
  for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => d.toString('utf8').split('\n').filter(Boolean).forEach(log));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const upstreamWanted = (id: number): void => {
    const socket = net.connect({ host: upstream.host, port: upstream.port });
    socket.pause();
    socket.once('connect', () => child.connected && child.send({ type: 'upstream', id } satisfies HopMessage, socket));
    socket.once('error', (e: NodeJS.ErrnoException) => child.connected && child.send({ type: 'upstream-failed', id, code: e.code ?? 'ERROR' } satisfies HopMessage));
  };

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the firewall namespace did not come up within ${READY_MS / 1000} s`)), READY_MS);
    child.on('message', (m: HopMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        const message = `${m.step} failed in the firewall's network namespace: ${m.error}`;
        // A ruleset nft cannot parse is pushthrough's bug, not a missing feature of this machine.
        reject(/syntax error|unexpected/i.test(m.error) ? new Error(`${message} (a bug in pushthrough's ruleset)`) : new FirewallUnavailable(message));
      } else if (m.type === 'upstream-wanted') upstreamWanted(m.id);
      else if (m.type === 'log') log(m.line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      const why = logs.find((l) => /unshare|Operation not permitted|Permission denied/i.test(l)) ?? logs.at(-1) ?? `exit code ${child.exitCode}`;
      reject(
        new FirewallUnavailable(
          /unshare/i.test(why)
            ? `network namespaces are not available to this user (${why}): allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0) or run as root`
            : `the firewall namespace exited before it was ready: ${why}`,
        ),
      );
    });
  });

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (!child.connected) return void client.resetAndDestroy();
    child.send({ type: 'client', id: 0 } satisfies HopMessage, client);
  });
  // One stop for every caller (the command's own close, the signal handler, the exit), each awaiting all of it.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      server.close();
      if (child.exitCode === null && child.pid) signalGroup(child.pid, 'SIGKILL');
      await exited;
      forgetProcess();
      await fs.promises.rm(dir, { recursive: true, force: true });
      forgetDir();
      running.delete(fw);
    })());
  const fw: RunningFirewall = { url: '', explanation: explainFirewall(spec), logs: () => [...logs], stop };
  running.set(fw, () => {
    if (child.exitCode === null && child.pid) signalGroup(child.pid, 'SIGKILL');
  });
  try {
    await ready;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const bound = server.address() as net.AddressInfo;
  fw.url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  return fw;
}

/** Stops every firewall this process started (SIGINT/SIGTERM handlers, test teardown). */
export async function stopAllFirewalls(): Promise<void> {
  await Promise.all([...running.keys()].map((f) => f.stop()));
}

process.on('exit', () => {
  // Synchronous last resort: the namespace goes with its process group (its temp dir is reaped by the next run).
  for (const kill of running.values()) kill();
});
