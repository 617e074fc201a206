/**
 * The instrumented origin: one HTTP server, the four transports on one port,
 * sharing channels (scheduled event feeds).
 *
 *   GET /health                         200 {"status":"ok"}
 *   GET /poll?since=N                   200 events with seq > N, at once
 *   GET /long-poll?since=N&hold=MS      200 when an event > N exists, 204 after hold
 *   GET /sse                            text/event-stream, id: lines, Last-Event-ID, retry:
 *   GET /ws                             WebSocket: pushes events, echoes messages
 *   GET /_seen?id=PROBE                 what reached the origin for that probe id
 *
 * Scenario parameters (all transports): channel, since, count, intervalMs,
 * payloadBytes, silentMs, tailMs, heartbeatMs, keepalive, hold, endAfter, close, retryMs, probe,
 * and the opt-in mitigations noBuffering, pad, noStore.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { UnreadLedger } from './backpressure';
import { ChannelRegistry, EventsGone, SharedBudget, TooManyChannels, type Backlog, type Channel } from './channel';
import { checkBudget, DEFAULT_LIMITS, OverBudget, type OriginLimits } from './limits';
import { BadParameter, parseScenario, type ScenarioParams } from './params';
import { SeenLog } from './seen';
import { handleLongPoll, handlePoll } from './polling';
import { handleSse, parseLastEventId } from './sse';
import { serveWebSocket } from './websocket';
import { VERSION } from '../version';
import { listen } from '../util/net';
import type { Library } from '../vocabulary';
import { libraryServer, type Feed, type LibraryHost, type MountedLibrary } from './libraries';

export interface OriginOptions {
  port?: number;
  host?: string;
  /** when set, every request but /health must carry X-Pushthrough-Token (or ?token=, for browsers) */
  token?: string;
  /** budgets and bounds; the defaults are DEFAULT_LIMITS */
  limits?: Partial<OriginLimits>;
  /** one line per notable event (a slow reader disconnected) */
  log?: (line: string) => void;
  /**
   * Serve HTTPS (and wss) with this certificate and key (PEM), for an origin
   * deployed behind a TLS-passthrough balancer. HTTP/1.1 only, as before.
   */
  tls?: { cert: string; key: string };
  /**
   * More endpoints, served after the token check and before the origin's own
   * 404: the field page and its report store (src/run/field.ts). Returns true
   * when it answered the request.
   */
  routes?: OriginRoutes;
  /** real-time libraries to mount beside the transports, each at its usual path, fed by the same channels (src/origin/libraries) */
  libraries?: readonly Library[];
}

/** Extra endpoints beside the transports; true when the request was answered. */
export type OriginRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** What every handler needs from its origin. */
export interface OriginContext {
  limits: OriginLimits;
  log: (line: string) => void;
  /** what every streaming reader has not taken yet */
  unread: UnreadLedger;
}

export interface RunningOrigin {
  url: string;
  /** random id of this origin process */
  instance: string;
  host: string;
  port: number;
  close(): Promise<void>;
  /** an origin in a process of its own: why it is gone, when it died before close() (what the clients saw after is not the path's) */
  problem?: () => string | undefined;
}

/** The largest WebSocket message the origin takes: the largest payload it sends (16 MiB), with room for framing. */
/** What an admitted request gets: its channel, the backlog it follows from, and what to call when it is done. */
interface Granted {
  ch: Channel;
  backlog: Backlog;
  release: () => void;
}

