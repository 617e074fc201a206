/**
 * GatedPipe, the last hop of every tunnel, and Gate, the last of every body, between real loopback sockets: it
 * forwards everything in order and ends as its source ends, and it never
 * holds the event loop for more than TURN_BYTES of one direction. Without
 * that, libuv reads a socket with data waiting up to 32 × 64 KiB in one go, and
 * 24 bulk tunnels held the simulated proxy's loop for 160 ms at a time.
 */
import net from 'node:net';
import { Gate, GatedPipe, TURN_BYTES } from '../../../../src/proxy/simulated/streams';

const open: net.Socket[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A connected pair of loopback sockets: [the client end, the server end]. */
async function pair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  const other = await accepted;
  open.push(client, other);
  return [client, other];
}

/**
 * Writes 16 MiB into `from`'s peer at once, joins `from` to `to` with `join`,
 * and returns what arrived at `to`'s peer and the most bytes `from` gave up
 * between two turns of the event loop (a setImmediate chain).
 */
async function measure(join: (from: net.Socket, to: net.Socket) => Promise<unknown>): Promise<{ intact: boolean; mostInOneTurn: number; largestChunk: number; joined: unknown }> {
  const [writer, from] = await pair();
  const [to, reader] = await pair();
  const total = 16 * 1024 * 1024;
  const data = Buffer.alloc(total);
  for (let i = 0; i < total; i += 4) data.writeUInt32BE(i, i);
  const joined = join(from, to);
  let sinceTurn = 0;
  let mostInOneTurn = 0;
  let largestChunk = 0;
  from.on('data', (c: Buffer) => {
    sinceTurn += c.length;
    largestChunk = Math.max(largestChunk, c.length);
  });
  let turning = true;
  const turn = (): void => {
    mostInOneTurn = Math.max(mostInOneTurn, sinceTurn);
    sinceTurn = 0;
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  const got: Buffer[] = [];
  reader.on('data', (c: Buffer) => got.push(c));
  const ended = new Promise((r) => reader.once('end', r));
  writer.end(data);
  await ended;
  turning = false;
  return { intact: Buffer.concat(got).equals(data), mostInOneTurn, largestChunk, joined: await joined };
}

it('GatedPipe forwards 16 MiB in order, in turns of at most TURN_BYTES (plus the chunk that crossed it), then ends', async () => {
  const r = await measure((from, to) => new Promise<Error | undefined>((done) => new GatedPipe(from, to, done)));
  expect(r.intact).toBe(true);
  expect(r.joined).toBeUndefined();
  expect(r.mostInOneTurn).toBeGreaterThan(0);
  expect(r.mostInOneTurn).toBeLessThanOrEqual(TURN_BYTES + r.largestChunk);
}, 30_000);

it('a body piped through a Gate moves in turns of at most TURN_BYTES plus what the pipe buffers', async () => {
  const r = await measure(async (from, to) => from.pipe(new Gate()).pipe(to));
  expect(r.intact).toBe(true);
  // The gate holds its callback for a turn; the pipe into it stops at the
  // gate's high-water mark, so at most one chunk more and that mark arrive.
  expect(r.mostInOneTurn).toBeLessThanOrEqual(TURN_BYTES + 2 * r.largestChunk + 16 * 1024);
}, 30_000);
