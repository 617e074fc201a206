import { randomBytes } from 'node:crypto';
import { closeFrame, FrameGuard, parseFrameHead, type FrameHead } from '../../../../src/proxy/simulated/ws-frames';

/** One RFC 6455 frame, masked like a client's. */
function frame(opcode: number, payload: Buffer, fin = true, masked = true): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? Buffer.from([len]) : len < 65536 ? Buffer.from([126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([127]), bigLen(len)]);
  lenBytes[0] |= masked ? 0x80 : 0;
  const head = Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode]), lenBytes]);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([head, key, body]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Feeds `input` in pieces of `step` bytes; resolves with the output and any violation. */
function run(input: Buffer, step: number, maxBytes: number, per: 'frame' | 'message'): Promise<{ out: Buffer; violation?: { head: FrameHead; size: number } }> {
  return new Promise((resolve) => {
    let violation: { head: FrameHead; size: number } | undefined;
    const guard = new FrameGuard({ maxBytes, per, enforce: true }, (head, size) => (violation = { head, size }));
    const out: Buffer[] = [];
    guard.on('data', (d: Buffer) => out.push(d));
    guard.on('end', () => resolve({ out: Buffer.concat(out), violation }));
    for (let i = 0; i < input.length; i += step) guard.write(input.subarray(i, i + step));
    guard.end();
  });
}

describe('FrameGuard', () => {
  const small = frame(0x1, Buffer.from('hello'));
  const medium = frame(0x2, Buffer.alloc(300, 7)); // 16-bit length
  const large = frame(0x2, Buffer.alloc(70_000, 9)); // 64-bit length
  const ping = frame(0x9, Buffer.from('p'));

  it.each([1, 3, 7, 1024])('forwards frames within the limit unchanged, fed %i byte(s) at a time', async (step) => {
    const input = Buffer.concat([small, medium, ping, large]);
    const { out, violation } = await run(input, step, 100_000, 'frame');
    expect(violation).toBeUndefined();
    expect(out.equals(input)).toBe(true);
  });

  it.each([1, 5, 4096])('stops before the first oversized frame, fed %i byte(s) at a time', async (step) => {
    const input = Buffer.concat([small, medium, large, small]);
    const { out, violation } = await run(input, step, 1000, 'frame');
    expect(violation?.size).toBe(70_000);
    expect(violation?.head).toMatchObject({ opcode: 0x2, masked: true, payloadBytes: 70_000 });
    expect(out.equals(Buffer.concat([small, medium]))).toBe(true);
  });

  it('sums continuation frames per message, not counting interleaved control frames', async () => {
    const parts = [frame(0x2, Buffer.alloc(400), false), ping, frame(0x0, Buffer.alloc(400), false), frame(0x0, Buffer.alloc(400), true)];
    const input = Buffer.concat(parts);
    expect((await run(input, 2, 1000, 'frame')).violation).toBeUndefined();
    const { out, violation } = await run(input, 2, 1000, 'message');
    expect(violation?.size).toBe(1200);
    expect(out.equals(Buffer.concat(parts.slice(0, 3)))).toBe(true);
  });

  it('injects a close frame only at a frame boundary', async () => {
    const guard = new FrameGuard({ maxBytes: 0, per: 'frame', enforce: false }, () => {});
    const out: Buffer[] = [];
    guard.on('data', (d: Buffer) => out.push(d));
    const ended = new Promise((resolve) => guard.on('end', resolve));
    const f = frame(0x1, Buffer.alloc(200, 1), true, false);
    guard.write(f.subarray(0, 50)); // mid-frame
    const last = closeFrame(1009, 'message too big', false);
    guard.finishAtBoundary(last);
    guard.write(f.subarray(50)); // completes the frame, then the close frame follows
    guard.write(frame(0x1, Buffer.from('dropped'), true, false));
    await ended;
    expect(Buffer.concat(out).equals(Buffer.concat([f, last]))).toBe(true);
  });

  it('builds close frames that parse back', () => {
    const masked = closeFrame(1001, 'going away', true);
    const head = parseFrameHead(masked);
    expect(head).toMatchObject({ fin: true, opcode: 0x8, masked: true, payloadBytes: 12, headBytes: 6 });
    const plain = closeFrame(1009, 'x', false);
    expect(plain.readUInt16BE(2)).toBe(1009);
  });
});
