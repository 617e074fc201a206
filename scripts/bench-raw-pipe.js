#!/usr/bin/env node
/**
 * The floor of any Node.js proxy, for `npm run bench -- --proxy`: a TCP relay
 * that pipes each client connection to the target and back, with no HTTP
 * parsing, no faults, nothing else. Prints `listening on http://HOST:PORT`.
 * Usage: node scripts/bench-raw-pipe.js <target-port>
 */
'use strict';
const net = require('node:net');

const targetPort = Number(process.argv[2]);
if (!Number.isInteger(targetPort) || targetPort <= 0) {
  console.error('bench-raw-pipe: expected the target port as the only argument');
  process.exit(2);
}
const server = net.createServer((client) => {
  const upstream = net.connect(targetPort, '127.0.0.1');
  for (const s of [client, upstream]) s.setNoDelay(true);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.once('SIGTERM', () => process.exit(0));
