/**
 * `pushthrough origin` in a process of its own, for a run that should not
 * share its event loop with the origin: the matrix (its clients and simulated
 * proxies keep one loop busy; the origin's emit schedule and held requests
 * keep time in another) and the load mode (the origin holds one socket per
 * stream, and a process may hold 20,000 open files here).
 *
 * The child is in a process group of its own, recorded in the run registry
 * (reaped by `pushthrough cleanup` after a SIGKILL), and stops by itself when
 * its parent goes (the IPC channel closes).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RunningOrigin } from '../origin/server';
import type { Library } from '../vocabulary';
import { signalGroup } from '../util/process-group';
import { PROJECT_ROOT } from '../util/paths';
import { runRegistry } from '../util/run-registry';
import { TesterError } from '../util/errors';

/** The compiled CLI, also when this module runs from src/ (tests): a child process runs JavaScript. */
const CLI = __filename.endsWith('.ts') ? path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js') : path.join(__dirname, '..', 'cli', 'main.js');

export interface OriginProcessOptions {
  /** what the run registry calls it */
  label: string;
  /** `--max-unread-total-mib`: room for every reader's backlog (the load mode's many streams) */
  maxUnreadTotalMib?: number;
  /** real-time libraries' servers mounted on it (`--libraries`) */
  libraries?: Library[];
  /** how long it may take to say where it listens; default 10 s */
  startTimeoutMs?: number;
}

export type OriginProcess = RunningOrigin & { pid: number };

export async function startOriginProcess(opts: OriginProcessOptions): Promise<OriginProcess> {
  const args = [CLI, 'origin', '--port', '0'];
  if (opts.maxUnreadTotalMib !== undefined) args.push('--max-unread-total-mib', String(opts.maxUnreadTotalMib));
  if (opts.libraries?.length) args.push('--libraries', opts.libraries.join(','));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // The IPC channel alone does not keep this process alive (close() stops the child in any case).
  child.channel?.unref();
  const forget = child.pid ? runRegistry.process(child.pid, opts.label) : () => undefined;
  let closing = false;
  let died: string | undefined;
  child.once('exit', (code, signal) => {
    if (!closing) died = `pushthrough's origin (${opts.label}) exited on its own (${signal ?? `code ${code}`})`;
  });
  const stop = async (): Promise<void> => {
    closing = true;
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      signalGroup(child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) signalGroup(child.pid, 'SIGKILL');
    }
    if (child.connected) child.disconnect();
    forget();
  };
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timeoutMs = opts.startTimeoutMs ?? 10_000;
      const timer = setTimeout(() => reject(new Error(`the origin did not start within ${timeoutMs / 1000} s: ${out.trim()}`)), timeoutMs);
      // Its stderr is kept for the error message (its own shutdown line is not ours to print), and read to the end so it never blocks.
      child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4096)));
      child.stdout!.on('data', (d: Buffer) => {
        out = (out + d.toString()).slice(-4096);
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the origin exited (${signal ?? code}): ${out.trim()}`));
      });
    });
    const u = new URL(url);
    return { url, instance: `${opts.label} ${child.pid}`, host: u.hostname, port: Number(u.port), pid: child.pid!, close: stop, problem: () => died };
  } catch (err) {
    await stop();
    throw new TesterError(`pushthrough's origin (${opts.label}) did not start here: ${(err as Error).message}`);
  }
}
