/**
 * A real-time library's server mounted on the origin at its usual path, fed
 * by the same channels as the four transports: a client names the scenario
 * in the query of its handshake (channel, count, intervalMs, payloadBytes,
 * since, probe), and every event goes to it as the same JSON text as a
 * WebSocket message. One file per library in this folder, registered in
 * index.ts.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Backlog, Channel, OriginEvent } from '../channel';
import type { ScenarioParams } from '../params';

/** What a library's connection gets from the origin: its channel's events from its cursor, or why not. */
export type Feed = { ok: true; ch: Channel; backlog: Backlog; params: ScenarioParams; release: () => void } | { ok: false; status: number; error: string };

export interface LibraryHost {
  server: HttpServer | HttpsServer;
  /** the channel a handshake's query asks for (the origin's budgets checked), recorded under its probe id */
  feed(query: URLSearchParams, req: { headers: Record<string, string | string[] | undefined>; url?: string; httpVersion?: string }): Feed;
  log: (line: string) => void;
}

export interface MountedLibrary {
  /** the path prefix the library answers under; the origin leaves these requests and upgrades to it */
  prefix: string;
  close(): Promise<void>;
}

export interface LibraryServer {
  /** the library's name, as users know it */
  id: string;
  /** its usual mount path */
  prefix: string;
  /** files the origin serves for it outside its prefix (its browser client), by path */
  assets?: Record<string, { type: string; read: () => Buffer }>;
  mount(host: LibraryHost): MountedLibrary;
}

/** Follows a feed into `send` until `stop` is called or the schedule ends (then `done`). */
export function followFeed(feed: Extract<Feed, { ok: true }>, send: (text: string) => void, done: () => void): () => void {
  let stopped = false;
  const unsubscribe = feed.ch.follow(
    feed.backlog,
    (e: OriginEvent) => {
      if (!stopped) send(e.joined.toString('utf8'));
    },
    () => {
      if (!stopped && feed.params.closeWhenDone) setImmediate(done);
    },
  );
  return () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    feed.release();
  };
}
