/**
 * What a load run means: the thresholds a user gates on (k6's syntax, e.g.
 * `p99<500ms`, `failed<1%`), and the limit the path showed — how many streams
 * were open when the next one was refused, why (from the product's own
 * configuration where it names one), and the fix.
 * https://grafana.com/docs/k6/latest/using-k6/thresholds/
 */
import { CAPACITY_STATUSES } from './thresholds';
import type { LoadMeasurement } from '../observation/load';
import { fixFor } from './fixes';
import type { Fix } from './types';

export type LoadMetric = 'p50' | 'p95' | 'p99' | 'failed' | 'cut' | 'open';

export interface Threshold {
  /** as the user wrote it */
  text: string;
  metric: LoadMetric;
  op: '<' | '<=' | '>' | '>=';
  /** ms for latencies; a share (0–1) or a count for failed and cut; a count for open */
  value: number;
  share: boolean;
}

export interface ThresholdResult extends Threshold {
  actual: number;
  ok: boolean;
}

const RE = /^\s*(p50|p95|p99|failed|cut|open)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?\s*$/;

/** Parses one --threshold; a message naming what is wrong, or the threshold. */
export function parseThreshold(text: string): Threshold | string {
  const m = RE.exec(text);
  if (!m) return `--threshold '${text}' is not one: expected METRIC<VALUE, e.g. 'p99<500ms', 'failed<1%', 'open>=900' (metrics p50, p95, p99, failed, cut, open)`;
  const metric = m[1] as LoadMetric;
  const unit = m[4];
  const latency = metric.startsWith('p');
  if (latency && unit === '%') return `--threshold '${text}': a latency is in ms or s, not %`;
  if (!latency && (unit === 'ms' || unit === 's')) return `--threshold '${text}': ${metric} is a count or a share (%), not a time`;
  const value = Number(m[3]) * (unit === 's' ? 1000 : unit === '%' ? 0.01 : 1);
  return { text: text.trim(), metric, op: m[2] as Threshold['op'], value, share: unit === '%' };
}

function actualOf(t: Threshold, r: LoadMeasurement): number {
  const attempted = Math.max(1, r.opened + Object.values(r.failed).reduce((a, b) => a + b, 0));
  const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
  const cut = Object.values(r.cut).reduce((a, b) => a + b, 0);
  switch (t.metric) {
    case 'p50':
    case 'p95':
    case 'p99':
      return r.latency[t.metric] ?? Infinity;
    case 'failed':
      return t.share ? failed / attempted : failed;
    case 'cut':
      return t.share ? cut / attempted : cut;
    case 'open':
      return r.peakOpen.all ?? 0;
  }
}

export function checkThresholds(thresholds: Threshold[], r: LoadMeasurement): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = actualOf(t, r);
    const ok = t.op === '<' ? actual < t.value : t.op === '<=' ? actual <= t.value : t.op === '>' ? actual > t.value : actual >= t.value;
    return { ...t, actual, ok };
  });
}

/** What a product's configuration says about how many streams it holds, from its own words. */
export interface CapacityFact {
  streams: number;
  why: string;
  doc: string;
}

/**
 * nginx: every worker holds at most worker_connections connections, and a
 * proxied stream holds two (the client's and the upstream one): "this number
 * includes all connections (e.g. connections with proxied servers, among
 * others)". https://nginx.org/en/docs/ngx_core_module.html#worker_connections
 */
export function nginxCapacity(config: string): CapacityFact | undefined {
  const wc = /^\s*events\s*\{[^}]*worker_connections\s+(\d+)/m.exec(config) ?? /worker_connections\s+(\d+)/.exec(config);
  if (!wc) return undefined;
  const wpRaw = /^\s*worker_processes\s+(\w+)/m.exec(config)?.[1];
  const workers = wpRaw && /^\d+$/.test(wpRaw) ? Number(wpRaw) : 1;
  const per = Number(wc[1]);
  return {
    streams: Math.floor((workers * per) / 2),
    why: `worker_connections ${per} × worker_processes ${workers}; each proxied stream holds 2 connections (the client's and the upstream one), and the listening socket counts too`,
    doc: 'https://nginx.org/en/docs/ngx_core_module.html#worker_connections',
  };
}

