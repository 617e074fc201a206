/**
 * A firewall setup in front of an upstream (the origin, or a proxy in front
 * of it): a network namespace made for this run with the kernel's own
 * netfilter and traffic control on its loopback (src/proxy/firewall/rules.ts), and the
 * hop process inside it (hop.ts). The broker (broker.ts), a process of its
 * own on the host, listens on 127.0.0.1, hands every accepted client socket
 * to the hop, and opens a socket to the upstream whenever the hop's far side
 * accepts one; this side only starts it and hears what it says.
 *
 * Nothing changes on the host: the namespace, its ruleset and its qdisc
 * exist only as long as the hop process does (it runs in the broker's
 * process group, which is recorded for `pushthrough cleanup`, and each
 * exits when its parent disconnects). Where namespaces cannot be made (no unprivileged user
 * namespaces, no nft), starting fails with FirewallUnavailable, and the
 * setup is skipped with the reason and what would enable it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../util/paths';
import { runRegistry } from '../../util/run-registry';
import { livingGroupMembers, signalGroup } from '../../util/process-group';
import { explainFirewall, namespaceCommands, nftRuleset, tcCommands, type FirewallSpec } from './rules';
import type { BrokerConfig, BrokerMessage, BrokerRequest } from './broker';
import type { HopConfig } from './hop';

export type { FirewallSpec, LinkSpec } from './rules';

/** The machine cannot play this firewall: the setup is skipped, with what would enable it. */
export class FirewallUnavailable extends Error {}

export interface RunningFirewall {
  url: string;
  explanation: string;
  logs(): string[];
  stop(): Promise<void>;
  /** resolves when the hop (and with it the namespace) is gone, stopped or not */
  exited: Promise<void>;
  /**
   * Why what it relayed says nothing about the firewall, if so: the upstream
   * behind it refused connections, or the hop died while serving. Clients
   * saw resets either way; those are the tester's problem, not findings.
   * Asked after a sync with the broker, so all the broker said before is in
   * (a word of the hop's still on its way to the broker may not be).
   */
  testerProblem(): Promise<string | undefined>;
}

const HOP_SCRIPT = path.join(PROJECT_ROOT, 'dist', 'proxy', 'firewall', 'hop.js');
const BROKER_SCRIPT = path.join(PROJECT_ROOT, 'dist', 'proxy', 'firewall', 'broker.js');
const READY_MS = 10_000;
/** How long a sync with a live broker may take before what has arrived is taken as all. */
const SYNC_MS = 2000;
/** Every firewall started and not yet stopped, with a synchronous kill for the 'exit' handler. */
const running = new Map<RunningFirewall, () => void>();