const MAX_WS_PAYLOAD_BYTES = 16 * 1024 * 1024 + 64 * 1024;

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** Writes a minimal HTTP answer on a raw socket (for refused upgrades). */
function rawAnswer(instanceId: string, socket: Socket, status: number, reason: string, body: string, extra: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const head = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Pushthrough-Instance: ${instanceId}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** Equal in constant time (digests first, so the lengths match and leak nothing). */
function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function tokenOk(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers['x-pushthrough-token'];
  return sameSecret(typeof header === 'string' ? header : undefined, token) || sameSecret(url.searchParams.get('token') ?? undefined, token);
}

export async function startOrigin(opts: OriginOptions = {}): Promise<RunningOrigin> {
  const host = opts.host ?? '127.0.0.1';
  /** names this origin process in answers, so a balanced pair can be told apart */
  const instance = randomBytes(4).toString('hex');
  const limits: OriginLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ctx: OriginContext = { limits, log: opts.log ?? (() => undefined), unread: new UnreadLedger(limits) };
  const channels = new ChannelRegistry({ maxChannels: limits.maxChannels, idleMs: limits.channelIdleMs, history: { events: limits.historyEvents, bytes: limits.historyBytes, shared: new SharedBudget(limits.historyTotalBytes) } });
  const seen = new SeenLog();
  /** the mounted libraries' browser clients, served to anyone (public code, no token) */
  const assets = new Map((opts.libraries ?? []).flatMap((id) => Object.entries(libraryServer(id).assets ?? {})));
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD_BYTES, perMessageDeflate: false });
  wss.on('headers', (headers) => headers.push(`X-Pushthrough-Instance: ${instance}`));

  /**
   * Per-instance state, as real apps keep it: a client that claims a cursor
   * (since > 0, Last-Event-ID) on a channel this instance never created is a
   * session that belongs to another instance. Answer as Socket.IO does
   * ("Session ID unknown", 400), so a non-sticky balancer shows as it is.
   */
  const unknownSession = (req: IncomingMessage, p: ScenarioParams): boolean =>
    p.channel !== undefined && !channels.has(p.channel) && (p.since > 0 || req.headers['last-event-id'] !== undefined);
  const sessionUnknownBody = (p: ScenarioParams) => ({
    error: `session unknown: channel '${p.channel}' was not created on this origin instance`,
    code: 'session-unknown',
    instance,
  });

  /**
   * The request's channel, its budget checked, and its backlog, taken once
   * here: a handler follows from it and never checks again (the ring may move
   * on meanwhile, and a second check could then fail after the answer began).
   * @throws OverBudget, TooManyChannels, EventsGone — each answered with its status
   */
  const channelFor = (p: ScenarioParams, since: number): Granted => {
    checkBudget(p, limits);
    const ch = channels.get(p.channel, { count: p.count, intervalMs: p.intervalMs, payloadBytes: p.payloadBytes, silentMs: p.silentMs, tailMs: p.tailMs });
    // A private channel lives as long as its one request.
    const release = p.channel === undefined ? () => ch.close() : () => {};
    try {
      return { ch, backlog: ch.backlog(since), release };
    } catch (err) {
      release();
      throw err;
    }
  };
  /** How a refused scenario is answered: status and JSON body. */
  const refusal = (err: unknown): { status: number; reason: string; body: Record<string, unknown> } | undefined => {
    if (err instanceof OverBudget) return { status: 400, reason: 'Bad Request', body: { error: err.message, code: 'over-budget' } };
    if (err instanceof TooManyChannels) return { status: 429, reason: 'Too Many Requests', body: { error: err.message, code: 'too-many-channels' } };
    if (err instanceof EventsGone) return { status: 410, reason: 'Gone', body: { error: err.message, code: 'gone', oldest: err.oldest } };
    return undefined;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // Names the instance on every answer, so a prober sees when one client's
    // requests are spread over several instances (a balancer without affinity).
    res.setHeader('X-Pushthrough-Instance', instance);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://origin.invalid');
    } catch {
      json(res, 400, { error: 'invalid request target' });
      return;
    }
    const asset = assets.get(url.pathname);
    if (asset) {
      const body = asset.read();
      res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/health') {
      json(res, 200, { status: 'ok', tool: 'pushthrough', version: VERSION, instance });
      return;
    }
    if (!tokenOk(req, url, opts.token)) {
      json(res, 401, { error: 'missing or wrong token (pass ?token= or X-Pushthrough-Token)' });
      return;
    }
    if (url.pathname === '/_seen') {
      const id = url.searchParams.get('id') ?? '';
      json(res, 200, { id, requests: seen.get(id) }, { 'Cache-Control': 'no-store' });
      return;
    }
    const route = url.pathname;
    if (!['/poll', '/long-poll', '/sse', '/ws'].includes(route) && opts.routes) {
      // A page asked for with ?probe= is recorded like the transports' requests: a browser client asks whether its page reached the origin.
      const probe = url.searchParams.get('probe');
      if (probe && /^[A-Za-z0-9._:-]{1,80}$/.test(probe)) seen.record(probe, req, false);
      if (opts.routes(req, res, url)) return;
    }
    if (!['/poll', '/long-poll', '/sse', '/ws'].includes(route)) {
      json(res, 404, { error: `no such endpoint: ${route}`, endpoints: ['/poll', '/long-poll', '/sse', '/ws', '/health', '/_seen'] });
      return;
    }
    let p: ScenarioParams;
    try {
      p = parseScenario(url.searchParams, route);
    } catch (e) {
      if (e instanceof BadParameter) {
        json(res, 400, { error: e.message, param: e.param });
        return;
      }
      throw e;
    }
    seen.record(p.probe, req, false);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: `method ${req.method} not allowed (expected GET)` }, { Allow: 'GET' });
      return;
    }
    if (route === '/ws') {
      // What `ws` itself answers to a plain GET: a proxy that dropped the
      // Upgrade header makes the client see exactly this.
      json(res, 426, { error: 'upgrade required: /ws speaks WebSocket only' }, { Upgrade: 'websocket' });
      return;
    }
    if (unknownSession(req, p)) {
      json(res, 400, sessionUnknownBody(p));
      return;
    }
    let got: Granted;
    try {
      got = channelFor(p, route === '/sse' ? (parseLastEventId(req) ?? p.since) : p.since);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      json(res, r.status, r.body, r.status === 429 ? { 'Retry-After': String(Math.ceil(limits.channelIdleMs / 1000)) } : {});
      return;
    }
    const { ch, backlog, release } = got;
    if (route === '/poll') {
      handlePoll(req, res, ch, backlog, p, ctx);
      release();
    } else if (route === '/long-poll') {
      handleLongPoll(req, res, ch, backlog, p, release, ctx);
    } else {
      handleSse(req, res, ch, backlog, p, release, ctx);
    }
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    let p: ScenarioParams;
    try {
      url = new URL(req.url ?? '/', 'http://origin.invalid');
      // A mounted library answers its own upgrades.
      if (mountedPath(url.pathname)) return;
      if (!tokenOk(req, url, opts.token)) {
        rawAnswer(instance, socket, 401, 'Unauthorized', JSON.stringify({ error: 'missing or wrong token' }));
        return;
      }
      if (url.pathname !== '/ws') {
        rawAnswer(instance, socket, 404, 'Not Found', JSON.stringify({ error: `no WebSocket endpoint at ${url.pathname} (expected /ws)` }));
        return;
      }
      p = parseScenario(url.searchParams, '/ws');
    } catch (e) {
      const msg = e instanceof BadParameter ? e.message : 'invalid request';
      rawAnswer(instance, socket, 400, 'Bad Request', JSON.stringify({ error: msg }));
      return;
    }
    seen.record(p.probe, req, true);
    if (unknownSession(req, p)) {
      rawAnswer(instance, socket, 400, 'Bad Request', JSON.stringify(sessionUnknownBody(p)));
      return;
    }
    let got: Granted;
    try {
      got = channelFor(p, p.since);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      rawAnswer(instance, socket, r.status, r.reason, JSON.stringify(r.body));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, req, got.ch, got.backlog, p, got.release, ctx));
  });

  /** A library's connection: its scenario from the handshake's query, checked and admitted like a transport's request. */
  const feed = (query: URLSearchParams, req: Parameters<LibraryHost['feed']>[1]): Feed => {
    let p: ScenarioParams;
    try {
      p = parseScenario(query, '/ws');
    } catch (e) {
      if (e instanceof BadParameter) return { ok: false, status: 400, error: e.message };
      throw e;
    }
    // The library's own HTTP handling comes before the origin's: the token is checked here, for every session.
    if (opts.token) {
      const header = req.headers['x-pushthrough-token'];
      if (!sameSecret(query.get('token') ?? (typeof header === 'string' ? header : undefined), opts.token)) return { ok: false, status: 401, error: 'missing or wrong token' };
    }
    seen.record(p.probe, { headers: req.headers as IncomingMessage['headers'], url: req.url, method: 'GET', httpVersion: req.httpVersion }, false);
    if (p.channel !== undefined && !channels.has(p.channel) && p.since > 0) return { ok: false, status: 400, error: sessionUnknownBody(p).error };
    try {
      const got = channelFor(p, p.since);
      return { ok: true, ...got, params: p };
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      return { ok: false, status: r.status, error: String(r.body.error) };
    }
  };
  const mounted: MountedLibrary[] = (opts.libraries ?? []).map((id) => libraryServer(id).mount({ server, feed, log: ctx.log }));
  const mountedPath = (pathname: string): boolean => mounted.some((m) => pathname === m.prefix.replace(/\/$/, '') || pathname.startsWith(m.prefix.endsWith('/') ? m.prefix : `${m.prefix}/`));

  // Garbage on the wire: answer 400 and drop the connection; never crash.
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Streams are long-lived by design: no server-side timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  const port = await listen(server, opts.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    instance,
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const m of mounted) void m.close();
        server.close(() => resolve());
        for (const ws of wss.clients) ws.close(1001, 'origin shutting down');
        channels.close();
        ctx.unread.close();
        // Give close frames a moment to leave, then cut what remains.
        const t = setTimeout(() => {
          for (const s of sockets) s.destroy();
          for (const ws of wss.clients) ws.terminate();
        }, 200);
        t.unref();
        for (const s of sockets) if (!(s as Socket & { _httpMessage?: unknown })._httpMessage) s.destroy();
        server.closeIdleConnections();
      }).then(() => {
        for (const s of sockets) s.destroy();
        wss.close();
      });
      return closing;
    },
  };
}
