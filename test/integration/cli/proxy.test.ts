/**
 * `pushthrough proxy` in front of a plain app (examples/plain-app.js: node:http
 * SSE and `ws`, no pushthrough origin): what a curl or wscat user sees, the
 * log line per exchange, the products' real timeouts, the control API, and
 * one line and exit 2 for every bad input.
 */
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { ChildProcess } from 'node:child_process';
import { startPlainApp, type PlainApp } from '../../../examples/plain-app';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { killGroup, runCli, startCli, waitExit } from '../../helpers/cli';

let app: PlainApp;
let origin: RunningOrigin;
const children: ChildProcess[] = [];
const requests: http.ClientRequest[] = [];
beforeAll(async () => {
  app = await startPlainApp({ tickMs: 200 });
  origin = await startOrigin({ port: 0 });
});
afterEach(() => {
  for (const r of requests.splice(0)) r.destroy();
  for (const c of children.splice(0)) killGroup(c);
});
afterAll(async () => {
  await app.close();
  await origin.close();
});

/** Starts `pushthrough proxy …`; resolves with its URL, its stdout so far (live) and the child. */
async function proxy(args: string[]): Promise<{ url: string; child: ChildProcess; out: () => string; line: (re: RegExp, ms?: number) => Promise<string> }> {
  const { child, match } = await startCli(['proxy', ...args, '--port', '0'], /proxy listening on (http:\/\/127\.0\.0\.1:\d+) → [^\n]*\n(?:  [^\n]*\n)*/, 15_000);
  children.push(child);
  let out = match[0];
  child.stdout!.on('data', (d) => (out += d));
  const line = (re: RegExp, ms = 5_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const find = (): string | undefined => out.split('\n').find((l) => re.test(l));
      const hit = find();
      if (hit) return resolve(hit);
      const t = setTimeout(() => reject(new Error(`no line ${re} within ${ms} ms:\n${out}`)), ms);
      const on = (): void => {
        const found = find();
        if (!found) return;
        clearTimeout(t);
        child.stdout!.off('data', on);
        resolve(found);
      };
      child.stdout!.on('data', on);
    });
  return { url: match[1]!, child, out: () => out, line };
}

/** Reads an event stream for `ms`; resolves with the events' ids that arrived. */
function readEvents(url: string, ms: number): Promise<string[]> {
  return new Promise((resolve) => {
    const ids: string[] = [];
    const req = http.get(url, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => ids.push(...[...chunk.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]!)));
      res.on('error', () => undefined);
    });
    req.on('error', () => resolve(ids));
    setTimeout(() => {
      req.destroy();
      resolve(ids);
    }, ms);
  });
}

/** An event stream left open: its ids as they come, its first event, whether it ended (cut) within a deadline. */
function openStream(url: string): { ids: string[]; firstEvent: Promise<void>; endedWithin: (ms: number) => Promise<boolean> } {
  const ids: string[] = [];
  let ended = false;
  const endListeners: Array<() => void> = [];
  const end = (): void => {
    ended = true;
    for (const l of endListeners.splice(0)) l();
  };
  let first: () => void = () => undefined;
  const firstEvent = new Promise<void>((r) => (first = r));
  const req = http.get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      ids.push(...[...chunk.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]!));
      if (ids.length) first();
    });
    res.on('close', end);
    res.on('error', end);
  });
  req.on('error', end);
  requests.push(req);
  return {
    ids,
    firstEvent,
    endedWithin: (ms) =>
      new Promise((resolve) => {
        if (ended) return resolve(true);
        const t = setTimeout(() => {
          req.destroy();
          resolve(false);
        }, ms);
        endListeners.push(() => {
          clearTimeout(t);
          resolve(true);
        });
      }),
  };
}

/** A WebSocket handshake by hand: the status the client got. */
function handshake(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', () => resolve(undefined));
  });
}

