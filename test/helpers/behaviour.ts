/**
 * Records (does not judge) what a real proxy does to each transport, with
 * plain clients: the lead's probes do the judging; these records feed the
 * expected-verdict table. Every function resolves within its own deadline.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import WebSocket from 'ws';

/**
 * How requests reach the backend: through a reverse proxy (relative paths to
 * the proxy), or through a forward proxy (absolute-form targets, CONNECT for
 * WebSockets as browsers do with an explicit proxy).
 */
export type Route =
  /** `ca`: a TLS front (https:// proxyUrl) whose certificate chains to it */
  | { kind: 'reverse'; proxyUrl: string; ca?: string }
  | { kind: 'forward'; proxyUrl: string; originUrl: string };

function target(route: Route, path: string): { host: string; port: number; path: string; ca?: string } {
  const { hostname, port } = new URL(route.proxyUrl);
  return { host: hostname, port: Number(port), path: route.kind === 'forward' ? `${route.originUrl}${path}` : path, ...(route.kind === 'reverse' && route.ca ? { ca: route.ca } : {}) };
}

/** http.request, or https.request for a TLS front. */
function request(route: Route): typeof http.request {
  return route.proxyUrl.startsWith('https:') ? (https.request as typeof http.request) : http.request;
}

export interface HttpRecord {
  status?: number;
  body?: string;
  headers?: http.IncomingHttpHeaders;
  atMs: number;
  error?: string;
}

/** One GET through the proxy. */
export function recordGet(
  route: Route,
  path: string,
  opts: { deadlineMs?: number; headers?: Record<string, string> } = {},
): Promise<HttpRecord> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request(route)(
      {
        ...target(route, path),
        method: 'GET',
        agent: false,
        headers: opts.headers,
        timeout: opts.deadlineMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            atMs: Date.now() - started,
          }),
        );
        res.on('error', (err) => resolve({ status: res.statusCode, atMs: Date.now() - started, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client deadline')));
    req.on('error', (err) => resolve({ atMs: Date.now() - started, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end();
  });
}

export interface SseRecord {
  status?: number;
  contentEncoding?: string;
  headersMs?: number;
  /** client ms at which each complete event arrived */
  arrivalsMs: number[];
  endMs?: number;
  endHow: 'end' | 'error' | 'deadline' | 'no-response';
  error?: string;
  /** events arrived spread out (streamed) or together at the end (buffered) */
  delivery: 'streamed' | 'buffered' | 'none';
}

/**
 * Reads /sse?count&intervalMs&silentMs with `Accept-Encoding: gzip` (as
 * browsers send), decompressing on the fly, and notes when each event arrives.
 */
export function recordSse(
  route: Route,
  opts: { count: number; intervalMs: number; silentMs?: number; deadlineMs: number },
): Promise<SseRecord> {
  const started = Date.now();
  const query = `count=${opts.count}&intervalMs=${opts.intervalMs}&silentMs=${opts.silentMs ?? 0}`;
  const record: SseRecord = { arrivalsMs: [], endHow: 'no-response', delivery: 'none' };
  return new Promise((resolve) => {
    let done = false;
    const finish = (how: SseRecord['endHow'], error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      record.endHow = how;
      record.endMs = Date.now() - started;
      if (error) record.error = error;
      const arrivals = record.arrivalsMs;
      if (arrivals.length >= 2) {
        // streamed: the first and last arrival are at least one origin interval apart
        record.delivery = arrivals[arrivals.length - 1] - arrivals[0] >= opts.intervalMs * 0.5 ? 'streamed' : 'buffered';
      } else if (arrivals.length === 1) {
        record.delivery = opts.count === 1 ? 'streamed' : 'buffered';
      }
      req.destroy();
      resolve(record);
    };
    const req = request(route)(
      {
        ...target(route, `/sse?${query}`),
        method: 'GET',
        agent: false,
        headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip', 'cache-control': 'no-cache' },
      },
      (res) => {
        record.status = res.statusCode;
        record.headersMs = Date.now() - started;
        const encoding = res.headers['content-encoding'];
        if (encoding) record.contentEncoding = encoding;
        const body: NodeJS.ReadableStream =
          encoding === 'gzip' ? res.pipe(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })) : res;
        let text = '';
        body.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          let cut: number;
          while ((cut = text.indexOf('\n\n')) >= 0) {
            if (text.slice(0, cut).includes('data:')) record.arrivalsMs.push(Date.now() - started);
            text = text.slice(cut + 2);
          }
        });
        body.on('end', () => finish('end'));
        body.on('error', (err: Error) => finish('error', err.message));
        res.on('error', (err) => finish('error', err.message));
        res.on('aborted', () => finish('error', 'aborted'));
      },
    );
    req.on('error', (err) => finish('error', (err as NodeJS.ErrnoException).code ?? err.message));
    const deadline = setTimeout(() => finish('deadline'), opts.deadlineMs);
    req.end();
  });
}

