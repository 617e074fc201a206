import { DEFAULT_LIMITS, type OriginLimits } from '../../origin/limits';
import { startOrigin } from '../../origin/server';
import { fieldRoutes } from '../../run/field';
import { makeThrowawayTls } from '../../util/certs';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { parseLibraries, parsePort, parseSeconds } from '../options';
import { caFileForClients, certAndKeyFrom, trustLine } from '../tls-files';

/** The limits given in MiB: flag (camelCase as commander names it) → limit, with its help. */
const MIB_FLAGS = {
  maxScenarioMib: ['max-scenario-mib', 'maxScenarioBytes', 'count × payloadBytes of one request at most, in MiB'],
  maxRateMib: ['max-rate-mib', 'maxBytesPerSecond', 'payload MiB per second one stream may ask for'],
  maxUnreadMib: ['max-unread-mib', 'maxUnreadBytes', 'MiB sent to one client and not taken before it is disconnected'],
  maxUnreadTotalMib: ['max-unread-total-mib', 'maxUnreadTotalBytes', 'MiB sent to all clients and not taken: past it the readers furthest behind are disconnected'],
  historyMib: ['history-mib', 'historyBytes', 'MiB of payload one channel keeps for resume'],
  historyTotalMib: ['history-total-mib', 'historyTotalBytes', 'MiB of payload all channels keep together'],
} as const satisfies Record<string, readonly [string, keyof OriginLimits, string]>;

export type OriginCliOptions = {
  port: string;
  host: string;
  token?: string;
  maxChannels?: string;
  historyEvents?: string;
  channelIdle?: string;
  sendTimeout?: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  libraries?: string;
} & {
  [K in keyof typeof MIB_FLAGS]?: string;
};

const MiB = 1024 * 1024;

function positive(name: string, raw: string | undefined, { integer = true, max = 1e9 } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'} up to ${max}, got '${raw}'`);
  }
  return n;
}

/** The limits from the CLI flags (absent ones keep their defaults). */
export function limitsFrom(opts: OriginCliOptions): Partial<OriginLimits> {
  const out: Partial<OriginLimits> = {};
  const set = <K extends keyof OriginLimits>(key: K, value: number | undefined): void => {
    if (value !== undefined) out[key] = value as OriginLimits[K];
  };
  set('maxChannels', positive('max-channels', opts.maxChannels, { max: 1_000_000 }));
  for (const [opt, [flag, limit]] of Object.entries(MIB_FLAGS)) {
    const mib = positive(flag, opts[opt as keyof typeof MIB_FLAGS], { integer: false, max: 65_536 });
    set(limit, mib && Math.round(mib * MiB));
  }
  set('historyEvents', positive('history-events', opts.historyEvents, { max: 10_000_000 }));
  set('channelIdleMs', opts.channelIdle === undefined ? undefined : parseSeconds('channel-idle', opts.channelIdle, { min: 0.1, max: 86_400 }));
  set('sendTimeoutMs', opts.sendTimeout === undefined ? undefined : parseSeconds('send-timeout', opts.sendTimeout, { min: 0.1, max: 86_400 }));
  return out;
}

/** The origin's limit flags as commander options: `--flag <value>` and help naming the default. */
export const ORIGIN_LIMIT_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['--max-channels <n>', `live named channels at most (default ${DEFAULT_LIMITS.maxChannels}); more is 429`],
  ...Object.values(MIB_FLAGS).map(([flag, limit, help]) => [`--${flag} <n>`, `${help} (default ${DEFAULT_LIMITS[limit] / MiB})`] as const),
  ['--history-events <n>', `newest events a channel keeps for resume (default ${DEFAULT_LIMITS.historyEvents}); older is 410 Gone`],
  ['--channel-idle <seconds>', `seconds after which a channel nobody reads stops and is dropped (default ${DEFAULT_LIMITS.channelIdleMs / 1000})`],
  ['--send-timeout <seconds>', `seconds a reader may take none of the bytes waiting for it before it is disconnected, as nginx's send_timeout (default ${DEFAULT_LIMITS.sendTimeoutMs / 1000})`],
];

/**
 * --cert/--key: the user's own; --tls: a throwaway CA and a certificate for
 * 127.0.0.1 and localhost, the CA written to a temp dir (removed on exit,
 * reaped after a SIGKILL) for clients to trust.
 */
async function tlsFrom(opts: OriginCliOptions): Promise<{ cert: string; key: string; caFile?: string } | undefined> {
  if (opts.tls && (opts.cert || opts.key)) throw new UsageError('--tls makes a throwaway certificate; give either --tls or --cert with --key, not both');
  const own = certAndKeyFrom(opts);
  if (own || !opts.tls) return own;
  const made = await makeThrowawayTls();
  return { cert: made.cert, key: made.key, caFile: caFileForClients(made.ca, 'origin --tls') };
}

export async function originCommand(opts: OriginCliOptions): Promise<void> {
  const port = parsePort(opts.port);
  const limits = limitsFrom(opts);
  const libraries = parseLibraries(opts.libraries);
  const tls = await tlsFrom(opts);
  let origin;
  try {
    origin = await startOrigin({ port, host: opts.host, token: opts.token, limits, tls, routes: fieldRoutes({ libraries }), libraries, log: (line) => process.stderr.write(`origin: ${line}\n`) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${opts.host} is in use (pick another with --port, or --port 0 for any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${opts.host} (not an address of this machine)`);
    throw err;
  }
  onShutdown(() => origin.close());
  // Started by another pushthrough process (an IPC channel): it stops when that one goes, even by SIGKILL.
  if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.stdout.write(`listening on ${origin.url}\n`);
  if (tls?.caFile) process.stdout.write(`${trustLine(tls.caFile)}\n`);
  process.stdout.write(`field page: ${origin.url}/${opts.token ? '?token=<token>' : ''} — open it in any browser behind the network to test; reports sent back: pushthrough reports ${origin.url}\n`);
  // Runs until SIGINT/SIGTERM; the signal handler closes every connection.
  await new Promise<void>(() => {});
}
