/**
 * The app-side change for a reason, worded for the transport and made
 * concrete with what was measured (a heartbeat below the cut seen here).
 */
import type { Transport } from '../observation/types';
import type { KeepaliveKind } from '../observation/limits';
import { KIND_LABEL } from './keepalive';
import { belowCut } from './thresholds';
import type { Reason } from './types';

/** What a renderer may know beyond reason and transport, to make the advice concrete. */
export interface FixContext {
  /** how long a stream stayed quiet before the proxy cut it, in ms (from the idle check) */
  idleCutMs?: number;
  /** the keepalive kind that kept streams open through this path, and the kinds it ignored (keepalive trials) */
  keepalive?: { kind: KeepaliveKind; ignored: KeepaliveKind[] };
  /** the client spoke TLS to the path, so whatever read its headers decrypted it (a TLS front, or a TLS-inspecting proxy) */
  tls?: boolean;
}

export function formatInterval(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s` : `${Math.round(ms)} ms`;
}

function heartbeatPhrase(ctx: FixContext): string {
  if (ctx.idleCutMs !== undefined && ctx.idleCutMs > 0) {
    return `every ${formatInterval(belowCut(ctx.idleCutMs))} (half of the ${formatInterval(ctx.idleCutMs)} cut measured here)`;
  }
  return 'every 25 s (below the 30-60 s idle timeouts common in proxies and load balancers)';
}

/** The app-side change for a reason, worded for the transport. */
export function appFix(reason: Reason, transport: Transport, ctx: FixContext): string | undefined {
  const every = heartbeatPhrase(ctx);
  switch (reason) {
    case 'upgrade-rejected':
    case 'upgrade-stripped':
      if (transport !== 'websocket') return 'The proxy interfered with the HTTP upgrade; this transport does not upgrade, so check the proxy configuration for this path.';
      // Over wss:// the stripping was done by something that decrypted the TLS: the front itself, or a proxy that inspects TLS.
      return ctx.tls
        ? 'Fall back to SSE or long polling when the WebSocket handshake does not answer 101 (as Socket.IO and SignalR do): this path decrypts wss:// and still drops the Upgrade, so TLS does not shield it here. Behind a TLS-inspecting corporate proxy, ask for the host to be exempt from inspection: tunnelled, not decrypted (Squid: an `ssl_bump splice` rule for its name, before the `bump` rules).'
        : 'Fall back to SSE or long polling when the WebSocket handshake does not answer 101 (as Socket.IO and SignalR do), and prefer wss://: inside TLS the Upgrade header is invisible to intermediaries that would strip it.';
    case 'buffered':
      return transport === 'sse'
        ? 'Send `X-Accel-Buffering: no` and `Cache-Control: no-cache, no-transform` on the event stream and flush after every event; if the proxy still buffers, fall back to long polling.'
        : 'Send `X-Accel-Buffering: no` and `Cache-Control: no-store` on the response and flush it as soon as the data is ready.';
    case 'compressed':
      return 'Do not compress `text/event-stream` (exclude it in your compression middleware) and send `Cache-Control: no-transform` so intermediaries leave the stream alone; if you must compress, flush the compressor after every event.';
    case 'idle-timeout':
      if (ctx.keepalive && transport !== 'short-poll') {
        const ignored = ctx.keepalive.ignored.map((k) => KIND_LABEL[k]).join(', ');
        return `Send ${KIND_LABEL[ctx.keepalive.kind]} ${every}: that is what kept streams open through this path${ignored ? `, and ${ignored} did not` : ''}.`;
      }
      switch (transport) {
        case 'sse':
          return `Send an SSE comment line (\`:\\n\\n\`) ${every}; EventSource ignores it, and it keeps the stream from looking idle.`;
        case 'websocket':
          return `Send a WebSocket ping (or a small application heartbeat message) ${every}, and reconnect with backoff when the socket closes.`;
        case 'long-poll':
          return `Answer each held long-poll with an empty response before the proxy cuts it: hold for less than the cut, or send a byte ${every}.`;
        default:
          return `Keep each request shorter than the proxy's idle timeout; for anything held open, send data ${every}.`;
      }
    case 'max-duration':
      switch (transport) {
        case 'sse':
          return 'Close the stream from the server before the cap and let EventSource reconnect with `Last-Event-ID` (send `id:` on every event and keep a replay buffer), so nothing is lost at the cut.';
        case 'websocket':
          return 'Re-open the WebSocket before the cap and resume from the last sequence number the client saw.';
        default:
          return 'Hold each request for less than the proxy’s maximum response time (e.g. 20 s) and re-poll.';
      }
    case 'first-byte-timeout':
      return transport === 'long-poll'
        ? 'Hold long-poll requests for less than the proxy’s first-byte timeout (answer empty after 20 s at most, then re-poll).'
        : 'Send the response headers and a first byte (an SSE comment line) as soon as the stream opens, before the first event.';
    case 'cached':
      return 'Send `Cache-Control: no-store` on poll, long-poll and event-stream responses (and no `Last-Modified` without an explicit lifetime), so shared caches never replay an old answer.';
    case 'protocol-downgrade':
      return 'The proxy talks HTTP/1.0 to the origin: responses can only end by closing the connection and nothing is kept alive. Send `Content-Length` on poll answers and expect one connection per request.';
    case 'message-loss':
      return 'Give every event an id (SSE `id:` lines, a sequence number in WebSocket messages), detect gaps on the client and ask for a replay from the last id it saw.';
    case 'reordered':
      return 'Put a sequence number in every event and reorder (and de-duplicate) on the client.';
    case 'no-resume':
      return transport === 'sse'
        ? 'Send `id:` on every event and keep a replay buffer; because this path loses the `Last-Event-ID` header on reconnect, also accept the last id as a query parameter (e.g. `?lastEventId=42`).'
        : 'Send the last sequence number the client saw when it reconnects (as a query parameter), and replay from there on the server.';
    case 'message-too-large':
      return 'Split large messages into chunks below the limit, or send a reference and fetch the payload with an ordinary request.';
    case 'connection-limit':
      return 'Share one stream per browser across tabs (BroadcastChannel or a SharedWorker), or serve it over HTTP/2: browsers allow only 6 HTTP/1.1 connections per host, and WebSockets do not count against that limit.';
    case 'browser-connection-limit':
      return 'Serve the stream over HTTP/2 (a TLS front that offers h2), where all of a page’s streams share one connection; or open one stream per browser and share it between tabs (a SharedWorker, or BroadcastChannel with one leader tab). Over HTTP/1.1 every open EventSource holds one of the 6 connections a browser allows per host, and the 7th waits.';
    case 'handshake-timeout':
      // sockjs-client 1.6 lib/main.js: each transport gets max(timeout, RTO × its round trips), RTO = 300 ms + RTT when the RTT is under 100 ms.
      return 'Give the library’s transport timer room for one lost packet: set SockJS’s `timeout` option (`new SockJS(url, null, { timeout: 5000 })`, https://github.com/sockjs/sockjs-client#sockjs-class), the least it waits for each transport. By default it waits 2 × (300 ms + a round trip it measured once to `/info`), about 0.6 s on a fast path, while TCP sends a lost packet again only after 0.2–1 s (a lost connection request after 1 s, RFC 6298 §2).';
    case 'not-sticky':
      return 'Enable sticky sessions at the load balancer, or keep session state in a shared store so any backend can answer the next poll; WebSocket-only clients do not need stickiness.';
    case 'blocked':
      return 'Serve every transport on port 443 (https:// and wss://, the port egress firewalls let out), on the same host name as the page, so no firewall rule stands between the client and a second port.';
    case 'proxy-error':
      return 'The proxy answered with an error of its own: check its error log and that it can reach the origin.';
    default:
      return undefined;
  }
}
