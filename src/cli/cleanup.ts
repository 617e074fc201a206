/**
 * Stop exactly what this process started — proxies, firewalls, origins — on SIGINT and
 * SIGTERM as well as on normal exit. Commands register their closers here.
 */
import { stopAllRealProxies } from '../proxy/real/launcher';
import { stopAllFirewalls } from '../proxy/firewall/firewall';
import { describeReaped, reapLeftovers, runRegistry } from '../util/run-registry';

const closers = new Set<() => Promise<void>>();

export function onShutdown(close: () => Promise<void>): () => void {
  closers.add(close);
  return () => closers.delete(close);
}

export async function shutdownAll(): Promise<void> {
  const all = [...closers];
  closers.clear();
  await Promise.allSettled([...all.map((c) => c()), stopAllRealProxies(), stopAllFirewalls()]);
}

/**
 * Before starting anything: stop and remove what runs killed with SIGKILL
 * left behind (src/util/run-registry.ts), saying so on stderr.
 */
export function reapEarlierRuns(): void {
  for (const line of describeReaped(reapLeftovers())) process.stderr.write(`${line}\n`);
}

let installed = false;
let interrupted: number | undefined;

/** 130 after SIGINT, 143 after SIGTERM: a command that ends because of one exits with it, whatever it would have said. */
export function interruptedExitCode(): number | undefined {
  return interrupted;
}

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => runRegistry.close());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\npushthrough: ${sig}, stopping what was started…\n`);
      const code = sig === 'SIGINT' ? 130 : 143;
      interrupted = code;
      // Proxies get SIGTERM, then SIGKILL after 5 s (Squid alone takes ~3 s to
      // stop); past 10 s exit anyway — the launcher's exit hook still SIGKILLs
      // every group it started.
      const hard = setTimeout(() => process.exit(code), 10_000);
      hard.unref();
      void shutdownAll().finally(() => process.exit(code));
    });
  }
}
