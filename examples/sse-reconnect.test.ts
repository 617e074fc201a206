/**
 * Does my SSE client survive an idle timeout without losing anything?
 *
 * A tiny SSE app that sends a tick every 1.5 s, behind the built-in
 * `idle-timeout` setup (a proxy that closes a stream after 1 s without
 * bytes). EventSource is cut between ticks, reconnects, sends Last-Event-ID,
 * and the app resumes after it: every tick arrives once, in order.
 */
import { EventSource } from 'eventsource';
import { startProxy, type RunningProxy } from 'pushthrough';
import { startPlainApp, type PlainApp } from './plain-app';

let app: PlainApp;
let proxy: RunningProxy;
beforeAll(async () => {
  app = await startPlainApp({ tickMs: 1_500 });
  proxy = await startProxy({ setup: 'idle-timeout', target: app.url });
});
afterAll(async () => {
  await proxy.close();
  await app.close();
});

it('EventSource is cut by the idle timeout, reconnects with Last-Event-ID and loses nothing', async () => {
  const ticks: number[] = [];
  let opened = 0;
  const es = new EventSource(`${proxy.url}/events`);
  es.onopen = () => (opened += 1);
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`only ${ticks.length} ticks in 20 s: ${ticks.join(', ')}`)), 20_000);
      es.onmessage = (e) => {
        ticks.push(Number(e.lastEventId));
        if (ticks.length === 5) {
          clearTimeout(deadline);
          resolve();
        }
      };
    });
  } finally {
    es.close();
  }
  const first = ticks[0]!;
  expect(ticks).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
  // Each silence between ticks was cut, and the client came back each time.
  expect(opened).toBeGreaterThanOrEqual(4);
  const cuts = proxy.logs().filter((l) => / GET \/events → 200 .*idle-timeout: /.test(l));
  expect(cuts.length).toBeGreaterThanOrEqual(3);
  expect(cuts[0]).toMatch(/ · idle-timeout: no bytes for 1 s; idle-timeout: closed the connection after \d+(\.\d)? (ms|s)$/);
}, 30_000);
