/**
 * SockJS's server (the `sockjs` package) at /sockjs: every connection is fed
 * its channel as messages, the same JSON text as /ws sends. SockJS tries
 * WebSocket first and falls back to streaming and polling transports over
 * plain HTTP; the server knows which one a session ended on. Its iframe
 * transports load sockjs-client from `sockjs_url`, which points at the copy
 * the origin serves (/_lib/sockjs.min.js), never a CDN.
 * https://github.com/sockjs/sockjs-node#server-class
 */
import fs from 'node:fs';
import sockjs from 'sockjs';
import { followFeed, type LibraryServer } from './library';

/** Outside /sockjs: everything under it is the SockJS protocol's. */
export const SOCKJS_CLIENT_PATH = '/_lib/sockjs.min.js';

let script: Buffer | undefined;

/** sockjs-client's browser build, served by the origin for pages that use it. */
function clientScript(): Buffer {
  script ??= fs.readFileSync(require.resolve('sockjs-client/dist/sockjs.min.js'));
  return script;
}

export const sockJs: LibraryServer = {
  id: 'sockjs',
  prefix: '/sockjs',
  assets: { [SOCKJS_CLIENT_PATH]: { type: 'application/javascript; charset=utf-8', read: clientScript } },
  mount(host) {
    const server = sockjs.createServer({ prefix: '/sockjs', sockjs_url: SOCKJS_CLIENT_PATH, log: () => undefined, disconnect_delay: 5000 });
    const open = new Set<sockjs.Connection>();
    server.on('connection', (conn) => {
      if (!conn) return;
      open.add(conn);
      const url = new URL(conn.url, 'http://origin.invalid');
      const feed = host.feed(url.searchParams, { headers: conn.headers, url: conn.url });
      if (!feed.ok) {
        conn.close(String(4000 + Math.min(999, feed.status)), feed.error.slice(0, 120));
        return;
      }
      const stop = followFeed(
        feed,
        (text) => conn.write(text),
        () => conn.close('1000', 'done'),
      );
      conn.on('close', () => {
        open.delete(conn);
        stop();
      });
    });
    server.installHandlers(host.server, { prefix: '/sockjs' });
    return {
      prefix: '/sockjs',
      close: async () => {
        for (const c of open) c.close('1001', 'origin shutting down');
        open.clear();
      },
    };
  },
};
