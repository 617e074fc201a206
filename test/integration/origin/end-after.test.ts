/**
 * `endAfter` ends a stream after that event even when the reader comes late
 * and the channel's backlog already holds later ones: a busy machine must not
 * turn the resume check's cut into a stream that never ends (measured: under
 * a loaded matrix the sticky setup's resume check saw all 6 events on one
 * connection, graded no-resume). The reconnect after that end still gets the rest.
 */
import WebSocket from 'ws';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { until } from '../../helpers/until';

let origin: RunningOrigin;
beforeAll(async () => {
  origin = await startOrigin({ port: 0 });
});
afterAll(() => origin.close());

/** A channel whose 6 events have all been emitted already. */
async function channelWithAllSixEmitted(name: string): Promise<void> {
  await until(async () => {
    const body = (await (await fetch(`${origin.url}/poll?channel=${name}&count=6&intervalMs=10`)).json()) as { last?: number };
    return body.last === 6;
  }, 5000);
}

it('SSE: a late reader gets events 1 to 3 and the end, not 4 to 6', async () => {
  await channelWithAllSixEmitted('late-sse');
  const text = await (await fetch(`${origin.url}/sse?channel=late-sse&count=6&intervalMs=10&endAfter=3`, { signal: AbortSignal.timeout(5000) })).text();
  expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3]);
});

it('WebSocket: a late reader gets events 1 to 3 and a close, not 4 to 6', async () => {
  await channelWithAllSixEmitted('late-ws');
  const ws = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?channel=late-ws&count=6&intervalMs=10&endAfter=3`);
  const seqs: number[] = [];
  ws.on('message', (m) => seqs.push((JSON.parse(String(m)) as { seq: number }).seq));
  const code = await new Promise<number>((resolve, reject) => {
    ws.on('close', (c) => resolve(c));
    ws.on('error', reject);
  });
  expect(code).toBe(1000);
  expect(seqs).toEqual([1, 2, 3]);
});

it('the reconnect after that end (Last-Event-ID or since past endAfter) is not ended by it: it gets the rest', async () => {
  await channelWithAllSixEmitted('after-end');
  const text = await (await fetch(`${origin.url}/sse?channel=after-end&count=6&intervalMs=10&endAfter=3&close=1`, { headers: { 'Last-Event-ID': '3' }, signal: AbortSignal.timeout(5000) })).text();
  expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([4, 5, 6]);
  const ws = new WebSocket(`${origin.url.replace('http', 'ws')}/ws?channel=after-end&count=6&intervalMs=10&endAfter=3&since=3&close=1`);
  const seqs: number[] = [];
  ws.on('message', (m) => seqs.push((JSON.parse(String(m)) as { seq: number }).seq));
  await new Promise<void>((resolve, reject) => {
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  expect(seqs).toEqual([4, 5, 6]);
});
