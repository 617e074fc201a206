/**
 * SockJS's own client (`sockjs-client`) from Node: it tries WebSocket, then
 * HTTP streaming, then polling, and says which one it ended on; it does not
 * reconnect by itself (apps wrap it), so a close is the end of the session.
 * In Node it speaks through the default agents: no forward proxy, and no CA
 * of the run's own (TLS setups are left to the other clients).
 * https://github.com/sockjs/sockjs-client#sockjs-class
 */
import SockJS from 'sockjs-client';
import type { Transport } from '../../observation/types';
import { Condition } from '../../util/wait';
import type { ProbeTarget } from '../target';
import { LibraryRecorder, libraryQuery, libraryScenario, windowMs, type LibraryClient } from './library';

/** SockJS's transports as the four: streaming responses are what SSE is, polls are long polls. */
export function sockJsTransport(name: string): Transport {
  if (name === 'websocket') return 'websocket';
  if (/streaming|eventsource|htmlfile/.test(name)) return 'sse';
  return 'long-poll';
}

/** The parts of a SockJS instance (sockjs-client 1.6, lib/main.js) that say why it left a transport before it opened. */
interface SockJsInternals {
  readyState: number;
  _timeout?: number;
  _rto?: number;
  _transport?: { transportName?: string; constructor: { roundTrips?: number } } | null;
  _transportClose?: (code: number, reason: string) => void;
  _connect?: () => void;
}

/** SockJS gives up a transport with close 2007 when its own timer (the larger of its `timeout` option and the RTO it derives from /info's round trip × the transport's round trips) runs out first. */
const SOCKJS_TRANSPORT_TIMED_OUT = 2007;

/**
 * Record each transport SockJS abandons while it is still connecting, with
 * its code and, for its own timeout, the timer it used (lib/main.js
 * `_connect`: max(_timeout, _rto × roundTrips) or 5000 ms). SockJS keeps
 * these to itself; its close event only reports the last one.
 */
function watchAttempts(s: SockJsInternals, rec: LibraryRecorder): void {
  const close = s._transportClose;
  const connect = s._connect;
  if (typeof close !== 'function' || typeof connect !== 'function') return;
  // When the current transport's attempt (and its timer) started.
  let startedMs = 0;
  s._connect = function (this: SockJsInternals) {
    startedMs = rec.now();
    connect.call(this);
  };
  s._transportClose = function (this: SockJsInternals, code: number, reason: string) {
    const t = this._transport;
    if (t?.transportName && this.readyState === 0) {
      const timedOut = code === SOCKJS_TRANSPORT_TIMED_OUT;
      const timeoutMs = Math.round(Math.max(this._timeout ?? 0, (this._rto ?? 0) * (t.constructor.roundTrips ?? 0) || 5000));
      const late = { timeoutMs, lateMs: Math.max(0, Math.round(rec.now() - startedMs - timeoutMs)) };
      rec.abandoned({ name: t.transportName, transport: sockJsTransport(t.transportName), code, reason: String(reason), timedOut, ...(timedOut ? late : {}) });
    }
    close.call(this, code, reason);
  };
}

export const sockJsClient: LibraryClient = {
  id: 'sockjs',
  unsupported(target: ProbeTarget) {
    if (target.via) return 'SockJS’s Node client takes no forward proxy';
    if (target.baseUrl.startsWith('https:') && (target.tls?.ca?.length || target.tls?.insecure)) return 'SockJS’s Node client cannot be given the CA this TLS front’s certificate needs';
    return undefined;
  },
  async run(target, o) {
    const rec = new LibraryRecorder('sockjs', libraryScenario(o));
    const url = new URL(`${target.baseUrl.replace(/\/$/, '')}/sockjs`);
    for (const [k, v] of Object.entries(libraryQuery(o))) url.searchParams.set(k, v);
    if (target.token) url.searchParams.set('token', target.token);
    let sock: WebSocket | undefined;
    let closed = false;
    const cond = new Condition(() => closed || rec.hasTail(), { deadlineMs: windowMs(o) });
    try {
      // SockJS's own per-transport timeouts (from the round trip it measures), as an app gets them.
      sock = new SockJS(url.toString()) as unknown as WebSocket;
      const s = sock as unknown as SockJsInternals & { transport?: string; onopen: () => void; onmessage: (m: { data: unknown }) => void; onclose: (e: { code: number; reason: string }) => void };
      watchAttempts(s, rec);
      s.onopen = () => {
        rec.connected();
        if (s.transport) rec.uses(s.transport, sockJsTransport(s.transport));
      };
      s.onmessage = (m) => {
        rec.message(String(m.data));
        cond.poke();
      };
      s.onclose = (e) => {
        if (closed) return;
        if (rec.obs.connectedAtMs === undefined) rec.error(`SockJS could not connect (close ${e.code}${e.reason ? ` ${e.reason}` : ''})`, e.code >= 4000 && e.code < 5000 ? e.code - 4000 : undefined);
        else rec.disconnected(`close ${e.code}${e.reason ? ` ${e.reason}` : ''}`);
        closed = true;
        cond.poke();
      };
      await cond.settled;
    } catch (err) {
      rec.obs.testerError = `SockJS's client crashed: ${(err as Error).message}`;
    } finally {
      closed = true;
      sock?.close();
    }
    return rec.finish();
  },
};
