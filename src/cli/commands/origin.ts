import { DEFAULT_LIMITS, type OriginLimits } from '../../origin/limits';
import { startOrigin } from '../../origin/server';
import { UsageError } from '../../util/errors';
import { onShutdown } from '../cleanup';
import { parsePort, parseSeconds } from '../options';

export interface OriginCliOptions {
  port: string;
  host: string;
  token?: string;
  maxChannels?: string;
  maxScenarioMib?: string;
  maxRateMib?: string;
  maxUnreadMib?: string;
  historyEvents?: string;
  channelIdle?: string;
}

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
  const scenario = positive('max-scenario-mib', opts.maxScenarioMib, { integer: false, max: 65_536 });
  set('maxScenarioBytes', scenario && Math.round(scenario * MiB));
  const rate = positive('max-rate-mib', opts.maxRateMib, { integer: false, max: 65_536 });
  set('maxBytesPerSecond', rate && Math.round(rate * MiB));
  const unread = positive('max-unread-mib', opts.maxUnreadMib, { integer: false, max: 65_536 });
  set('maxUnreadBytes', unread && Math.round(unread * MiB));
  set('historyEvents', positive('history-events', opts.historyEvents, { max: 10_000_000 }));
  set('channelIdleMs', opts.channelIdle === undefined ? undefined : parseSeconds('channel-idle', opts.channelIdle, { min: 0.1, max: 86_400 }));
  return out;
}

export const ORIGIN_LIMIT_HELP = {
  maxChannels: `live named channels at most (default ${DEFAULT_LIMITS.maxChannels}); more is 429`,
  maxScenarioMib: `count × payloadBytes of one request at most, in MiB (default ${DEFAULT_LIMITS.maxScenarioBytes / MiB})`,
  maxRateMib: `payload MiB per second one stream may ask for (default ${DEFAULT_LIMITS.maxBytesPerSecond / MiB})`,
  maxUnreadMib: `MiB sent to a client and not taken before it is disconnected (default ${DEFAULT_LIMITS.maxUnreadBytes / MiB})`,
  historyEvents: `newest events a channel keeps for resume (default ${DEFAULT_LIMITS.historyEvents}); older is 410 Gone`,
  channelIdle: `seconds after which a channel nobody reads stops and is dropped (default ${DEFAULT_LIMITS.channelIdleMs / 1000})`,
};

export async function originCommand(opts: OriginCliOptions): Promise<void> {
  const port = parsePort(opts.port);
  const limits = limitsFrom(opts);
  let origin;
  try {
    origin = await startOrigin({ port, host: opts.host, token: opts.token, limits, log: (line) => process.stderr.write(`origin: ${line}\n`) });
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
