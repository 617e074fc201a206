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
      const s = sock as unknown as { transport?: string; onopen: () => void; onmessage: (m: { data: unknown }) => void; onclose: (e: { code: number; reason: string }) => void };
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
