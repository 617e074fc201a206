/**
 * The real-time libraries the origin can mount beside its four transports
 * (`--libraries socket.io,sockjs`). Adding one is a file in this folder and
 * one entry here; its id joins LIBRARIES (src/vocabulary.ts). Each is loaded
 * when first mounted: an origin without libraries does not pay for them.
 */
import type { Library } from '../../vocabulary';
import type { LibraryServer } from './library';

const LOADERS: Record<Library, () => LibraryServer> = {
  'socket.io': () => (require('./socket-io') as typeof import('./socket-io')).socketIo,
  sockjs: () => (require('./sockjs') as typeof import('./sockjs')).sockJs,
};

export function libraryServer(id: Library): LibraryServer {
  return LOADERS[id]();
}

export type { LibraryHost, LibraryServer, MountedLibrary, Feed } from './library';
