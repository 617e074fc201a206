import fs from 'node:fs';
/** Parsing of option values shared by commands; bad values are UsageErrors naming the option and what was expected. */
import { TRANSPORTS, type Transport } from '../observation/types';
import { FORMATS, type Format } from '../report/render';
import { UsageError } from '../util/errors';
import { CLIENTS, LIBRARIES, type Client, type Library } from '../vocabulary';

export function parseSeconds(name: string, raw: string, { min = 0.05, max = 3600 } = {}): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number of seconds from ${min} to ${max}, got '${raw}'`);
  }
  return Math.round(n * 1000);
}

export function parseTransports(raw: string): Transport[] {
  const list = raw.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.filter((t) => !(TRANSPORTS as readonly string[]).includes(t));
  if (bad.length || list.length === 0) {
    throw new UsageError(`--transports: unknown transport '${bad[0] ?? raw}' (expected a comma-separated list of: ${TRANSPORTS.join(', ')})`);
  }
  return [...new Set(list)] as Transport[];
}

/**
 * The text of a PEM file named by a flag, with the blocks `kind` names in it
 * (CERTIFICATE, PRIVATE KEY); one line naming the flag when it cannot be read
 * or has none.
 */
export function readPemFlag(flag: string, file: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); expected a PEM file`);
  }
  const begin = kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!begin.test(text)) throw new UsageError(`--${flag} ${file}: no PEM ${kind.toLowerCase()} in it (expected a '-----BEGIN ${kind}-----' block)`);
  return text;
}

export function parsePort(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${raw}'`);
  return Number(raw);
}

export function parseHttpUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`${name} must be an http:// or https:// URL, got '${raw}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${name} must be an http:// or https:// URL, got '${raw}'`);
  return u.toString().replace(/\/$/, '');
}

export function parseFormat(raw: string): Format {
  if (!(FORMATS as string[]).includes(raw)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${raw}'`);
  return raw as Format;
}

/** The options `probe` and `run` share (declared once in main.ts), as the CLI receives them. */
export interface ProbingCliOptions {
  transports: string;
  idle: string;
  hold: string;
  heartbeat: string;
  format: string;
  out?: string;
  wide?: boolean;
  via?: string;
  mitigations: boolean;
  keepalive?: boolean;
  http1?: boolean;
  /** --ca FILE: CA certificates (PEM) to trust besides Node's store */
  ca?: string;
  insecure?: boolean;
  /** --clients node,chromium */
  clients?: string;
  /** --libraries socket.io,sockjs */
  libraries?: string;
}

/** The clients that probe: Node's always (the setups' expectations are theirs), and the browsers asked for beside them. */
export function parseClients(raw: string): Client[] {
  const asked = raw.split(',').map((c) => c.trim()).filter(Boolean);
  const runnable = CLIENTS.filter((c) => c !== 'browser');
  const bad = asked.find((c) => !(runnable as readonly string[]).includes(c));
  if (bad !== undefined || asked.length === 0) throw new UsageError(`--clients must be a comma-separated list of ${runnable.join(', ')}, got '${raw}'`);
  return ['node', ...(asked.includes('chromium') ? (['chromium'] as const) : [])];
}

/** --libraries: the real-time libraries to run through every setup besides the transports. */
export function parseLibraries(raw: string | undefined): Library[] {
  if (raw === undefined) return [];
  const asked = raw.split(',').map((c) => c.trim()).filter(Boolean);
  const bad = asked.find((c) => !(LIBRARIES as readonly string[]).includes(c));
  if (bad !== undefined || asked.length === 0) throw new UsageError(`--libraries must be a comma-separated list of ${LIBRARIES.join(', ')}, got '${raw}'`);
  return LIBRARIES.filter((l) => asked.includes(l));
}

/** Parses the shared probing options; every bad value is a UsageError naming it. */
export function parseProbing(opts: ProbingCliOptions): {
  transports: Transport[];
  idleMs: number;
  holdMs: number;
  heartbeatMs: number;
  keepalive: boolean;
  http1: boolean;
  via?: string;
  format: Format;
  clients: Client[];
  libraries: Library[];
} {
  return {
    libraries: parseLibraries(opts.libraries),
    clients: parseClients(opts.clients ?? 'node'),
    keepalive: opts.keepalive === true,
    http1: opts.http1 === true,
    transports: parseTransports(opts.transports),
    idleMs: parseSeconds('idle', opts.idle),
    holdMs: parseSeconds('hold', opts.hold),
    heartbeatMs: parseSeconds('heartbeat', opts.heartbeat, { min: 0.01, max: 600 }),
    via: opts.via ? parseHttpUrl('--via', opts.via) : undefined,
    format: parseFormat(opts.format),
  };
}
