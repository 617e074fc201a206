/**
 * Socket.IO's server (the `socket.io` package) at /socket.io/, its usual
 * path: every connection is fed its channel as `event` messages, the same
 * JSON text as /ws sends. Its defaults are left as they are (polling first,
 * then the upgrade to WebSocket; pingInterval 25 s), because those are what
 * an app that uses it meets on the path. It also serves its own browser
 * client at /socket.io/socket.io.js (serveClient), which the field page loads
 * from the origin and nowhere else.
 * https://socket.io/docs/v4/server-options/
 */
import { Server } from 'socket.io';
import { followFeed, type LibraryServer } from './library';

export const socketIo: LibraryServer = {
  id: 'socket.io',
  prefix: '/socket.io/',
  mount(host) {
    // destroyUpgrade: false — upgrades to other paths (/ws, SockJS) belong to their own handlers.
    const io = new Server(host.server, { path: '/socket.io/', serveClient: true, destroyUpgrade: false, maxHttpBufferSize: 1e6 });
    io.on('connection', (socket) => {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(socket.handshake.query)) if (typeof v === 'string') query.set(k, v);
      const feed = host.feed(query, socket.request);
      if (!feed.ok) {
        // What the app would see: a message naming the refusal, then the server closing the session.
        socket.emit('refused', { status: feed.status, error: feed.error });
        socket.disconnect(true);
        return;
      }
      const stop = followFeed(
        feed,
        (text) => socket.emit('event', text),
        () => socket.disconnect(true),
      );
      socket.on('disconnect', stop);
    });
    return {
      prefix: '/socket.io/',
      close: () =>
        new Promise<void>((resolve) => {
          // Closes the sessions only: the HTTP server is the origin's to close.
          io.disconnectSockets(true);
          io.engine.close();
          resolve();
        }),
    };
  },
};
