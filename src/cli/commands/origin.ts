import { startOrigin } from '../../origin/server';
import { onShutdown } from '../cleanup';
import { parsePort } from '../options';
import { UsageError } from '../usage-error';

export async function originCommand(opts: { port: string; host: string; token?: string }): Promise<void> {
  const port = parsePort(opts.port);
  let origin;
  try {
    origin = await startOrigin({ port, host: opts.host, token: opts.token });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${opts.host} is in use (pick another with --port, or --port 0 for any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${opts.host} (not an address of this machine)`);
    throw err;
  }
  onShutdown(() => origin.close());
  process.stdout.write(`listening on ${origin.url}\n`);
  // Runs until SIGINT/SIGTERM; the signal handler closes every connection.
  await new Promise<void>(() => {});
}
