import { UnreadLedger } from '../../../src/origin/backpressure';

const MiB = 1024 * 1024;

describe('UnreadLedger', () => {
  it('cuts a reader past its own limit', () => {
    const l = new UnreadLedger({ maxUnreadBytes: 4 * MiB, maxUnreadTotalBytes: 100 * MiB, sendTimeoutMs: 60_000 });
    const r = {};
    l.add(r);
    expect(l.afterWrite(r, 4 * MiB)).toBeUndefined();
    expect(l.afterWrite(r, 5 * MiB)).toMatch(/5242880 bytes written and not taken, at most 4194304 \(--max-unread-mib\)/);
  });

  it('over the shared limit cuts the readers furthest behind, never one that keeps up', () => {
    const l = new UnreadLedger({ maxUnreadBytes: 32 * MiB, maxUnreadTotalBytes: 10 * MiB, sendTimeoutMs: 60_000 });
    const slow = [{}, {}, {}];
    const keepsUp = {};
    for (const r of [...slow, keepsUp]) l.add(r);
    for (const r of slow) l.note(r, 4 * MiB);
    expect(l.unreadBytes).toBe(12 * MiB);
    expect(l.afterWrite(keepsUp, 0)).toBeUndefined();
    expect(l.afterWrite(keepsUp, 64 * 1024)).toBeUndefined();
    expect(l.afterWrite(slow[0]!, 5 * MiB)).toMatch(/all slow readers together hold .* \(--max-unread-total-mib\)/);
  });

  it('forgets a reader that is gone, and ignores its late flush callbacks', () => {
    const l = new UnreadLedger({ maxUnreadBytes: 32 * MiB, maxUnreadTotalBytes: 10 * MiB, sendTimeoutMs: 60_000 });
    const r = {};
    l.add(r);
    l.note(r, 3 * MiB);
    l.remove(r);
    l.note(r, 1 * MiB);
    expect(l.unreadBytes).toBe(0);
  });

  it('a flushed write brings the total down', () => {
    const l = new UnreadLedger({ maxUnreadBytes: 32 * MiB, maxUnreadTotalBytes: 10 * MiB, sendTimeoutMs: 60_000 });
    const r = {};
    l.add(r);
    l.afterWrite(r, 2 * MiB);
    l.note(r, 0);
    expect(l.unreadBytes).toBe(0);
  });
});

describe('the send timeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('cuts a reader with bytes waiting that takes none of them for sendTimeoutMs, and only that one', () => {
    const l = new UnreadLedger({ maxUnreadBytes: 32 * MiB, maxUnreadTotalBytes: 96 * MiB, sendTimeoutMs: 1_000 });
    const cuts: string[] = [];
    const [stuck, reading, idle] = [{}, {}, {}];
    l.add(stuck, (why) => cuts.push(`stuck: ${why}`));
    l.add(reading, (why) => cuts.push(`reading: ${why}`));
    l.add(idle, (why) => cuts.push(`idle: ${why}`));
    l.afterWrite(stuck, 4096);
    for (let t = 0; t < 2_000; t += 100) {
      l.afterWrite(reading, 4096);
      jest.advanceTimersByTime(100);
      l.note(reading, 0); // flushed
    }
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatch(/^stuck: 4096 bytes waiting and none taken for 1\.\d s, at most 1 s \(--send-timeout\)$/);
    l.close();
  });
});
