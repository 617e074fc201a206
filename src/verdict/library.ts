/**
 * A real-time library through a setup, judged from what its own client saw
 * (a LibraryObservation) beside the setup's transport cells: connected or
 * not, the transport it ended on, what was lost or repeated, its reconnects
 * and switches in the window (flapping), and Socket.IO's "Session ID
 * unknown". The result is a cell like the transports' (`library` set,
 * `transport` = the one it ended on), with the same verdicts and reasons,
 * and a cross-check: it ends on WebSocket where the websocket cell says
 * WebSocket works here and falls back where it does not (a fallback on the
 * library's own timer, or around a connection limit, agrees either way).
 */
import type { LibraryAttempt, LibraryObservation, Transport } from '../observation/types';
import type { Library } from '../vocabulary';
import { s } from './answers';
import { blindWebsocketFailure } from './clients';
import { fixFor, quietBeforeCutMs } from './fixes';
import { LATE_TIMER_MS } from './thresholds';
import type { Cell, Fix, Reason, Verdict } from './types';

/** What the library's client measured, as a cell keeps it. */
export interface LibraryMeasured {
  id: Library;
  connected: boolean;
  /** the library's own name for the transport it ended on, and what it amounts to */
  endedOn?: string;
  endedOnTransport?: Transport;
  /** every transport it used, in order, with when */
  transports: Array<{ atMs: number; name: string }>;
  connectedAtMs?: number;
  firstMessageAtMs?: number;
  expected: number;
  received: number;
  missing: number[];
  duplicates: number;
  reconnects: number;
  /** transport changes after the first connect's own upgrade */
  switches: number;
  /** it had a WebSocket open at some point in the window */
  reachedWebsocket: boolean;
  /** transports it gave up on before it connected, with why (its own timer, or the path closing them) */
  abandoned?: LibraryAttempt[];
  sessionUnknown: number;
  errors: LibraryObservation['errors'];
  disconnects: LibraryObservation['disconnects'];
  /** it ended on WebSocket where the setup's websocket cell says WebSocket works and fell back where it does not (its own timer's fallback, or either outcome around a connection limit, agrees); undefined when the websocket cell did not run */
  consistentWithTransports?: boolean;
}

const LABEL: Record<Library, string> = { 'socket.io': 'Socket.IO', sockjs: 'SockJS' };
/** How soon each library notices a dead connection by itself, from its documented defaults. */
const HEARTBEAT: Record<Library, string> = {
  // https://socket.io/docs/v4/server-options/#pinginterval
  'socket.io': 'its heartbeat notices after pingInterval 25 s + pingTimeout 20 s by default',
  // https://github.com/sockjs/sockjs-node#server-class (heartbeat_delay)
  sockjs: 'its server sends a heartbeat frame every 25 s by default',
};
const isSessionUnknown = (e: { status?: number; body?: string; message: string }): boolean => /session id unknown|session unknown/i.test(`${e.body ?? ''} ${e.message}`);
const usable = (c: Cell | undefined): boolean => c !== undefined && (c.verdict === 'pass' || c.verdict === 'degraded');

export function measuredOf(obs: LibraryObservation): LibraryMeasured {
  // The series, and the one event after its silence.
  const count = obs.scenario.count + (obs.scenario.tailMs !== undefined ? 1 : 0);
  const seqs = obs.arrivals.map((a) => a.seq);
  const unique = [...new Set(seqs)];
  const last = obs.transports.at(-1);
  // The first session's own upgrade (polling → websocket) is how Socket.IO starts, not a switch.
  const firstSession = obs.transports.filter((t) => obs.disconnects.length === 0 || t.atMs <= obs.disconnects[0].atMs);
  const initialUpgrade = firstSession.length >= 2 && firstSession[0].transport !== 'websocket' && firstSession[1].transport === 'websocket' ? 1 : 0;
  return {
    id: obs.library,
    connected: obs.connectedAtMs !== undefined,
    ...(last ? { endedOn: last.name, endedOnTransport: last.transport } : {}),
    transports: obs.transports.map(({ atMs, name }) => ({ atMs, name })),
    ...(obs.connectedAtMs !== undefined ? { connectedAtMs: Math.round(obs.connectedAtMs) } : {}),
    ...(obs.arrivals[0] ? { firstMessageAtMs: Math.round(obs.arrivals[0].arrivedMs) } : {}),
    expected: count,
    received: unique.length,
    missing: Array.from({ length: count }, (_, i) => i + 1).filter((n) => !unique.includes(n)),
    duplicates: seqs.length - unique.length,
    reconnects: obs.reconnects,
    switches: Math.max(0, obs.transports.length - 1 - initialUpgrade),
    reachedWebsocket: obs.transports.some((t) => t.transport === 'websocket'),
    ...(obs.abandoned?.length ? { abandoned: obs.abandoned.slice(0, 10) } : {}),
    sessionUnknown: obs.errors.filter(isSessionUnknown).length,
    errors: obs.errors.slice(0, 10),
    disconnects: obs.disconnects.slice(0, 10),
  };
}

