/**
 * probe() of the JS API: what `pushthrough probe <url>` does, as a function
 * returning the JSON report (schema/report.schema.json), for a user's own
 * test of their deployment.
 */
import { DEFAULT_PROBE_OPTIONS } from '../checks';
import type { Report } from '../report/types';
import type { Setup } from '../setup/types';
import { UsageError } from '../util/errors';
import { TRANSPORTS, type Transport } from '../vocabulary';
import { checkIsOrigin } from './reachable';
import { runMatrix } from './run';

export interface ProbeOptions {
  /** default: all four */
  transports?: Transport[];
  /** how long a stream stays silent in the idle check (default 5 s) */
  idleMs?: number;
  /** how long a long-poll is held (default 5 s) */
  holdMs?: number;
  /** the token of an origin started with one */
  token?: string;
  /** a forward proxy to go through (HTTP proxy for http/ws, CONNECT for https/wss) */
  via?: string;
  /** try the app-side mitigations on what fails (default true) */
  mitigations?: boolean;
  /** CA certificates (PEM) an https/wss URL may be signed by, besides Node's store and NODE_EXTRA_CA_CERTS */
  ca?: string[];
  /** skip certificate verification */
  insecure?: boolean;
  /** polls and SSE speak HTTP/1.1 even where a TLS front offers HTTP/2 (default: HTTP/2 when ALPN offers it) */
  http1?: boolean;
  /** also learn which keepalive traffic keeps streams open through the path (the `keepalive` check) */
  keepalive?: boolean;
}

/**
 * Probes the pushthrough origin reached at `url` — directly or through
 * whatever is in front of it — and returns the report: one setup, a cell per
 * transport with its verdict, reason, evidence and fix.
 * @throws UsageError when no pushthrough origin answers there
 */
export async function probe(url: string, opts: ProbeOptions = {}): Promise<Report> {
  const transports = opts.transports ?? [...TRANSPORTS];
  const unknown = transports.filter((t) => !TRANSPORTS.includes(t));
  if (unknown.length) throw new UsageError(`transports: unknown '${unknown[0]}' (expected some of ${TRANSPORTS.join(', ')})`);
  const idleMs = opts.idleMs ?? 5_000;
  const holdMs = opts.holdMs ?? 5_000;
  const tls = opts.ca?.length || opts.insecure ? { ca: opts.ca, insecure: opts.insecure } : undefined;
  await checkIsOrigin({ baseUrl: url, via: opts.via, token: opts.token, tls });
  const setup: Setup = { id: new URL(url).host, kind: 'external', description: `origin at ${url}${opts.via ? ` via ${opts.via}` : ''}`, url };
  return runMatrix({
    setups: [setup],
    transports,
    via: opts.via,
    token: opts.token,
    tls,
    http1: opts.http1,
    probe: { ...DEFAULT_PROBE_OPTIONS, idleMs, holdMs, keepalive: opts.keepalive === true },
    mitigations: opts.mitigations ?? true,
    reportOptions: { command: 'probe', url, transports, idleMs, holdMs, ...(opts.keepalive ? { keepalive: true } : {}), ...(opts.http1 ? { http1: true } : {}), via: opts.via },
  });
}
