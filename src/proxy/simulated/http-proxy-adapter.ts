/**
 * The one module that touches `http-proxy` (node-http-proxy 1.18.1, last
 * released in 2020). It keeps that library's traps away from the rest:
 *
 * - an 'error' without a listener throws out of its EventEmitter
 *   (ProxyServer#onError rethrows when it is the only listener; node-http-proxy
 *   #797, #898): the adapter always listens and routes every failure to the
 *   caller's `failure` handler, which gets a ready 502;
 * - its WebSocket pass (`ws-incoming.stream`) attaches the client socket's error
 *   handler only after a 101 and writes non-101 answers raw (#1468): the
 *   adapter does not use it. A handshake goes through the ordinary `web()`
 *   pass, so a non-101 answer is an ordinary response the faults can see, and
 *   the adapter takes the 101 from the upstream request's 'upgrade' event and
 *   pipes the two sockets itself, through the faults' transforms:
 *
 *     client socket ─▶ toOrigin[0] ─▶ … ─▶ gate ─▶ upstream socket
 *     client socket ◀─ gate ◀─ … ◀─ toClient[0] ◀─ upstream socket
 *
 * - nothing here throws out of a request handler: every call is guarded, every
 *   socket gets an error listener before any I/O.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, type Readable, type Transform } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Answer } from './fault-types';
import { errorPage } from './http-util';
import { emptyBody, GatedPipe, type Discardable } from './streams';

/** What to send upstream for one request. */
export interface UpstreamCall {
  /** origin base URL, e.g. http://127.0.0.1:8080 */
  target: URL;
  /** undefined: a fresh connection per request with `Connection: close` (http-proxy's `agent: false`) */
  agent?: http.Agent;
  /** request body to send; the request itself when undefined */
  body?: Readable;
}

/** An upstream failure before any response head: the adapter's 502 for it. */
export interface UpstreamFailure {
  error: Error;
  /** ECONNREFUSED, ECONNRESET, ... or 'EPROXY' */
  code: string;
  /** 502 Bad Gateway with a small HTML page, as nginx answers "connect() failed" */
  answer: Answer;
}

/** Callbacks for one forwarded request. Each is called at most once, never throws into http-proxy. */
export interface UpstreamEvents {
  /** the upstream request has a socket */
  request(proxyReq: http.ClientRequest, socket: Socket): void;
  /** a non-101 response head arrived (its body is `proxyRes`) */
  response(proxyRes: http.IncomingMessage): void;
  /** 101 Switching Protocols: the raw upstream socket is handed over, paused */
  upgrade(proxyRes: http.IncomingMessage, socket: Socket, head: Buffer): void;
  /** the upstream request failed (refused, reset, hung up) */
  failure(f: UpstreamFailure): void;
}

/** Both sockets of an upgraded connection, and the transforms between them. */
export interface TunnelSpec {
  client: Socket;
  /** bytes the client sent after its handshake head (Node's 'upgrade' `head`) */
  clientHead: Buffer;
  upstream: Socket;
  /** bytes the origin sent after its 101 head */
  upstreamHead: Buffer;
  /** the 101 head to write to the client, CRLF-terminated */
  responseHead: string;
  toClient: Transform[];
  toOrigin: Transform[];
}

/** A running tunnel: its two gates let a fault stop forwarding without closing anything. */
export interface OpenTunnel {
  toClientGate: Discardable;
  toOriginGate: Discardable;
}

const noop = (): void => {};

/** One forwarded request's state: its callbacks, whether its upstream socket was reused, whether a head came back. */
interface Leg {
  events: UpstreamEvents;
  reused: boolean;
  answered: boolean;
}
const LEG = Symbol('pushthrough.leg');
type RequestWithLeg = http.IncomingMessage & { [LEG]?: Leg };
const legOf = (req: http.IncomingMessage): Leg | undefined => (req as RequestWithLeg)[LEG];

/** Thin, safe wrapper over one http-proxy ProxyServer. */
export class HttpProxyAdapter {
  private readonly proxy: httpProxy;
  private readonly guarded = new WeakSet<Socket>();

  constructor() {
    this.proxy = httpProxy.createProxyServer({
      // Every response goes through the faults, so the adapter never lets
      // http-proxy copy heads or pipe bodies by itself.
      selfHandleResponse: true,
      // Like nginx's default `proxy_set_header Host $proxy_host`.
      changeOrigin: true,
      xfwd: false,
      prependPath: true,
    });
    // Without a second listener ProxyServer#onError rethrows (see header).
    this.proxy.on('error', noop);
    this.proxy.on('proxyReq', (proxyReq, req) => {
      const leg = legOf(req);
      if (!leg) return;
      const events = leg.events;
      // Emitted from the request's 'socket' event, so the socket is there.
      const socket = proxyReq.socket as Socket;
      leg.reused = proxyReq.reusedSocket;
      // Once per socket: a kept-alive socket serves many requests.
      if (!this.guarded.has(socket)) {
        this.guarded.add(socket);
        socket.on('error', noop);
      }
      if (req.headers['upgrade'] !== undefined) {
        // Node destroys the socket of a 101 unless someone listens for it.
        proxyReq.on('upgrade', (proxyRes: http.IncomingMessage, upSocket: Socket, upHead: Buffer) => {
          upSocket.on('error', noop);
          // Data after the 101 must wait until the faults have seen the head.
          upSocket.pause();
          guard(() => events.upgrade(proxyRes, upSocket, upHead), () => upSocket.destroy());
        });
      }
      guard(() => events.request(proxyReq, socket), () => proxyReq.destroy());
    });
    this.proxy.on('proxyRes', (proxyRes, req) => {
      const leg = legOf(req);
      proxyRes.on('error', noop);
      if (!leg) {
        proxyRes.resume();
        return;
      }
      leg.answered = true;
      guard(() => leg.events.response(proxyRes), () => proxyRes.destroy());
    });
  }

