/**
 * WebSocket over HTTP/2 (RFC 8441), as Chromium opens it where the front
 * offers it: an HTTP/2 session to the front, its SETTINGS read for
 * SETTINGS_ENABLE_CONNECT_PROTOCOL (§3), then an extended CONNECT
 * (`:method CONNECT`, `:protocol websocket`) whose 200 makes the stream the
 * WebSocket's byte stream (§4, §5). The frames on it are RFC 6455's, masked
 * by the client, so `ws` speaks them: its WebSocket is given the stream as
 * its socket (`setSocket`, the way its own server hands over an upgraded
 * socket), in the client role.
 *
 * Records into the same CheckRecorder as the HTTP/1.1 client: the answer to
 * the CONNECT, every event, how the stream ended.
 */
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { classifyError, evidenceHeaders, snippet, type CheckRecorder } from './recorder';
import { endpointUrl, targetHeaders, tlsOptionsFor, type Params, type ProbeTarget } from './target';
import { Condition } from '../util/wait';

const MAX_WS_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface ExtendedConnectOptions {
  params: Params;
  payloadBytes: number;
  /** how long the session and the CONNECT's answer may take */
  handshakeTimeoutMs: number;
  /** the last seq the origin sends before it closes on purpose */
  expectedEndSeq?: number;
  until: (rec: CheckRecorder) => boolean;
  deadlineMs: number;
}

/** What the front said about WebSocket over HTTP/2. */
export interface ExtendedConnectOutcome {
  /** its SETTINGS carried SETTINGS_ENABLE_CONNECT_PROTOCOL = 1; undefined when no HTTP/2 session came up */
  offered?: boolean;
  /** the session did not come up (no h2 by ALPN, refused, an untrusted certificate) */
  sessionError?: string;
}

/**
 * Opens a WebSocket over HTTP/2 where the target's TLS front offers it, and
 * records it until `until` holds, the stream ends or the deadline passes.
 */
export async function runExtendedConnect(target: ProbeTarget, rec: CheckRecorder, opts: ExtendedConnectOptions): Promise<ExtendedConnectOutcome> {
  const url = endpointUrl(target, '/ws', opts.params);
  const tls = tlsOptionsFor(target);
  const session = http2.connect(url.origin, { ...(tls ?? {}), ALPNProtocols: ['h2'] });
  const closeAll: Array<() => void> = [() => session.destroy()];
  try {
    const settings = await new Promise<http2.Settings | Error>((resolve) => {
      const timer = setTimeout(() => resolve(new Error(`no HTTP/2 SETTINGS within ${opts.handshakeTimeoutMs} ms`)), opts.handshakeTimeoutMs);
      session.once('remoteSettings', (s) => (clearTimeout(timer), resolve(s)));
      session.once('error', (err) => (clearTimeout(timer), resolve(err)));
      // A front that does not speak h2 (ALPN): the session closes without SETTINGS.
      session.once('close', () => (clearTimeout(timer), resolve(new Error('the front closed the connection: it does not speak HTTP/2'))));
    });
    if (settings instanceof Error) {
      const c = classifyError(settings);
      return { sessionError: c.code === 'UNKNOWN' ? settings.message : `${c.code}: ${c.message}` };
    }
    if (!settings.enableConnectProtocol) return { offered: false };
    session.on('error', () => undefined);
    rec.requests++;
    rec.connections++;
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': `${url.pathname}${url.search}`,
      'sec-websocket-version': '13',
      ...targetHeaders(target),
    });
    closeAll.push(() => stream.destroy());
    let ws: WebSocket | undefined;
    let gone = false;
    const cond = new Condition(() => opts.until(rec) || gone, { deadlineMs: opts.deadlineMs });
    const end = (how: 'complete' | 'clean-close' | 'reset' | 'error-status' | 'silent', code?: string | number, detail?: string): void => {
      if (gone) return;
      gone = true;
      rec.end({ how, connection: 0, code, detail });
      cond.poke();
    };
    const noAnswer = (code: string, message: string): void => {
      if (rec.answers.length === 0) rec.answer({ error: { code, message } });
      end(code === 'TIMEOUT' ? 'silent' : 'reset', code, message);
    };
    stream.on('error', (err) => {
      const c = classifyError(err);
      noAnswer(c.code, c.message);
    });
    // GOAWAY or a dropped connection before the answer: the stream closes without an error.
    stream.once('close', () => {
      if (rec.answers.length === 0) noAnswer('ECONNRESET', `the stream closed before any answer (HTTP/2 error code ${stream.rstCode ?? 0})`);
    });
    const handshake = setTimeout(() => noAnswer('TIMEOUT', `no answer to the extended CONNECT within ${opts.handshakeTimeoutMs} ms`), opts.handshakeTimeoutMs);
    closeAll.push(() => clearTimeout(handshake));
    stream.once('response', (headers) => {
      clearTimeout(handshake);
      const status = Number(headers[':status']);
      rec.answer({ status, headers: evidenceHeaders(Object.entries(headers).filter(([k]) => !k.startsWith(':')) as [string, string][]) });
      if (status !== 200) {
        // Not a WebSocket: keep the first bytes of the page as evidence.
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.once('end', () => {
          rec.answers[0].bodySnippet = snippet(Buffer.concat(chunks).toString('utf8'));
          end('error-status', status);
        });
        return;
      }
      rec.opened();
      ws = new WebSocket(null as unknown as string, undefined, { autoPong: true });
      // The client's role: masked frames (RFC 6455 §5.3); ws takes an upgraded socket in the server's role by default.
      (ws as unknown as { _isServer: boolean })._isServer = false;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        rec.received(data.length);
        if (!isBinary) rec.arrival(data.toString('utf8'), 0, opts.payloadBytes);
        cond.poke();
      });
      for (const control of ['ping', 'pong'] as const) ws.on(control, () => rec.received(0));
      ws.on('error', () => undefined);
      ws.on('close', (code: number, reason: Buffer) => {
        const last = rec.arrivals.at(-1);
        if (code === 1000 && opts.expectedEndSeq !== undefined && last?.seq === opts.expectedEndSeq) end('complete', code);
        else end(code === 1006 ? 'reset' : 'clean-close', code, reason.toString('utf8') || undefined);
      });
      // setSocket is how ws's own server hands it an upgraded socket; its types leave it out.
      (ws as unknown as { setSocket(socket: Duplex, head: Buffer, o: { maxPayload: number; allowSynchronousEvents: boolean }): void }).setSocket(stream, Buffer.alloc(0), {
        maxPayload: MAX_WS_PAYLOAD_BYTES,
        allowSynchronousEvents: true,
      });
    });
    await cond.settled;
    if (!gone && ws?.readyState === WebSocket.OPEN) rec.end({ how: 'open', connection: 0, detail: 'still open when the check stopped' });
    // Our own end: nothing after this is the path's doing.
    gone = true;
    ws?.terminate();
    return { offered: true };
  } finally {
    for (const close of closeAll.reverse()) close();
  }
}
