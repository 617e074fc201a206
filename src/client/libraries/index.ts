/**
 * The libraries' clients, one per library (src/origin/libraries mounts their
 * servers), each loaded when first used.
 */
import type { Library } from '../../vocabulary';
import type { LibraryClient } from './library';

const LOADERS: Record<Library, () => LibraryClient> = {
  'socket.io': () => (require('./socket-io') as typeof import('./socket-io')).socketIoClient,
  sockjs: () => (require('./sockjs') as typeof import('./sockjs')).sockJsClient,
};

export function libraryClient(id: Library): LibraryClient {
  return LOADERS[id]();
}

export type { LibraryClient, LibraryRunOptions } from './library';
