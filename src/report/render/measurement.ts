/**
 * The measurement in words, for the renderers (table, Markdown, HTML): one
 * row per limit with a value per transport, the product guess in a line, the
 * advice as short items. Pure functions of the Measurement; each renderer only
 * adds its own markup.
 */
import type { ConcurrencyLimit, IdleLimit, KeepaliveKind, KeepaliveResult, LifetimeResult, SizeLimit, StreamTransport } from '../../observation/limits';
import type { Measurement } from '../../measure/types';
import { formatDuration, formatSize } from '../../util/format';

export const MEASURED_TRANSPORTS: StreamTransport[] = ['sse', 'websocket'];

export interface LimitRow {
  label: string;
  /** what the row means, for a tooltip or a footnote */
  hint: string;
  values: Record<StreamTransport, string>;
}

/** Measured times keep their decimal ("3.0 s"), so a bracket reads evenly. */
const secs = (ms: number): string => (ms >= 60_000 ? formatDuration(ms) : `${(ms / 1000).toFixed(1)} s`);

const how = (h: string | undefined, code: string | number | undefined): string => {
  if (!h) return '';
  if (h === 'status') return code !== undefined ? `HTTP ${code}` : 'error status';
  return code !== undefined && code !== 'EOF' ? `${h} ${code}` : h;
};

function idleText(l: IdleLimit | undefined): string {
  if (!l) return 'not measured';
  if (l.outcome === 'unknown') return `unknown${l.error ? `: ${l.error}` : ''}`;
  if (l.outcome === 'none') return `none up to ${formatDuration(l.searchedToMs)}${l.partial ? ' (interrupted)' : ''}${l.error ? `; ${l.error}` : ''}`;
  const bracket = [l.survivedMs !== undefined ? `survived ${secs(l.survivedMs)}` : 'nothing survived', `cut at ${secs(l.cutAtMs ?? l.timeoutMs ?? 0)}`];
  const cut = how(l.how, l.code);
  return `${secs(l.timeoutMs ?? 0)} (${bracket.join(', ')}${cut ? `; ${cut}` : ''})${l.partial ? ', interrupted' : ''}`;
}

function lifetimeText(l: LifetimeResult | undefined): string {
  if (!l) return 'not measured';
  if (l.outcome === 'survived') return `survived ${formatDuration(l.searchedToMs)}`;
  if (l.outcome === 'cut') return `cut after ${secs(l.cutAtMs ?? 0)}${l.how ? ` (${how(l.how, l.code)})` : ''}`;
  return `unknown${l.error ? `: ${l.error}` : ''}`;
}

function sizeText(s: SizeLimit | undefined): string {
  if (!s) return 'not measured';
  if (s.outcome === 'none') return `no limit up to ${formatSize(s.searchedToBytes)}`;
  if (s.outcome === 'unknown') return `unknown${s.error ? `: ${s.error}` : ''}`;
  const failed = s.smallestFailedBytes !== undefined ? `; ${formatSize(s.smallestFailedBytes)} failed${s.how ? `: ${how(s.how, s.code)}` : ''}` : '';
  return `${formatSize(s.largestOkBytes ?? 0)}${failed}${s.partial ? ', interrupted' : ''}`;
}

function concurrencyText(c: ConcurrencyLimit | undefined): string {
  if (!c) return 'not measured';
  if (c.outcome === 'none') return `all ${c.searchedTo} accepted`;
  if (c.outcome === 'unknown') return `unknown${c.partial ? ' (interrupted)' : ''}${c.error ? `: ${c.error}` : ''}`;
  const r = c.refused;
  const refusal = r ? how(r.how, r.how === 'status' ? r.status : r.code) : '';
  if (c.accepted === 0) return `none delivered an event${refusal ? ` (${refusal})` : ''}`;
  return `${c.accepted}${refusal ? `; the next: ${refusal}` : ''}`;
}

/** Short names of the keepalive kinds, for a table cell. */
const KIND_SHORT: Record<KeepaliveKind, string> = {
  none: 'nothing',
  'server-event': 'named event',
  'server-comment': 'comment line',
  'server-message': 'server message',
  'server-ping': 'server ping',
  'client-message': 'client message',
  'client-ping': 'client ping',
  trickle: 'trickled byte',
};