/** The transport a library tries first: Socket.IO polls before it upgrades; SockJS opens a WebSocket first. */
const FIRST: Record<Library, Transport> = { 'socket.io': 'long-poll', sockjs: 'websocket' };

/** A library's cell where its client could not run (a forward proxy, a CA it cannot be given): skipped, saying why. */
export function libraryNotRun(library: Library, why: string): Cell {
  return { transport: FIRST[library], library, verdict: 'skipped', reason: 'not-run', explanation: `${LABEL[library]}: ${why}`, checks: [] };
}

/** The library's cell, given the setup's transport cells (for the reason a fallback happened and the cross-check). */
export function gradeLibrary(obs: LibraryObservation, transportCells: Cell[]): Cell {
  const name = LABEL[obs.library];
  const m = measuredOf(obs);
  const ws = transportCells.find((c) => c.transport === 'websocket' && !c.library && c.verdict !== 'skipped' && c.verdict !== 'error');
  // Socket.IO's polling needs affinity before it can even upgrade: where the transports found no affinity, failing on it is what they foretell.
  const unsticky = transportCells.some((c) => !c.library && c.reason === 'not-sticky');
  // The library's own timer gave up its WebSocket before the path answered (SockJS's, derived from one round trip): not the path refusing it.
  const timedOut = m.abandoned?.find((a) => a.transport === 'websocket' && a.timedOut);
  // A WebSocket refused only above a connection limit may be refused to the library or not: either is what the cell foretells.
  // So may one a page saw refused blind (close 1006 only) where the path's other transports met a connection limit.
  const limited = ws !== undefined && (ws.reason === 'connection-limit' || (blindWebsocketFailure(ws) && transportCells.some((c) => !c.library && c.reason === 'connection-limit')));
  if (m.sessionUnknown > 0) m.consistentWithTransports = unsticky;
  // Had a WebSocket at all, not the one it ended on: a session cut at the end of the window may be caught polling again before its upgrade.
  // A WebSocket the library stopped waiting for is no word on whether the path carries one: the websocket cell's (which waits) stands.
  else if (ws && m.connected) m.consistentWithTransports = limited || m.reachedWebsocket === usable(ws) || (!m.reachedWebsocket && timedOut !== undefined);
  const transport: Transport = m.endedOnTransport ?? FIRST[obs.library];
  const cell = (verdict: Verdict, reason: Reason, explanation: string): Cell => ({ transport, library: obs.library, verdict, reason, explanation, checks: [], measured: m });
  if (obs.testerError) return cell('error', 'tester-error', obs.testerError);
  // Only where the path carries WebSocket could the handshake have been answered in time: elsewhere the websocket cell's reason stands.
  const carried = ws !== undefined && usable(ws) && ws.reason !== 'connection-limit';
  if (timedOut && carried && !m.reachedWebsocket && (timedOut.lateMs ?? 0) > LATE_TIMER_MS) {
    delete m.consistentWithTransports;
    return cell('error', 'tester-error', `${name}'s own ${timedOut.timeoutMs ?? '?'} ms timer gave up its WebSocket ${timedOut.lateMs} ms after it was due: this machine's event loop was busy then, so an answer in time may have waited unread behind the timer — run fewer setups at once (--setups) or on a quieter machine`);
  }
  const window = `in ${s(obs.durationMs)}`;
  const firstError = obs.errors[0];
  const body = firstError?.body?.split('\n')[0].slice(0, 80);
  const errorText = firstError ? `${firstError.message}${firstError.status ? ` (HTTP ${firstError.status}${body ? `: ${body}` : ''})` : body ? ` (${body})` : ''}` : 'no error reported';
  if (m.sessionUnknown > 0) {
    return cell('fail', 'not-sticky', `${name} got ${m.sessionUnknown} “Session ID unknown” answer${m.sessionUnknown === 1 ? '' : 's'} ${window}: requests of one session reached an origin instance that does not know it — the balancer is not sticky${m.connected ? `; it delivered ${m.received} of ${m.expected} events` : ' and it never connected'}`);
  }
  if (!m.connected) {
    const tried = transportCells.find((c) => c.transport === transport && !c.library);
    const reason: Reason = tried && tried.verdict === 'fail' ? tried.reason : 'proxy-error';
    return cell('fail', reason, `${name} never connected: ${errorText}`);
  }
  const over = `over ${m.endedOn}${m.endedOnTransport !== 'websocket' && m.endedOn !== m.endedOnTransport ? ` (${m.endedOnTransport})` : ''}`;
  // Why the path cut a session: the reason the transport cell it ended on (or WebSocket's) shows, an idle cut when none does.
  const cutOn = m.disconnects[0] ? ([...obs.transports].reverse().find((t) => t.atMs <= m.disconnects[0].atMs)?.transport ?? transport) : transport;
  const cutCell = transportCells.find((c) => c.transport === cutOn && !c.library && c.verdict !== 'pass' && c.verdict !== 'skipped' && c.verdict !== 'error');
  const cutReason: Reason = cutCell && cutCell.reason !== 'none' ? cutCell.reason : 'idle-timeout';
  const firstCut = m.disconnects[0] ? `${m.disconnects[0].reason} at ${s(m.disconnects[0].atMs)}` : '';
  const tail = obs.scenario.tailMs;
  if (m.missing.length > 0) {
    if (tail !== undefined && m.missing.length === 1 && m.missing[0] === m.expected) {
      const noticed = m.disconnects.length > 0 ? `the path cut the session (${firstCut})` : `nothing closed: the path dropped the idle connection silently and ${name} had not noticed yet (${HEARTBEAT[obs.library]})`;
      return cell('degraded', cutReason, `${name} delivered the series ${over}, but the event sent after ${s(tail)} of silence never arrived: ${noticed}`);
    }
    if (m.reconnects === 0 && m.disconnects.length > 0) {
      return cell('degraded', cutReason, `${name} delivered ${m.received} of ${m.expected} events ${over} before the path cut its session (${firstCut}); it does not reconnect by itself, so the app must reopen it and resume`);
    }
    const flapping = m.reconnects > 0 ? ` after ${m.reconnects} reconnect${m.reconnects === 1 ? '' : 's'}` : '';
    return cell('fail', 'message-loss', `${name} connected but delivered ${m.received} of ${m.expected} events ${over}${flapping}; missing seq ${m.missing.slice(0, 8).join(', ')}`);
  }
  if (m.duplicates > 0) return cell('fail', 'reordered', `${name} delivered all ${m.expected} events ${over}, ${m.duplicates} of them twice`);
  if (m.reconnects > 0 || m.switches > 0 || m.disconnects.length > 0) {
    return cell('degraded', cutReason, `${name} delivered all ${m.expected} events but flapped: ${m.reconnects} reconnect${m.reconnects === 1 ? '' : 's'} and ${m.switches} transport switch${m.switches === 1 ? '' : 'es'} ${window}${firstCut ? ` (the first cut: ${firstCut})` : ''}; it ended ${over}`);
  }
  if (m.endedOnTransport !== 'websocket') {
    const wsBroken = ws !== undefined && ws.verdict !== 'pass' && ws.reason !== 'none';
    // Its own timer, where the path does carry WebSocket (not only below a limit that may queue the handshake): the timer is why it fell back.
    if (timedOut && carried) {
      const opened = `, though this path carries WebSocket (the websocket cell ${ws.verdict === 'pass' ? 'passes' : `is ${ws.verdict}: ${ws.reason}`})`;
      return cell('degraded', 'handshake-timeout', `${name} delivered all ${m.expected} events, in order, ${over}: it gave up its WebSocket when its own ${timedOut.timeoutMs ?? '?'} ms timer ran out${opened} — ${name} derives that timer from one round trip it measured, and this WebSocket handshake took longer (a slow hop, or a lost packet that TCP sends again only after 0.2–1 s)`);
    }
    const reason: Reason = wsBroken ? ws.reason : 'upgrade-rejected';
    const because = wsBroken ? `WebSocket ${ws.verdict === 'fail' ? 'fails' : 'is limited'} here (${ws.reason}), as the websocket cell shows` : 'its WebSocket did not open';
    return cell('degraded', reason, `${name} delivered all ${m.expected} events, in order, ${over}: it fell back because ${because}`);
  }
  return cell('pass', 'none', `${name} connected in ${Math.round(m.connectedAtMs ?? 0)} ms and delivered all ${m.expected} events in order ${over}${m.transports.length > 1 ? ` (${m.transports.map((t) => t.name).join(' → ')})` : ''}`);
}

/**
 * The fix for a degraded or failed library cell: a fallback is WebSocket's
 * problem, whatever the library ended on; a cut is the problem of the
 * transport it ended on, with that cell's measured cut for the heartbeat.
 */
export function libraryFix(cell: Cell, transportCells: Cell[], product: string | undefined): Fix | undefined {
  if (cell.verdict !== 'degraded' && cell.verdict !== 'fail') return undefined;
  const about: Transport = ['upgrade-rejected', 'upgrade-stripped', 'protocol-downgrade', 'handshake-timeout'].includes(cell.reason) ? 'websocket' : cell.transport;
  const cutCell = transportCells.find((c) => c.transport === cell.transport && !c.library);
  const idleCutMs = cutCell ? quietBeforeCutMs(cutCell) : undefined;
  return fixFor(cell.reason, about, product, idleCutMs !== undefined ? { idleCutMs } : {});
}
