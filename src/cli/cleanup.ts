/**
 * Stop exactly what this process started — proxies, origins — on SIGINT and
 * SIGTERM as well as on normal exit. Commands register their closers here.
 */
import { stopAllRealProxies } from '../proxy/real/launcher';

const closers = new Set<() => Promise<void>>();

export function onShutdown(close: () => Promise<void>): () => void {
  closers.add(close);
  return () => closers.delete(close);
}

export async function shutdownAll(): Promise<void> {
  const all = [...closers];
  closers.clear();
  await Promise.allSettled([...all.map((c) => c()), stopAllRealProxies()]);
}

let installed = false;
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\npushthrough: ${sig}, stopping what was started…\n`);
      const hard = setTimeout(() => process.exit(130), 5000);
      hard.unref();
      void shutdownAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}
