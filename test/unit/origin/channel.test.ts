import { Channel, ChannelRegistry, EventsGone, SharedBudget, TooManyChannels } from '../../../src/origin/channel';

// Fake timers fake performance.now and Date.now too, so "time passes" is exact.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const ticker = { count: Infinity, intervalMs: 100, payloadBytes: 10 };

describe('Channel', () => {
  it('runs no timer while nobody is subscribed, and a poll catches up with every event due', () => {
    const ch = new Channel('a', ticker);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_050);
    const events = ch.since(0);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('dates a caught-up event at its due time, so a late reader sees its own delay', () => {
    const t0 = Date.now();
    const ch = new Channel('a', ticker);
    jest.advanceTimersByTime(1_000);
    const e5 = ch.since(4)[0]!;
    expect(e5.seq).toBe(5);
    expect(e5.offsetMs).toBe(400);
    expect(JSON.parse(e5.joined.toString()).emittedAt).toBe(t0 + 400);
  });

  it('runs its timer only while subscribed', () => {
    const ch = new Channel('a', ticker);
    const seen: number[] = [];
    const stop = ch.follow(ch.backlog(0), (e) => seen.push(e.seq));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(300);
    expect(seen).toEqual([1, 2, 3, 4]);
    stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('calls onDone when a finite schedule ends, and stops its timer', () => {
    const ch = new Channel('a', { count: 3, intervalMs: 100, payloadBytes: 1 });
    const done = jest.fn();
    ch.follow(ch.backlog(0), () => {}, done);
    jest.advanceTimersByTime(250);
    expect(done).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
    expect(ch.done).toBe(true);
  });

  it('keeps the newest events only, and says "gone" for older ones', () => {
    const ch = new Channel('a', ticker, { events: 5, bytes: 1_000 });
    jest.advanceTimersByTime(1_950); // 20 events due
    expect(ch.since(15).map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
    expect(() => ch.since(3)).toThrow(EventsGone);
    expect(() => ch.since(3)).toThrow(/the oldest kept is 16/);
  });

  it('follows from the backlog it granted, even once the ring has moved past it (the hostile suite crashed the origin here)', () => {
    const ch = new Channel('a', ticker, { events: 2, bytes: 1_000 });
    const granted = ch.backlog(0); // [1]
    jest.advanceTimersByTime(450); // 2..5 due; a catch-up keeps only 4 and 5
    expect(() => ch.since(0)).toThrow(EventsGone);
    const seen: number[] = [];
    const stop = ch.follow(granted, (e) => seen.push(e.seq));
    // What was granted, then what the ring still holds after it; never an exception.
    expect(seen).toEqual([1, 4, 5]);
    jest.advanceTimersByTime(100);
    expect(seen).toEqual([1, 4, 5, 6]);
    stop();
  });

  it('trims by bytes, but always keeps the newest event', () => {
    const ch = new Channel('a', { count: Infinity, intervalMs: 100, payloadBytes: 400 }, { events: 100, bytes: 1_000 });
    jest.advanceTimersByTime(950);
    expect(ch.since(ch.lastSeq - 2).map((e) => e.seq)).toEqual([9, 10]);
    const huge = new Channel('b', { count: 1, intervalMs: 100, payloadBytes: 5_000 }, { events: 100, bytes: 1_000 });
    expect(huge.since(0)).toHaveLength(1);
  });

  it('shares one byte budget between channels, each trimming its own oldest', () => {
    const shared = new SharedBudget(2_000);
    const a = new Channel('a', { count: Infinity, intervalMs: 100, payloadBytes: 100 }, { events: 1_000, bytes: 1_000_000, shared });
    const b = new Channel('b', { count: Infinity, intervalMs: 100, payloadBytes: 100 }, { events: 1_000, bytes: 1_000_000, shared });
    jest.advanceTimersByTime(2_950); // 30 events each: 6000 bytes asked, 2000 allowed
    a.since(a.lastSeq - 1);
    b.since(b.lastSeq - 1);
    expect(shared.used).toBeLessThanOrEqual(2_000);
    a.close();
    b.close();
    expect(shared.used).toBe(0);
  });
});

describe('ChannelRegistry', () => {
  const limits = { maxChannels: 2, idleMs: 1_000, history: { events: 100, bytes: 1_000_000 } };

  it('refuses a channel past the limit, and drops idle ones to make room', () => {
    const reg = new ChannelRegistry(limits);
    reg.get('a', ticker);
    reg.get('b', ticker);
    expect(() => reg.get('c', ticker)).toThrow(TooManyChannels);
    jest.advanceTimersByTime(1_600);
    expect(reg.get('c', ticker).id).toBe('c');
    reg.close();
  });

  it('keeps a subscribed channel however long it is idle', () => {
    const reg = new ChannelRegistry(limits);
    const ch = reg.get('a', ticker);
    const stop = ch.follow(ch.backlog(0), () => {});
    jest.advanceTimersByTime(5_000);
    expect(reg.has('a')).toBe(true);
    stop();
    jest.advanceTimersByTime(2_000);
    expect(reg.has('a')).toBe(false);
    reg.close();
  });

  it('hands out a private channel when none is named, and does not keep it', () => {
    const reg = new ChannelRegistry(limits);
    const ch = reg.get(undefined, ticker);
    expect(ch.id).toMatch(/^private-/);
    expect(reg.size).toBe(0);
    reg.close();
  });
});
