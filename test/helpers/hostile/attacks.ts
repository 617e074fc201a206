/**
 * The audit's attack classes (issue 8), kept as code: each sends what a
 * hostile or broken client sends, counts what came back, and leaves nothing
 * open. `n(small, full)` is the count: small in `npm test`, the audit's own
 * figures under `npm run bench -- --hostile`.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { closedWithin, httpGet, pool, rawExchange, rawWebSocket, wsFrame, type SocketSet } from './wire';

/** origin: `pushthrough origin`; proxy: the simulated buffering-until-end proxy; cache: the simulated caching proxy. */
export type TargetKind = 'origin' | 'proxy' | 'cache';

export interface AttackContext {
  port: number;
  full: boolean;
  n(small: number, full: number): number;
  /** how long held connections are held */
  holdMs: number;
  sockets: SocketSet;
}

export interface AttackResult {
  ops: number;
  /** what came back, by first status line (or why nothing did) */
  answers: Record<string, number>;
}

export interface Attack {
  name: string;
  what: string;
  against: TargetKind[];
  run(ctx: AttackContext): Promise<AttackResult>;
}

class Tally {
  ops = 0;
  readonly answers: Record<string, number> = {};
  add(answer: string): void {
    this.ops++;
    this.answers[answer] = (this.answers[answer] ?? 0) + 1;
  }
  result(): AttackResult {
    return { ops: this.ops, answers: this.answers };
  }
}

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
/** Holds for ms: the attack's own duration, not a synchronisation. */
const hold = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const BAD_REQUESTS: readonly (string | Buffer)[] = [
  'GET /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
  'POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc',
  'POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n',
  'GET /poll?channel=%ZZ&count=%FF HTTP/1.1\r\nHost: x\r\n\r\n',
  Buffer.concat([Buffer.from('GET /poll?channel='), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
  Buffer.concat([Buffer.from('GET /sse HTTP/1.1\r\nHost: x\r\nLast-Event-ID: '), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\r\n\r\n')]),
  'GET /poll HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n',
  'GET /poll\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  Buffer.from('160301002f010000', 'hex'), // the start of a TLS ClientHello
  'GET /poll HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n',
  'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
];

const ABSURD = ['-1', '0', '1e308', 'NaN', 'Infinity', '99999999999999999999', '0x10', '1.5', '', '%00', '%FF', '１２', '9'.repeat(400)];
const PARAMS = ['count', 'intervalMs', 'payloadBytes', 'since', 'silentMs', 'heartbeatMs', 'hold', 'endAfter', 'retryMs', 'channel', 'probe'];

/** The broken frames of the audit, each with what RFC 6455 says it is. */
const BROKEN_FRAMES: readonly Buffer[] = [
  wsFrame(1, Buffer.from('rsv1 without an extension'), { rsv: 4 }),
  wsFrame(3, Buffer.from('reserved opcode')),
  wsFrame(1, Buffer.from('unmasked client frame'), { mask: false }),
  wsFrame(2, Buffer.alloc(0), { declaredLength: 1n << 63n }),
  wsFrame(2, Buffer.alloc(16), { declaredLength: 1n << 40n }),
  wsFrame(9, Buffer.alloc(126)), // a control frame over 125 bytes
  wsFrame(9, Buffer.from('fragmented ping'), { fin: false }),
  wsFrame(1, Buffer.from([0xc3, 0x28, 0xa0, 0xa1])), // invalid UTF-8
  wsFrame(8, Buffer.from([0x03, 0xe7])), // close code 999
  wsFrame(0, Buffer.from('continuation with nothing to continue')),
  wsFrame(2, Buffer.alloc(1000)).subarray(0, 40), // half a frame, then silence
];

export const ATTACKS: readonly Attack[] = [
  {
    name: 'garbage',
    what: 'random bytes, some after a valid request line',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      await pool(ctx.n(30, 400), 20, async (i) => {
        const junk = randomBytes(1 + (i * 997) % 16_384);
        t.add(await rawExchange(ctx.sockets, ctx.port, i % 2 ? Buffer.concat([Buffer.from('GET /poll HTTP/1.1\r\n'), junk]) : junk, { readMs: 500 }));
      });
      return t.result();
    },
  },
  {
    name: 'huge-headers',
    what: 'a 1 MiB header, 20,000 headers, a 256 KiB URL',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const variants = [
        httpGet('/poll', { 'X-Big': 'a'.repeat(1024 * 1024) }),
        `GET /poll HTTP/1.1\r\nHost: x\r\n${'X-H: v\r\n'.repeat(20_000)}\r\n`,
        httpGet(`/poll?channel=${'c'.repeat(256 * 1024)}`),
        `GET /poll HTTP/1.1\r\nHost: x\r\n${'n'.repeat(100_000)}\r\n\r\n`,
      ];
      await pool(ctx.n(12, 300), 8, async (i) => t.add(await rawExchange(ctx.sockets, ctx.port, pick(variants, i), { readMs: 1000 })));
      return t.result();
    },
  },
  {
    name: 'bad-encodings',
    what: 'broken chunking, duplicate lengths, bad escapes and bytes, HTTP/2 and TLS on a plain port',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      await pool(ctx.n(BAD_REQUESTS.length * 2, 330), 16, async (i) => t.add(await rawExchange(ctx.sockets, ctx.port, pick(BAD_REQUESTS, i), { readMs: 500 })));
      return t.result();
    },
  },
  {
    name: 'absurd-numbers',
    what: 'every parameter of every endpoint at -1, 0, 1e308, NaN, 20 digits, 400 digits, bad escapes',
    against: ['origin'],
    async run(ctx) {
      const t = new Tally();
      const endpoints = ['/poll', '/long-poll', '/sse', '/ws'];
      await pool(ctx.n(40, 330), 16, async (i) => {
        const q = new URLSearchParams();
        q.set(pick(PARAMS, i), pick(ABSURD, i * 7));
        q.set(pick(PARAMS, i + 3), pick(ABSURD, i * 3 + 1));
        const path = `${pick(endpoints, i)}?${q.toString().replace(/%25/g, '%')}`;
        const headers: Record<string, string> = i % 5 === 0 ? { 'Last-Event-ID': pick(ABSURD, i) } : {};
        t.add(await rawExchange(ctx.sockets, ctx.port, httpGet(path, headers), { readMs: 300 }));
      });
      return t.result();
    },
  },
  {
    name: 'half-open',
    what: 'connections that send nothing, or half a request, and stay',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const held: net.Socket[] = [];
      await pool(ctx.n(200, 2000), 50, async (i) => {
        const s = await ctx.sockets.connect(ctx.port);
        if (!s) return t.add('no connection');
        s.on('error', () => undefined);
        if (i % 2) s.write('GET /sse HTTP/1.1\r\nHost: x\r\n');
        held.push(s);
        t.add('held');
      });
      await hold(ctx.holdMs);
      for (const s of held) s.destroy();
      return t.result();
    },
  },
  {
    name: 'slowloris',
    what: 'requests sent one header byte every 100 ms',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const count = ctx.n(50, 500);
      const sockets = (await Promise.all(Array.from({ length: count }, () => ctx.sockets.connect(ctx.port)))).filter((s): s is net.Socket => !!s);
      const text = `GET /poll HTTP/1.1\r\nHost: x\r\n${'X-Slow: '.padEnd(10_000, 'z')}`;
      let at = 0;
      const drip = setInterval(() => {
        for (const s of sockets) if (!s.destroyed) s.write(text[at % text.length]!, () => undefined);
        at++;
      }, 100);
      for (const s of sockets) s.on('error', () => undefined);
      await hold(ctx.holdMs);
      clearInterval(drip);
      for (const s of sockets) t.add(s.destroyed ? 'cut by the server' : 'still open');
      for (const s of sockets) s.destroy();
      return t.result();
    },
  },
  {
    name: 'broken-ws-frames',
    what: 'reserved bits and opcodes, unmasked frames, 2^63 lengths, long control frames, bad UTF-8 and close codes',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      await pool(ctx.n(BROKEN_FRAMES.length * 2, 330), 10, async (i) => {
        const s = await rawWebSocket(ctx.sockets, ctx.port, '/ws?intervalMs=1000&count=5');
        if (!s) return t.add('handshake refused');
        s.on('error', () => undefined);
        s.write(pick(BROKEN_FRAMES, i));
        t.add((await closedWithin(s, 1_000)) ? 'closed by the server' : 'still open after 1 s');
      });
      return t.result();
    },
  },
  {
    name: 'vanishing-clients',
    what: 'streams, long-polls and 8 MiB polls whose client vanishes (FIN or RST) mid-answer',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const paths = ['/sse?intervalMs=10&payloadBytes=65536', '/long-poll?hold=5000', '/poll?count=1&payloadBytes=8388608', '/ws'];
      await pool(ctx.n(40, 400), 20, async (i) => {
        const path = pick(paths, i);
        const s = path === '/ws' ? await rawWebSocket(ctx.sockets, ctx.port, '/ws?intervalMs=10&payloadBytes=65536') : await ctx.sockets.connect(ctx.port);
        if (!s) return t.add('no connection');
        s.on('error', () => undefined);
        if (path !== '/ws') s.write(httpGet(path));
        await new Promise<void>((r) => {
          const t0 = setTimeout(r, 300);
          s.once('data', () => (clearTimeout(t0), r()));
        });
        if (i % 2) s.resetAndDestroy();
        else s.destroy();
        t.add(i % 2 ? 'reset' : 'closed');
      });
      return t.result();
    },
  },
  {
    name: 'non-reading-sse',
    what: 'SSE readers of 1 MiB events every 70 ms (15 MB/s, the most allowed) that never read',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const readers: net.Socket[] = [];
      for (let i = 0; i < ctx.n(3, 10); i++) {
        const s = await ctx.sockets.connect(ctx.port);
        if (!s) continue;
        s.on('error', () => undefined);
        s.write(httpGet('/sse?intervalMs=70&payloadBytes=1048576'));
        s.pause();
        readers.push(s);
      }
      await hold(ctx.holdMs);
      for (const s of readers) t.add(s.destroyed || s.readableEnded ? 'cut by the server' : 'still open');
      for (const s of readers) s.destroy();
      return t.result();
    },
  },
  {
    name: 'non-reading-ws',
    what: 'WebSocket clients that send 512 KiB messages and never read the echoes',
    against: ['origin', 'proxy'],
    async run(ctx) {
      const t = new Tally();
      const clients: net.Socket[] = [];
      const message = wsFrame(2, randomBytes(512 * 1024));
      for (let i = 0; i < ctx.n(4, 24); i++) {
        const s = await rawWebSocket(ctx.sockets, ctx.port, '/ws?intervalMs=1000&count=1');
        if (!s) continue;
        s.on('error', () => undefined);
        s.pause();
        clients.push(s);
      }
      const send = setInterval(() => {
        // Only as fast as the kernel takes it: the attack is on the origin's memory, not the tester's.
        for (const s of clients) if (!s.destroyed && s.writableLength < 2 * 1024 * 1024) s.write(message, () => undefined);
      }, 20);
      await hold(ctx.holdMs);
      clearInterval(send);
      for (const s of clients) t.add(s.destroyed || s.readableEnded ? 'cut by the server' : 'still open');
      for (const s of clients) s.destroy();
      return t.result();
    },
  },
  {
    name: 'audit-reproductions',
    what: 'the audit’s crashes: an endless 16 MiB channel, 500 one-shot endless channels, the 40 × 16 MiB poll pair, a 100 MB/s stream',
    against: ['origin'],
    async run(ctx) {
      const t = new Tally();
      const get = async (path: string, readMs = 1000): Promise<void> => t.add(await rawExchange(ctx.sockets, ctx.port, httpGet(path), { readMs }));
      await get('/poll?channel=boom&count=1000000&intervalMs=10&payloadBytes=16777216');
      await pool(ctx.n(50, 500), 25, (i) => get(`/poll?channel=oneshot-${i}-${randomBytes(3).toString('hex')}&count=1000000&intervalMs=10&payloadBytes=1024`));
      await get('/poll?channel=big&count=40&intervalMs=10&payloadBytes=16777216');
      await get('/poll?channel=big', 3000);
      await get('/sse?payloadBytes=1048576&intervalMs=10');
      return t.result();
    },
  },
  {
    name: 'history-fill',
    what: 'named channels of 1 MiB events every 70 ms, polled from the start to fill every history ring',
    against: ['origin'],
    async run(ctx) {
      const t = new Tally();
      const channels = Array.from({ length: ctx.n(6, 40) }, (_, i) => `fill-${i}-${randomBytes(3).toString('hex')}`);
      const rounds = ctx.n(3, 10);
      for (let r = 0; r < rounds; r++) {
        await pool(channels.length, 4, async (i) => t.add(await rawExchange(ctx.sockets, ctx.port, httpGet(`/poll?channel=${channels[i]}&intervalMs=70&payloadBytes=1048576`), { readMs: 3000, maxBytes: 64 * 1024 * 1024 })));
        await hold(ctx.holdMs / rounds);
      }
      return t.result();
    },
  },
  {
    name: 'endless-buffered-sse',
    what: 'endless SSE streams of 64 KiB events every 10 ms through buffer mode=until-end, read as they come',
    against: ['proxy'],
    async run(ctx) {
      const t = new Tally();
      const received = new Map<net.Socket, number>();
      const firstBytes: Promise<void>[] = [];
      for (let i = 0; i < ctx.n(2, 8); i++) {
        const s = await ctx.sockets.connect(ctx.port);
        if (!s) continue;
        s.on('error', () => undefined);
        received.set(s, 0);
        s.on('data', (d: Buffer) => received.set(s, received.get(s)! + d.length));
        firstBytes.push(new Promise((r) => s.once('data', () => r())));
        s.write(httpGet('/sse?intervalMs=10&payloadBytes=65536'));
      }
      // until-end holds each stream until the hold limit (8 MiB, over a second at this rate) lets it flow.
      // (with a deadline that is cleared: a pending 20 s timer kept jest from exiting)
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(firstBytes), new Promise<void>((r) => (deadline = setTimeout(r, 20_000)))]);
      clearTimeout(deadline);
      await hold(ctx.holdMs);
      const readers = [...received.keys()];
      for (const s of readers) t.add(received.get(s)! > 0 ? 'streamed on past the hold limit' : 'nothing arrived');
      for (const s of readers) s.destroy();
      return t.result();
    },
  },
  {
    name: 'cache-fill',
    what: 'distinct 8 MB polls through the cache, each stored for 120 s',
    against: ['cache'],
    async run(ctx) {
      const t = new Tally();
      const tag = randomBytes(3).toString('hex');
      await pool(ctx.n(24, 400), 4, async (i) =>
        t.add(await rawExchange(ctx.sockets, ctx.port, httpGet(`/poll?channel=c${tag}-${i}&count=1&payloadBytes=8000000`), { readMs: 10_000, maxBytes: 8_100_000 })),
      );
      return t.result();
    },
  },
];