  /**
   * Forwards a request (or a WebSocket handshake, as an ordinary request) to
   * `call.target`. `res` is the client's response object; for a handshake it
   * is an unassigned ServerResponse (http-proxy only reads its flags, since the
   * adapter handles every response itself).
   */
  forward(req: http.IncomingMessage, res: http.ServerResponse, call: UpstreamCall, events: UpstreamEvents, retried = false): void {
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      const code = (err as NodeJS.ErrnoException).code ?? 'EPROXY';
      if (!retried && this.staleKeepAlive(req, code)) {
        // The origin closed a kept-alive connection as it was reused: send the
        // request again on a new one, as nginx (proxy_next_upstream) and
        // HAProxy (retry-on conn-failure) do for a request that is safe to repeat.
        this.forward(req, res, { ...call, body: emptyBody() }, events, true);
        return;
      }
      guard(() => events.failure({ error: err, code, answer: errorPage(502, 'upstream', `upstream ${code}`) }), noop);
    };
    // On the request itself rather than in a WeakMap: the call's state dies with the request, in the young generation.
    (req as RequestWithLeg)[LEG] = { events, reused: false, answered: false };
    const options: httpProxy.ServerOptions = {
      target: call.target.origin + stripTrailingSlash(call.target.pathname),
      // http-proxy uses a fresh connection per request when agent is false and
      // then sets `Connection: close` itself (common.setupOutgoing).
      agent: call.agent ?? false,
    };
    if (call.body) options.buffer = call.body;
    try {
      this.proxy.web(req, res, options, (err) => fail(err));
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** A safe request (no body) that failed on a reused connection before any answer. */
  private staleKeepAlive(req: http.IncomingMessage, code: string): boolean {
    const leg = legOf(req);
    const method = req.method ?? 'GET';
    const bodyless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    return !!leg?.reused && !leg.answered && ['ECONNRESET', 'EPIPE'].includes(code) && ['GET', 'HEAD', 'OPTIONS'].includes(method) && bodyless && !req.headers['upgrade'];
  }

  /**
   * Joins client and upstream sockets after a 101, through the given
   * transforms. An error on either side destroys both; an orderly end on one
   * side half-closes the other (FIN follows FIN).
   */
  openTunnel(spec: TunnelSpec, onClosed: () => void): OpenTunnel {
    const { client, upstream } = spec;
    for (const s of [client, upstream]) {
      // Two pipelines, the HTTP server's own and the exchange's listeners
      // legitimately exceed the default of 10.
      s.setMaxListeners(30);
      s.on('error', noop);
      s.setTimeout(0);
      s.setNoDelay(true);
    }
    let open = 2;
    const done = (): void => {
      open -= 1;
      if (open === 0) onClosed();
    };
    const failed = (err?: Error | null): void => {
      if (err) destroyBoth(client, upstream);
    };
    /** The faults' transforms, if any, then the gate into the other socket. */
    const direction = (from: Socket, transforms: Transform[], to: Socket): GatedPipe => {
      const source = transforms.length ? (pipeline([from, ...transforms], failed) as unknown as Readable) : from;
      return new GatedPipe(source, to, (err) => {
        failed(err);
        done();
      });
    };
    client.write(spec.responseHead);
    if (spec.clientHead.length > 0) client.unshift(spec.clientHead);
    if (spec.upstreamHead.length > 0) upstream.unshift(spec.upstreamHead);
    const toClientGate = direction(upstream, spec.toClient, client);
    const toOriginGate = direction(client, spec.toOrigin, upstream);
    // A client gone for good takes the upstream connection with it, even
    // while a gate holds the pipelines (a silent drop).
    client.once('close', () => upstream.destroy());
    return { toClientGate, toOriginGate };
  }

  /**
   * A ServerResponse writing to the raw socket of a handshake, for answering it
   * with an ordinary HTTP response (refused, stripped, 502). The connection
   * closes after that response: the socket left Node's HTTP parser at the
   * upgrade.
   */
  responseForHandshake(req: http.IncomingMessage): http.ServerResponse {
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    return res;
  }

  /** Attaches a handshake's ServerResponse to its socket, once, when it is about to write. */
  attachHandshakeResponse(res: http.ServerResponse, socket: Socket, onFinished: () => void): void {
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      onFinished();
    });
  }

  close(): void {
    this.proxy.removeAllListeners('proxyReq');
    this.proxy.removeAllListeners('proxyRes');
    this.proxy.close();
  }
}

function stripTrailingSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

function destroyBoth(a: Socket, b: Socket): void {
  a.destroy();
  b.destroy();
}

/** Runs a callback; if it throws, runs the fallback instead of letting it escape. */
function guard(fn: () => void, fallback: () => void): void {
  try {
    fn();
  } catch {
    try {
      fallback();
    } catch {
      // nothing more to do: never throw into http-proxy or a socket event
    }
  }
}