/**
 * Streams of the failing transport got through (or were held waiting) before
 * the first refusal: the refusal is a capacity. Held waiting counts only when
 * the refusal was a capacity's: a path that answers the very first streams
 * with another status (nginx without the Upgrade headers: 426) does not
 * carry the transport at all, and the few still on their way then were not
 * let in.
 */
function heldAny(r: LoadMeasurement): boolean {
  const f = r.firstFailure!;
  // A full path's own answers (thresholds.ts's CAPACITY_STATUSES) are a capacity; any other status is not.
  const status = /^status (\d+)$/.exec(f.kind)?.[1];
  const notCarried = status !== undefined && !CAPACITY_STATUSES.includes(Number(status));
  return (r.peakOpen[f.transport] ?? 0) > 0 || (f.held > 1 && !notCarried);
}


/** The limit the run found, in one sentence, or undefined when every stream opened. */
export function limitSentence(r: LoadMeasurement, label: string, capacity?: CapacityFact): string | undefined {
  const f = r.firstFailure;
  if (!f) return undefined;
  const noun = f.transport === 'websocket' ? 'WebSocket' : f.transport === 'sse' ? 'SSE stream' : 'long poll';
  // Nothing ever opened: not a capacity, the transport does not go through this path at all.
  if (!heldAny(r)) return `${label}: no ${noun} opened at all (the first answered ${f.detail}): the path does not carry this transport, whatever the load — \`pushthrough run\` says why`;
  const because = capacity ? ` (${capacity.why}: about ${capacity.streams} streams)` : '';
  const how = f.kind.startsWith('status') ? `answered ${f.detail}` : f.kind === 'timeout' ? `left without an answer (${f.detail})` : f.kind === 'refused' ? 'refused' : f.kind === 'reset' ? 'reset' : `ended (${f.detail})`;
  // Streams whose answer the path holds (a buffered response head) still hold a connection through it: they count.
  // The most it held at once, not the count at the first refusal: connections still being set up when it came are counted by the path too.
  const most = Math.max(r.peakHeld?.[f.transport] ?? 0, f.held);
  const open = r.peakOpen[f.transport] ?? f.open;
  const held = most > open ? `at most ${most} ${noun}s held (${open} of them answered; the path holds the others' response heads)` : `${open} ${noun}${open === 1 ? '' : 's'} open at most`;
  return `${label}: ${held}; the rest ${how === 'refused' || how === 'reset' ? `were ${how}` : how.replace(/^answered/, 'were answered').replace(/^left/, 'were left').replace(/^ended/, 'ended')}${because}`;
}

/**
 * The limit a load run met, as the report carries it: the sentence, and,
 * where streams got through before the rest were refused (a capacity, not a
 * transport the path does not carry), the product's setting for it.
 */
export function loadLimit(r: LoadMeasurement, label: string, product: string | undefined, capacity?: CapacityFact): { sentence: string; fix?: Fix; capacity?: CapacityFact } | undefined {
  const sentence = limitSentence(r, label, capacity);
  if (!sentence) return undefined;
  // The product's own setting; the app-side advice for a connection limit is about browser tabs, not capacity.
  const proxy = heldAny(r) ? fixFor('connection-limit', r.firstFailure!.transport, product)?.proxy : undefined;
  const fix: Fix | undefined = proxy ? { proxy, app: 'Raise the limit in front of the streams (above), or spread them over more instances; every open stream holds its connections for as long as it lives.' } : undefined;
  return { sentence, ...(fix ? { fix } : {}), ...(capacity ? { capacity } : {}) };
}