/** Where each tool is, searching PATH and the sbin directories a normal user's PATH often lacks. */
function findTool(bin: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    const file = path.join(d, bin);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

const PACKAGE: Record<string, string> = { unshare: 'util-linux', ip: 'iproute2', nft: 'nftables', tc: 'iproute2' };

/**
 * Why the namespace could not be made, when it is this machine's doing (a
 * skip with what would enable it); undefined when it is not (then it is a
 * bug of ours, graded error).
 */
function unavailableBecause(text: string): string | undefined {
  if (/unshare.*(Operation not permitted|Permission denied|No space left|Invalid argument)/i.test(text)) {
    return `network namespaces are not available to this user (${text}): allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, and on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0) or run as root`;
  }
  if (/Operation not supported|not supported|Specified qdisc kind is unknown|No such file or directory|Operation not permitted|Permission denied|Could not process rule/i.test(text)) return text;
  return undefined;
}

export async function startFirewall(spec: FirewallSpec, upstream: { host: string; port: number }, listen: { host?: string; port?: number } = {}): Promise<RunningFirewall> {
  if (process.platform !== 'linux') throw new FirewallUnavailable(`firewall setups need Linux network namespaces (this is ${process.platform})`);
  const tools = ['unshare', 'ip', 'nft', ...(tcCommands(spec.link).length ? ['tc'] : [])];
  const found = Object.fromEntries(tools.map((t) => [t, findTool(t)]));
  const missing = tools.filter((t) => !found[t]);
  if (missing.length) throw new FirewallUnavailable(`firewall setups need ${missing.map((t) => `${t} (apt-get install -y ${PACKAGE[t]})`).join(', ')}`);
  for (const script of [HOP_SCRIPT, BROKER_SCRIPT]) if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build`);

  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pushthrough-firewall-'));
  const forgetDir = runRegistry.tempDir(dir, 'firewall');
  const rulesFile = path.join(dir, 'rules.nft');
  // Absolute paths: the hop must run the tools found here, whatever its PATH.
  const cfg: HopConfig = { port: spec.port, commands: namespaceCommands(spec, rulesFile).map((c) => ({ ...c, path: found[c.file]! })) };
  await fs.promises.writeFile(rulesFile, nftRuleset(spec));
  await fs.promises.writeFile(path.join(dir, 'hop.json'), JSON.stringify(cfg));
  const brokerCfg: BrokerConfig = { unshare: found.unshare!, hopScript: HOP_SCRIPT, hopConfig: path.join(dir, 'hop.json'), upstream, listen: { host: listen.host ?? '127.0.0.1', port: listen.port ?? 0 } };
  await fs.promises.writeFile(path.join(dir, 'broker.json'), JSON.stringify(brokerCfg));

  const logs: string[] = [];
  const log = (line: string): void => {
    logs.push(line);
    if (logs.length > 500) logs.shift();
  };
  // The broker leads a process group of its own, the hop's too.
  const child: ChildProcess = spawn(process.execPath, [BROKER_SCRIPT, path.join(dir, 'broker.json')], { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const forgetProcess = child.pid ? runRegistry.process(child.pid, 'firewall namespace') : () => undefined;
  for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => d.toString('utf8').split('\n').filter(Boolean).forEach(log));
  // 'close': the process is gone and its output read to the end (the reason it gave is in the logs).
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', (e) => {
      log(`the firewall's broker: ${e.message}`);
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  let problem: string | undefined;
  /**
   * Kills the broker's group, the hop with it, while any of it lives: the
   * hop may outlive a broker that exited (a listen that failed, a crash).
   * A group with a living member keeps its id, so this never reaches another.
   */
  const killGroup = (): void => {
    if (child.pid && livingGroupMembers(child.pid).length > 0) signalGroup(child.pid, 'SIGKILL');
  };
  let bound: { address: string; port: number; family: string } | undefined;
  const synced = new Map<number, () => void>();
  let syncs = 0;
  /** Everything the broker said before now has arrived (or it is gone, or too slow to wait for). */
  const sync = async (): Promise<void> => {
    if (!child.connected) return;
    const id = ++syncs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        synced.set(id, resolve);
        child.send({ type: 'sync', id } satisfies BrokerRequest, (err) => err && resolve());
      }),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SYNC_MS))),
      exited,
    ]);
    clearTimeout(timer);
    synced.delete(id);
  };

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the firewall namespace did not come up within ${READY_MS / 1000} s`)), READY_MS);
    const gone = (said: string): void => {
      clearTimeout(timer);
      const because = unavailableBecause(said);
      reject(because ? new FirewallUnavailable(because) : new Error(`the firewall's hop exited before it was ready: ${said}`));
    };
    child.on('message', (m: BrokerMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        bound = m;
        resolve();
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        const message = `${m.step} failed in the firewall's network namespace: ${m.error}`;
        // What this machine lacks is a skip; anything else (a ruleset nft cannot parse) is our bug.
        reject(unavailableBecause(m.error) && !/syntax error|unexpected/i.test(m.error) ? new FirewallUnavailable(message) : new Error(`${message} (a bug in pushthrough)`));
      } else if (m.type === 'exited') gone(m.said);
      else if (m.type === 'listen-failed') {
        clearTimeout(timer);
        // As a listen of this process's own would fail: the callers tell a port in use by its code.
        reject(Object.assign(new Error(m.message), { code: m.code }));
      } else if (m.type === 'problem') problem ??= m.text;
      else if (m.type === 'log') log(m.line);
      else if (m.type === 'synced') synced.get(m.id)?.();
    });
    void exited.then(() => {
      gone(logs.join(' ').slice(-400) || `exit code ${child.exitCode ?? child.signalCode}`);
      // Gone while serving: what it relayed since says nothing about the firewall.
      if (!stopping) problem ??= `the firewall's broker exited while serving: ${logs.slice(-3).join(' ') || `exit code ${child.exitCode ?? child.signalCode}`}`;
    });
  });

  // One stop for every caller (the command's own close, the signal handler, the exit), each awaiting all of it.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killGroup();
      await exited;
      forgetProcess();
      await fs.promises.rm(dir, { recursive: true, force: true });
      forgetDir();
      running.delete(fw);
    })());
  const testerProblem = async (): Promise<string | undefined> => {
    await sync();
    return problem;
  };
  const fw: RunningFirewall = { url: '', explanation: explainFirewall(spec), logs: () => [...logs], stop, exited, testerProblem };
  running.set(fw, () => {
    killGroup();
  });
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  fw.url = `http://${bound!.family === 'IPv6' ? `[${bound!.address}]` : bound!.address}:${bound!.port}`;
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
