/**
 * Socket.IO's own client (`socket.io-client`) from Node, with its defaults:
 * HTTP long-polling first, then the upgrade to WebSocket, reconnecting by
 * itself. It records the transport in use and every switch, the events, the
 * disconnects and errors in the library's own words — among them the HTTP
 * 400 "Session ID unknown" a balancer without affinity causes.
 * https://socket.io/docs/v4/client-options/
 */
import { io, type Socket } from 'socket.io-client';
import type { Transport } from '../../observation/types';
import { Condition } from '../../util/wait';
import { targetHeaders, tlsOptionsFor } from '../target';
import { LibraryRecorder, libraryQuery, libraryScenario, windowMs, type LibraryClient } from './library';

const TRANSPORT_OF: Record<string, Transport> = { polling: 'long-poll', websocket: 'websocket' };

interface EngineError {
  message?: string;
  description?: unknown;
  context?: { responseText?: string; status?: number };
}

export const socketIoClient: LibraryClient = {
  id: 'socket.io',
  unsupported(target) {
    return target.via ? 'Socket.IO’s Node client takes no forward proxy here' : undefined;
  },
  async run(target, o) {
    const rec = new LibraryRecorder('socket.io', libraryScenario(o));
    const base = new URL(target.baseUrl);
    const prefix = base.pathname.replace(/\/$/, '');
    const query = libraryQuery(o);
    const tls = tlsOptionsFor(target);
    let socket: Socket | undefined;
    /** the window is over: what happens from here is ours, not the path's */
    let ours = false;
    const cond = new Condition(() => rec.hasTail(), { deadlineMs: windowMs(o) });
    try {
      socket = io(base.origin, {
        path: `${prefix}/socket.io/`,
        query,
        forceNew: true,
        reconnectionDelay: 250,
        reconnectionDelayMax: 1000,
        timeout: o.connectTimeoutMs,
        extraHeaders: targetHeaders(target),
        ...(tls ? { ca: target.tls?.ca?.join('\n'), rejectUnauthorized: tls.rejectUnauthorized !== false } : {}),
      });
      const manager = socket.io;
      // Every (re)connect opens a new engine: follow its transport and its upgrade.
      manager.on('open', () => {
        const engine = manager.engine;
        rec.uses(engine.transport.name, TRANSPORT_OF[engine.transport.name] ?? 'long-poll');
        engine.on('upgrade', (t: { name: string }) => rec.uses(t.name, TRANSPORT_OF[t.name] ?? 'websocket'));
      });
      manager.on('error', (err: Error) => {
        const e = err as EngineError;
        const status = typeof e.description === 'number' ? e.description : e.context?.status;
        rec.error(e.message ?? String(err), status, e.context?.responseText);
      });
      // Resume from the last event, as an app keeps its cursor across reconnects.
      manager.on('reconnect_attempt', () => {
        (manager.opts.query as Record<string, string>).since = String(rec.cursor());
      });
      socket.on('connect', () => rec.connected());
      socket.on('event', (text: string) => {
        rec.message(String(text));
        cond.poke();
      });
      socket.on('refused', (r: { status?: number; error?: string }) => rec.error(`the origin refused the session: ${r.error ?? ''}`, r.status));
      socket.on('disconnect', (reason: string) => {
        if (!ours) rec.disconnected(reason);
      });
      await cond.settled;
    } catch (err) {
      rec.obs.testerError = `Socket.IO's client crashed: ${(err as Error).message}`;
    } finally {
      ours = true;
      socket?.disconnect();
      socket?.io.engine?.close();
    }
    return rec.finish();
  },
};