export interface WsRecord {
  /** 101 when the handshake succeeded, else the status the client got */
  status?: number;
  opened: boolean;
  firstMessage?: string;
  echoed: boolean;
  /** after idleMs of silence, did an echo still come back? */
  echoAfterIdle?: boolean;
  closedAtMs?: number;
  closeCode?: number;
  error?: string;
}

/**
 * Opens ws://…/ws, waits for "hello", echoes once; with idleMs, stays quiet
 * that long and echoes again. Through a forward proxy the WebSocket runs in a
 * CONNECT tunnel, as browsers do; the CONNECT answer's status is recorded.
 */
export async function recordWs(route: Route, opts: { idleMs?: number; deadlineMs: number }): Promise<WsRecord> {
  if (route.kind === 'reverse') return wsOver(`${route.proxyUrl.replace(/^http/, 'ws')}/ws`, undefined, opts, route.ca);
  const tunnel = await openConnectTunnel(route, opts.deadlineMs);
  if (!tunnel.socket) return { opened: false, echoed: false, status: tunnel.status, error: tunnel.error };
  const socket = tunnel.socket;
  return wsOver(`${route.originUrl.replace(/^http/, 'ws')}/ws`, socket, opts);
}

function openConnectTunnel(
  route: Route & { kind: 'forward' },
  deadlineMs: number,
): Promise<{ socket?: net.Socket; status?: number; error?: string }> {
  const origin = new URL(route.originUrl);
  return new Promise((resolve) => {
    const req = http.request({ ...target(route, ''), path: `${origin.hostname}:${origin.port}`, method: 'CONNECT', agent: false, timeout: deadlineMs });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) resolve({ socket });
      else {
        socket.destroy();
        resolve({ status: res.statusCode, error: `CONNECT answered ${res.statusCode}` });
      }
    });
    req.on('timeout', () => req.destroy(new Error('CONNECT deadline')));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end();
  });
}

/** Raw upgrade request in absolute form to a forward proxy (a non-browser client without CONNECT); returns the status line's code. */
export function recordAbsoluteFormUpgrade(route: Route & { kind: 'forward' }, deadlineMs: number): Promise<{ status?: number; error?: string }> {
  const { host, port } = target(route, '');
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let text = '';
    const finish = (result: { status?: number; error?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ error: 'deadline' }), deadlineMs);
    socket.on('connect', () =>
      socket.write(
        `GET ${route.originUrl}/ws HTTP/1.1\r\nHost: ${new URL(route.originUrl).host}\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const match = /^HTTP\/1\.\d (\d{3})/.exec(text);
      if (match) finish({ status: Number(match[1]) });
    });
    socket.on('error', (err) => finish({ error: err.message }));
    socket.on('close', () => finish({ error: 'closed before a status line' }));
  });
}

function wsOver(wsUrl: string, socket: net.Socket | undefined, opts: { idleMs?: number; deadlineMs: number }, ca?: string): Promise<WsRecord> {
  const started = Date.now();
  const record: WsRecord = { opened: false, echoed: false };
  return new Promise((resolve) => {
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const ws = new WebSocket(wsUrl, {
      handshakeTimeout: Math.min(opts.deadlineMs, 10_000),
      ...(socket ? { createConnection: () => socket } : {}),
      ...(ca ? { ca } : {}),
    });
    const finish = () => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      socket?.destroy();
      resolve(record);
    };
    timers.push(setTimeout(finish, opts.deadlineMs));
    ws.on('unexpected-response', (_req, res) => {
      record.status = res.statusCode;
      res.resume();
      finish();
    });
    ws.on('upgrade', (res) => {
      record.status = res.statusCode;
    });
    ws.on('open', () => {
      record.opened = true;
    });
    let phase: 'hello' | 'echo' | 'idle' | 'echo-after-idle' = 'hello';
    ws.on('message', (data) => {
      const text = data.toString();
      if (phase === 'hello') {
        record.firstMessage = text;
        phase = 'echo';
        ws.send('ping-1');
      } else if (phase === 'echo' && text === 'echo:ping-1') {
        record.echoed = true;
        if (opts.idleMs === undefined) return finish();
        phase = 'idle';
        timers.push(
          setTimeout(() => {
            phase = 'echo-after-idle';
            if (ws.readyState === WebSocket.OPEN) ws.send('ping-2');
          }, opts.idleMs),
        );
      } else if (phase === 'echo-after-idle' && text === 'echo:ping-2') {
        record.echoAfterIdle = true;
        finish();
      }
    });
    ws.on('close', (code) => {
      record.closedAtMs = Date.now() - started;
      record.closeCode = code;
      if (opts.idleMs !== undefined && record.echoed) record.echoAfterIdle = false;
      finish();
    });
    ws.on('error', (err) => {
      record.error = err.message;
      finish();
    });
  });
}

/** Two GET /poll in a row: the same body twice means the proxy answered the second from its cache. */
export async function recordPollCaching(route: Route): Promise<{ first?: string; second?: string; cached: boolean }> {
  const first = await recordGet(route, '/poll');
  const second = await recordGet(route, '/poll');
  return { first: first.body, second: second.body, cached: first.body !== undefined && first.body === second.body };
}
