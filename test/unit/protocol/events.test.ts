import { encodeEvent, eventJson, makePayload, parseEvent, payloadIntact } from '../../../src/protocol/events';

describe('encodeEvent', () => {
  it.each([0, 1, 2, 3, 4, 5, 16, 49, 50, 51, 1000, 65_537])('is byte for byte eventJson with makePayload (%i payload bytes)', (bytes) => {
    for (const seq of [1, 9, 10, 12345]) {
      const stamp = { seq, offsetMs: 500.2, emittedAt: 1_764_250_000_000 };
      expect(Buffer.concat(encodeEvent('c-1', stamp, bytes)).toString('latin1')).toBe(eventJson('c-1', { ...stamp, payload: makePayload(bytes, seq) }));
    }
  });

  it('shares one fill between events, whatever their size, and never lets one event change another', () => {
    const small = encodeEvent('a', { seq: 1, offsetMs: 0, emittedAt: 0 }, 100);
    const big = encodeEvent('a', { seq: 2, offsetMs: 0, emittedAt: 0 }, 300_000);
    const again = encodeEvent('a', { seq: 3, offsetMs: 0, emittedAt: 0 }, 100);
    expect(again[1]!.buffer).toBe(big[1]!.buffer);
    expect(Buffer.concat(small).toString()).toBe(eventJson('a', { seq: 1, offsetMs: 0, emittedAt: 0, payload: makePayload(100, 1) }));
    expect(Buffer.concat(big).toString()).toBe(eventJson('a', { seq: 2, offsetMs: 0, emittedAt: 0, payload: makePayload(300_000, 2) }));
  });

  it('makes a payload a client finds intact', () => {
    const wire = Buffer.concat(encodeEvent('ch', { seq: 7, offsetMs: 0, emittedAt: 0 }, 10_000)).toString();
    const e = JSON.parse(wire) as { payload: string };
    expect(payloadIntact(e.payload, 10_000, 7)).toBe(true);
    expect(parseEvent(wire, 10_000)).toMatchObject({ seq: 7, bytes: Buffer.byteLength(wire), intact: true });
  });
});
