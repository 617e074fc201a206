/**
 * A plain app of the kind pushthrough is put in front of: node:http and `ws`,
 * no framework. It serves
 *
 *   GET /events   Server-Sent Events: a tick every 500 ms, resumable with Last-Event-ID
 *   GET /ws       a WebSocket that echoes what it gets and pushes the same ticks
 *   GET /         a line of text
 *
 * Run it alone with `node examples/plain-app.js` (PORT=3000 by default), or
 * start it from a test with startPlainApp().
 */
'use strict';
const http = require('node:http');
const { WebSocketServer } = require('ws');

/** @param {{ port?: number, tickMs?: number }} [opts] */
async function startPlainApp(opts = {}) {
  const tickMs = opts.tickMs ?? 500;
  const started = Date.now();
  // Tick n is due at n × tickMs: every client sees the same sequence, and can resume in it.
  const tickNow = () => Math.floor((Date.now() - started) / tickMs);
  const server = http.createServer((req, res) => {
    if (req.url && req.url.startsWith('/events')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('retry: 200\n\n');
      let sent = Number(req.headers['last-event-id'] ?? tickNow());
      const timer = setInterval(() => {
        for (const now = tickNow(); sent < now; ) {
          sent += 1;
          res.write(`id: ${sent}\ndata: tick ${sent}\n\n`);
        }
      }, tickMs / 5);
      req.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('a plain app: /events (SSE) and /ws (WebSocket)\n');
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    let sent = tickNow();
    const timer = setInterval(() => {
      for (const now = tickNow(); sent < now; ) ws.send(`tick ${++sent}`);
    }, tickMs / 5);
    ws.on('message', (data, binary) => ws.send(data, { binary }));
    ws.on('close', () => clearInterval(timer));
    ws.on('error', () => ws.terminate());
  });
  await new Promise((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startPlainApp };

if (require.main === module) {
  startPlainApp({ port: Number(process.env.PORT ?? 3000) }).then((app) => process.stdout.write(`plain app on ${app.url}\n`));
}