describe('in front of a plain app, nginx-default-like', () => {
  it('buffers the event stream and strips the Upgrade, and its log says so, one line per exchange', async () => {
    const p = await proxy(['--setup', 'nginx-default-like', '--target', app.url]);
    // Straight to the app a tick arrives every 200 ms; through nginx's default buffering none does.
    const [direct, proxied] = await Promise.all([readEvents(`${app.url}/events`, 1_500), readEvents(`${p.url}/events`, 1_500)]);
    expect(direct.length).toBeGreaterThanOrEqual(4);
    expect(proxied).toEqual([]);
    expect(await handshake(`${app.url}/ws`)).toBe(101);
    expect(await handshake(`${p.url}/ws`)).toBe(200);
    expect(await p.line(/^#\d+ GET \/ws /)).toMatch(/ → 200 ↓ \d+ B ↑ 0 B \d+ ms · strip-upgrade: Upgrade stripped: the handshake went on as a plain GET$/);
    const events = await p.line(/^#\d+ GET \/events /);
    expect(events).toMatch(/ → 200 ↓ \d+ B ↑ 0 B 1\.\d s$/);
    // What reached the client in 1.5 s is the response head alone (about 190 bytes): no tick got through.
    expect(Number(/↓ (\d+) B/.exec(events)![1])).toBeLessThan(250);
    // The product's real timeout, not the matrix's 1/50.
    expect(p.out()).toContain('timeouts as the real product: idle-timeout idleMs 60000 (the matrix runs 1200)');
  });

  it('--scale 0.02 runs the matrix’s timing instead', async () => {
    const p = await proxy(['--setup', 'aws-alb-like', '--target', app.url, '--scale', '0.02']);
    expect(p.out()).toContain('timeouts as the real product × 0.02: idle-timeout idleMs 1200');
  });
});

describe('the control API', () => {
  it('changes the faults of a running proxy: new exchanges get them at once; reset cuts the open ones', async () => {
    const p = await proxy(['--setup', 'passthrough', '--target', origin.url, '--control', '0']);
    const control = /control API on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())![1]!;
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${control}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // One event, 1.5 s of silence, one more: how long does the stream live?
    const silence = `${p.url}/sse?silentMs=1500&close=1`;

    expect(await call('GET', '/faults')).toEqual({ status: 200, body: { faults: [] } });
    expect(await readEvents(silence, 2_500)).toEqual(['1', '2']);

    const put = await call('PUT', '/faults', { faults: [{ name: 'idle-timeout', params: { idleMs: 500 } }] });
    expect(put.status).toBe(200);
    expect((put.body.faults as Array<{ name: string; params: Record<string, unknown> }>)[0]).toMatchObject({ name: 'idle-timeout', params: { idleMs: 500, afterHeaders: 'close' } });
    expect(await readEvents(silence, 2_500)).toEqual(['1']);
    const cut = await p.line(/^#\d+ GET \/sse\?silentMs=1500&close=1 → 200 .* · idle-timeout: /);
    expect(cut).toMatch(/ · idle-timeout: no bytes for 500 ms; idle-timeout: closed the connection after \d+ ms$/);
    // Cut half a second into the silence, before the second event (due at 1.5 s).
    const cutAfterMs = Number(/closed the connection after (\d+) ms$/.exec(cut)![1]);
    expect(cutAfterMs).toBeGreaterThanOrEqual(500);
    expect(cutAfterMs).toBeLessThan(1500);

    const bad = await call('POST', '/faults/idle-timeout', { params: { idleMs: -1 } });
    expect(bad).toEqual({ status: 400, body: { error: "faults[0] 'idle-timeout': idleMs must be >= 0 (got -1)" } });
    expect((await call('DELETE', '/faults/idle-timeout')).body).toEqual({ faults: [] });
    expect(await readEvents(silence, 2_500)).toEqual(['1', '2']);
    expect((await call('DELETE', '/faults/idle-timeout')).status).toBe(404);

    // reset: an open stream is cut at once, and the proxy keeps serving.
    const open = openStream(`${p.url}/sse?count=100&intervalMs=100`);
    await open.firstEvent;
    expect((await call('POST', '/reset')).body).toEqual({ reset: true });
    expect(await open.endedWithin(2_000)).toBe(true);
    expect(open.ids.length).toBeLessThan(50);
    expect(await p.line(/^reset: /)).toMatch(/^reset: dropped [1-9]\d* client and [1-9]\d* upstream connection\(s\)$/);
    expect(await readEvents(silence, 2_500)).toEqual(['1', '2']);
  });
});

describe('bad input: one line, exit 2', () => {
  const oneLine = (s: string): void => {
    expect(s.trim().split('\n')).toHaveLength(1);
    expect(s).not.toMatch(/\n\s+at /);
  };

  it.each([
    [['--setup', 'nope', '--target', 'http://127.0.0.1:9'], /--setup: unknown setup 'nope'/],
    [['--setup', 'passthrough', '--target', 'http://127.0.0.1:9', '--wait', '0.2'], /--target: nothing accepts connections at 127\.0\.0\.1:9/],
    [['--setup', 'passthrough', '--target', 'ftp://x'], /--target: 'ftp:\/\/x' must be an http:\/\/ URL/],
    [['--setup', 'passthrough', '--target', 'APP', '--scale', 'fast'], /--scale must be a number such as 1 or 0\.02, got 'fast'/],
    [['--real', 'nginx=nope', '--target', 'APP'], /--real: template nope does not exist/],
    [['--real', 'nginx=tuned', '--target', 'APP', '--control', '0'], /--control changes the faults of a simulated setup/],
  ])('%j', async (args, message) => {
    const res = await runCli(['proxy', ...args.map((a) => (a === 'APP' ? app.url : a))]);
    expect([res.code, res.stderr]).toEqual([2, expect.stringMatching(message)]);
    oneLine(res.stderr);
  });

  it('a port in use', async () => {
    const res = await runCli(['proxy', '--setup', 'passthrough', '--target', app.url, '--port', String(app.port)]);
    expect([res.code, res.stderr]).toEqual([2, expect.stringMatching(/port \d+ on 127\.0\.0\.1 is in use/)]);
    oneLine(res.stderr);
  });

  it('SIGTERM stops it: exit 143', async () => {
    const p = await proxy(['--setup', 'passthrough', '--target', app.url]);
    p.child.kill('SIGTERM');
    expect(await waitExit(p.child, 10_000)).toBe(143);
  });
});

it('a TLS front with HTTP/2 (aws-alb-like-h2): https on the port asked for, HTTP/2 by ALPN, the throwaway CA printed and gone on exit', async () => {
  const { child, match } = await startCli(['proxy', '--setup', 'aws-alb-like-h2', '--target', origin.url, '--port', '0', '--quiet'], /proxy listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*--ca (\S+) \(/, 15_000);
  children.push(child);
  const [, url, caFile] = match;
  const session = http2.connect(url!, { ca: fs.readFileSync(caFile!, 'utf8') });
  try {
    const status = await new Promise<unknown>((resolve, reject) => {
      const req = session.request({ ':path': '/health' });
      req.on('response', (h) => (resolve(h[':status']), req.close()));
      req.on('error', reject);
    });
    expect(status).toBe(200);
    expect((session.socket as import('node:tls').TLSSocket).alpnProtocol).toBe('h2');
  } finally {
    session.close();
  }
  child.kill('SIGINT');
  await waitExit(child, 10_000);
  expect(fs.existsSync(caFile!)).toBe(false);
}, 30_000);
