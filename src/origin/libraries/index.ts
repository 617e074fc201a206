/**
 * The real-time libraries the origin can mount beside its four transports
 * (`--libraries socket.io,sockjs`). Adding one is a file in this folder and
 * one entry here; its id joins LIBRARIES (src/vocabulary.ts).
 */
import type { Library } from '../../vocabulary';
import type { LibraryServer } from './library';
import { sockJs } from './sockjs';
import { socketIo } from './socket-io';

export const LIBRARY_SERVERS: Record<Library, LibraryServer> = {
  'socket.io': socketIo,
  sockjs: sockJs,
};

export type { LibraryHost, LibraryServer, MountedLibrary, Feed } from './library';
