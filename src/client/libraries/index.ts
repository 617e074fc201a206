/** The libraries' clients, one per library (src/origin/libraries mounts their servers). */
import type { Library } from '../../vocabulary';
import type { LibraryClient } from './library';
import { sockJsClient } from './sockjs';
import { socketIoClient } from './socket-io';

export const LIBRARY_CLIENTS: Record<Library, LibraryClient> = {
  'socket.io': socketIoClient,
  sockjs: sockJsClient,
};

export type { LibraryClient, LibraryRunOptions } from './library';
