/**
 * An origin started with --token: every probe of every transport passes, and
 * the token never appears in a request line — it travels in the
 * X-Pushthrough-Token header, so intermediaries' access logs never see it.
 * A TCP relay between client and origin records every byte the clients send.
 */
import net from 'node:net';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { DEFAULT_PROBE_OPTIONS, gradeTransport, probeTransport } from '../../../src/checks';
import { closeAgents } from '../../../src/client/http';
import { TRANSPORTS } from '../../../src/observation/types';
import { listen } from '../../../src/util/net';

const TOKEN = 'tok-9f8e7d6c5b4a';
let origin: RunningOrigin;
let relay: net.Server;
let relayUrl: string;
const sent: Buffer[] = [];
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  origin = await startOrigin({ port: 0, token: TOKEN });
  relay = net.createServer((client) => {
    const upstream = net.connect(origin.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (d: Buffer) => sent.push(d));
    client.pipe(upstream).pipe(client);
  });
  relayUrl = `http://127.0.0.1:${await listen(relay, 0, '127.0.0.1')}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => relay.close(r));
  await origin.close();
  await closeAgents();
});

const options = { ...DEFAULT_PROBE_OPTIONS, idleMs: 1000, holdMs: 1000 };

it('every transport passes with the token in a header, and no request line carries it', async () => {
  for (const transport of TRANSPORTS) {
    const observations = await probeTransport({ target: { baseUrl: relayUrl, token: TOKEN }, transport, options });
    const cell = gradeTransport(transport, observations);
    expect([transport, cell.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`)]).toEqual([transport, []]);
  }
  const text = Buffer.concat(sent).toString('latin1');
  const requestLines = text.match(/^(GET|POST|PUT|HEAD|OPTIONS) \S+ HTTP\/1\.1$/gm) ?? [];
  expect(requestLines.length).toBeGreaterThan(10);
  expect(requestLines.filter((l) => l.includes(TOKEN))).toEqual([]);
  expect(text.match(/^x-pushthrough-token: .*$/gim)?.length).toBeGreaterThan(10);
});
