/**
 * Raw sockets for hostile clients: what a well-behaved client library would
 * never send. Every socket an attack opens is tracked by its SocketSet, so the
 * attack's end (or a test's teardown) destroys all of them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export class SocketSet {
  private readonly open = new Set<net.Socket>();

  get size(): number {
    return this.open.size;
  }

  /** Connects; resolves once connected, or undefined when refused or not within 3 s (counted by the caller). */
  connect(port: number, host = '127.0.0.1'): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
      const s = net.connect(port, host);
      this.open.add(s);
      s.on('close', () => this.open.delete(s));
      const t = setTimeout(() => {
        s.destroy();
        resolve(undefined);
      }, 3_000);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.on('error', () => {
        clearTimeout(t);
        resolve(undefined);
      });
    });
  }

  destroyAll(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }
}

/** What came back on a raw connection: the status line (or why there was none). */
export type Answer = string;

/**
 * Sends raw bytes and reads what comes back until the peer closes, `readMs`
 * passes or `maxBytes` arrive; then destroys the socket. Never rejects: a
 * refused or reset connection is an answer too.
 */
export async function rawExchange(sockets: SocketSet, port: number, bytes: Buffer | string, opts: { readMs?: number; maxBytes?: number } = {}): Promise<Answer> {
  const s = await sockets.connect(port);
  if (!s) return 'no connection';
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let total = 0;
    const finish = (why: string): void => {
      clearTimeout(t);
      s.destroy();
      const line = got.toString('latin1').split('\r\n')[0];
      resolve(line ? line.slice(0, 40) : why);
    };
    const t = setTimeout(() => finish('no answer in time'), opts.readMs ?? 1_000);
    s.on('data', (d: Buffer) => {
      total += d.length;
      if (got.length < 4096) got = Buffer.concat([got, d]);
      if (total >= (opts.maxBytes ?? 4096)) finish('enough');
    });
    s.on('close', () => finish('closed without an answer'));
    s.on('error', () => finish('reset'));
    s.write(bytes, () => undefined);
  });
}

/** A GET as raw text; `Connection: close` unless the headers say otherwise, so an answer ends with its connection. */
export function httpGet(path: string, headers: Record<string, string> = {}): string {
  const all = { Host: '127.0.0.1', Connection: 'close', ...headers };
  const lines = [`GET ${path} HTTP/1.1`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The opening handshake of RFC 6455 §4.1, as raw bytes. */
export function wsHandshake(path: string): string {
  return httpGet(path, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
  });
}

/** A WebSocket frame (RFC 6455 §5.2), with every field open to abuse. */
export function wsFrame(
  opcode: number,
  payload: Buffer,
  o: { fin?: boolean; rsv?: number; mask?: boolean; declaredLength?: bigint } = {},
): Buffer {
  const fin = o.fin ?? true;
  const mask = o.mask ?? true;
  const len = o.declaredLength ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push((mask ? 0x80 : 0) | Number(len));
  else if (len < 65536n) {
    head.push((mask ? 0x80 : 0) | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

/**
 * Opens a WebSocket by hand; resolves with the socket once 101 arrived (the
 * socket's later data is the caller's), or undefined when refused.
 */
export async function rawWebSocket(sockets: SocketSet, port: number, path: string): Promise<net.Socket | undefined> {
  const s = await sockets.connect(port);
  if (!s) return undefined;
  return new Promise((resolve) => {
    let got = '';
    const t = setTimeout(() => done(false), 3_000);
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) done(got.startsWith('HTTP/1.1 101'));
    };
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.off('data', onData);
      if (ok) resolve(s);
      else {
        s.destroy();
        resolve(undefined);
      }
    };
    s.on('data', onData);
    s.on('close', () => done(false));
    s.write(wsHandshake(path));
  });
}

/** Resolves when the socket closes, or after ms (then destroys it). */
export function closedWithin(s: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Runs fn for 0..n-1 with at most `width` at once. */
export async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}