function keepaliveText(r: KeepaliveResult | undefined, idle: IdleLimit | undefined): string {
  if (!r) return idle?.outcome === 'cut' ? 'not measured' : 'nothing to keep alive';
  const control = r.trials.find((t) => t.kind === 'none');
  const others = r.trials.filter((t) => t.kind !== 'none');
  if (control?.outcome !== 'cut') return `not learnt: a stream with no keepalive was not cut${control?.detail ? ` (${control.detail})` : ''}`;
  const by = (o: string): string => others.filter((t) => t.outcome === o).map((t) => KIND_SHORT[t.kind]).join(', ');
  const parts = [`kept by ${by('kept') || 'none'}`];
  if (by('cut')) parts.push(`NOT by ${by('cut')}`);
  const odd = others.filter((t) => t.outcome !== 'kept' && t.outcome !== 'cut');
  if (odd.length) parts.push(`unknown: ${odd.map((t) => KIND_SHORT[t.kind]).join(', ')}`);
  return parts.join('; ');
}

/** The keepalive advice, one line per transport, with what applying it through the path showed. */
export function keepaliveLines(m: Measurement): string[] {
  return (m.recommendations.keepalive ?? []).map((a) => {
    const checked = a.verified === true ? ' — verified through the path' : a.verified === false ? ` — NOT verified: ${a.verifyDetail ?? 'the stream was cut'}` : '';
    return `${a.advice}${checked}`;
  });
}

/** One row per limit, a value per transport. */
export function limitRows(m: Measurement): LimitRow[] {
  const row = (label: string, hint: string, f: (t: StreamTransport) => string): LimitRow => ({
    label,
    hint,
    values: { sse: f('sse'), websocket: f('websocket') },
  });
  return [
    row('idle timeout', 'the longest silence a stream survives (bracket: longest silence that survived, when the shortest cut happened)', (t) => idleText(m.idle[t])),
    row('lifetime with heartbeats', `a stream kept busy with heartbeats, watched up to ${formatDuration(m.limits.maxIdleMs)}`, (t) => lifetimeText(m.lifetime[t])),
    row('largest message', 'WebSocket: a binary message echoed back; SSE: one event from the origin', (t) => sizeText(m.largestMessage[t])),
    row('concurrent streams', `simultaneous streams accepted, tried up to ${m.limits.maxStreams}`, (t) => concurrencyText(m.concurrency[t])),
    ...(m.keepalive
      ? [row('keeps it open', 'silent streams past the idle cut, each fed by one kind of keepalive only', (t) => keepaliveText(m.keepalive?.[t], m.idle[t]))]
      : []),
  ];
}

/** "nginx 1.22.1 (high confidence)" or "not recognised". */
export function productLine(m: Measurement): string {
  const p = m.product;
  if (!p.product) return 'not recognised';
  return `${p.product}${p.version ? ` ${p.version}` : ''} (${p.confidence} confidence)`;
}

/** The headline numbers of the advice, e.g. ["heartbeat every 1.5 s", "long-poll hold 2.2 s"]. */
export function adviceHeadlines(m: Measurement): string[] {
  const r = m.recommendations;
  const out: string[] = [];
  if (r.heartbeatMs !== undefined) out.push(`heartbeat every ${formatDuration(r.heartbeatMs)}`);
  if (r.longPollHoldMs !== undefined) out.push(`long-poll hold ${formatDuration(r.longPollHoldMs)}`);
  if (r.reconnectBeforeMs !== undefined) out.push(`reconnect streams before ${formatDuration(r.reconnectBeforeMs)}`);
  if (r.maxMessageBytes !== undefined) out.push(`messages up to ${formatSize(r.maxMessageBytes)}`);
  if (r.maxStreams !== undefined) out.push(`at most ${r.maxStreams} streams at once`);
  return out;
}

export const ADVICE_LABELS: Record<string, string> = { use: 'use', 'use-with-care': 'use with care', avoid: 'avoid', unknown: 'unknown' };

/** "took 14.2 s" plus "partial" when interrupted. */
export function measurementSummary(m: Measurement): string {
  return `measured in ${formatDuration(m.durationMs)}, idle searched up to ${formatDuration(m.limits.maxIdleMs)}${m.partial ? ' — PARTIAL: interrupted, values present were measured' : ''}`;
}
