/**
 * From the keepalive trials (src/checks/keepalive.ts) to advice: which kinds
 * of traffic the path counts as activity, and the one to send, at what
 * interval. Pure; the interval comes from the measured cut through
 * src/verdict/thresholds.ts like every other heartbeat pushthrough advises.
 */
import type { KeepaliveKind, KeepaliveResult, KeepaliveTransport } from '../observation/limits';
import { s } from './answers';
import { formatDuration } from '../util/format';
import { belowCut, HEARTBEAT_CAP_MS } from './thresholds';
import type { Cell } from './types';

/** How a report names each kind. */
export const KIND_LABEL: Record<KeepaliveKind, string> = {
  none: 'no keepalive',
  'server-event': 'a named SSE event (event: heartbeat)',
  'server-comment': 'an SSE comment line (:)',
  'server-message': 'a server→client data message',
  'server-ping': 'a server→client ping',
  'client-message': 'a client→server data message',
  'client-ping': 'a client→server ping',
  trickle: 'a byte trickled into the held response',
};

/**
 * The order kinds are advised in, cheapest for the app first: an SSE comment
 * is invisible to app code; a server ping is answered by every client
 * (browsers included) without code; browsers cannot send pings
 * (https://websockets.spec.whatwg.org/#the-websocket-interface has no ping()),
 * so a client data message comes before a client ping.
 */
export const PREFERENCE: Record<KeepaliveTransport, KeepaliveKind[]> = {
  sse: ['server-comment', 'server-event'],
  websocket: ['server-ping', 'server-message', 'client-message', 'client-ping'],
  'long-poll': ['trickle'],
};

export interface KeepaliveSummary {
  /** kinds (control excluded) whose stream survived */
  kept: KeepaliveKind[];
  /** kinds (control excluded) whose stream was cut anyway */
  cut: KeepaliveKind[];
  /** the control stream (no keepalive) was cut: the trials tell something */
  controlCut: boolean;
  /** streams that got going */
  started: number;
  /** one sentence a person reads */
  sentence: string;
}

const list = (kinds: KeepaliveKind[]): string => kinds.map((k) => KIND_LABEL[k]).join(', ');

export function describeKeepalives(r: KeepaliveResult): KeepaliveSummary {
  const control = r.trials.find((t) => t.kind === 'none');
  const others = r.trials.filter((t) => t.kind !== 'none');
  const kept = others.filter((t) => t.outcome === 'kept').map((t) => t.kind);
  const cut = others.filter((t) => t.outcome === 'cut').map((t) => t.kind);
  const started = r.trials.filter((t) => t.outcome === 'kept' || t.outcome === 'cut').length;
  const controlCut = control?.outcome === 'cut';
  const cutAt = control?.cutAtMs !== undefined ? ` after ${s(control.cutAtMs)}` : '';
  let sentence: string;
  if (!controlCut) sentence = `a stream with no keepalive ${control?.outcome === 'kept' ? `survived ${s(r.silenceMs)}` : 'could not be measured'}`;
  else if (kept.length === 0) sentence = `with no keepalive the stream was cut${cutAt}, and no keepalive every ${formatDuration(r.everyMs)} kept it open (${list(cut)})`;
  else sentence = `with no keepalive the stream was cut${cutAt}; kept open by ${list(kept)}${cut.length ? `; NOT by ${list(cut)}` : ''} (each every ${formatDuration(r.everyMs)})`;
  return { kept, cut, controlCut, started, sentence };
}

export interface KeepaliveAdvice {
  transport: KeepaliveTransport;
  /** the kind to send; absent when none kept the stream open */
  kind?: KeepaliveKind;
  /** its interval: half the measured cut, capped */
  everyMs?: number;
  /** every kind that kept the stream open */
  kept: KeepaliveKind[];
  /** every kind the path ignored */
  ignored: KeepaliveKind[];
  /** the advice applied through the path (kind at everyMs) kept a stream open past the cut; absent when not tried */
  verified?: boolean;
  /** what the verification saw, when it did not hold */
  verifyDetail?: string;
  /** one sentence: what to send and what not to count on */
  advice: string;
}

/**
 * The keepalive to use on this path from what kept streams open, or
 * undefined when nothing was cut (nothing to choose between). `cutMs` is the
 * idle timeout measured for the transport.
 */
export function keepaliveAdvice(r: KeepaliveResult, cutMs: number | undefined): KeepaliveAdvice | undefined {
  const d = describeKeepalives(r);
  if (!d.controlCut) return undefined;
  const base = { transport: r.transport, kept: d.kept, ignored: d.cut };
  const order = PREFERENCE[r.transport];
  const kind = order.find((k) => d.kept.includes(k));
  const cut = cutMs ?? r.trials.find((t) => t.kind === 'none')?.cutAtMs;
  if (!kind) {
    const what = r.transport === 'long-poll' ? 'hold requests below the cut' : 'reconnect before the cut and resume from the last event';
    return { ...base, advice: `${r.transport}: no keepalive kept the stream open (${list(d.cut)} were tried): ${what}` };
  }
  const everyMs = Math.min(HEARTBEAT_CAP_MS, belowCut(cut ?? r.everyMs * 2));
  const better = order.slice(0, order.indexOf(kind)).filter((k) => d.cut.includes(k));
  const not = better.length ? `${list(better)} does NOT keep this path alive; ` : '';
  const also = d.kept.filter((k) => k !== kind);
  return { ...base, kind, everyMs, advice: `${r.transport}: ${not}send ${KIND_LABEL[kind]} every ${formatDuration(everyMs)}${also.length ? ` (${list(also)} also work${also.length === 1 ? 's' : ''})` : ''}` };
}

/** The keepalive trials a cell's keepalive check recorded (run --keepalive), when it ran and got going. */
export function keepaliveOfCell(cell: Cell): KeepaliveResult | undefined {
  const c = cell.checks.find((x) => x.id === 'keepalive');
  if (!c || c.status === 'error' || c.status === 'skip' || (cell.transport !== 'sse' && cell.transport !== 'websocket' && cell.transport !== 'long-poll')) return undefined;
  return { transport: cell.transport, silenceMs: c.measured.silenceMs as number, everyMs: c.measured.everyMs as number, trials: c.measured.trials as KeepaliveResult['trials'] };
}
