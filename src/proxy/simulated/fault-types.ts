/**
 * The vocabulary of simulated-proxy faults.
 *
 * A fault is data plus one behaviour (toxiproxy's "toxics", mockttp's
 * definition/impl split): a serialisable definition with a JSON Schema for its
 * parameters and an `explain()` sentence, and a `create()` that returns the
 * runtime hooks.
 *
 * Faults form a stack, listed from the client's side to the origin's side, as
 * if each one were a proxy in a chain (node-http-proxy's ordered "passes",
 * Koa's onion):
 *
 *   client ──▶ faults[0] ──▶ faults[1] ──▶ … ──▶ faults[n-1] ──▶ origin
 *   client ◀── faults[0] ◀── faults[1] ◀── … ◀── faults[n-1] ◀── origin
 *
 * Requests (and WebSocket handshakes) meet the `request` hooks first to last;
 * responses meet the `response` hooks last to first; an upgraded tunnel gets
 * one transform per fault and direction, chained in that same spatial order.
 * A fault that answers by itself (a cache hit, a 504) answers *at its level*:
 * only the faults on the client side of it see the answer.
 */
import type { Agent, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import type { SchemaObject } from 'ajv';

/** A JSON Schema (draft-07, as ajv 8 reads it). */
export type JSONSchema = SchemaObject;

/**
 * How a fault ends a connection it has decided to end:
 * - `close`: FIN, like nginx after a timeout once headers are sent;
 * - `reset`: TCP RST (SO_LINGER 0), the client sees ECONNRESET;
 * - `drop`: forward nothing more in either direction and close nothing, like a
 *   NAT entry or firewall flow that expired (AWS Network Firewall: "data packets
 *   are dropped").
 */
export type CutHow = 'close' | 'reset' | 'drop';

/** A response a fault makes itself: an error page, a refusal, a cached copy. */
export interface Answer {
  status: number;
  statusMessage?: string;
  /** lower-case names */
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer | Readable;
}

/** The head of a response on its way to the client; faults may edit it in place. */
export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** lower-case names; hop-by-hop headers are already removed (RFC 7230 §6.1) */
  headers: OutgoingHttpHeaders;
  /**
   * false (default): the head moves on as soon as this fault's hook returns.
   * true: it waits at this fault until the first body bytes have left it (a
   * proxy that buffers the whole response, head included); the faults on the
   * client side, and the client, see it only then.
   */
  holdHead: boolean;
}

/** A response passing back through the stack toward the client. */
export interface PassingResponse {
  readonly head: ResponseHead;
  /** the origin's 101 to a WebSocket handshake: no body; a tunnel follows */
  readonly upgraded: boolean;
  /** false for 101, HEAD, 204 and 304 answers */
  readonly hasBody: boolean;
  /** 'origin', 'proxy' (the simulated proxy's own 502) or the name of the fault that made it */
  readonly source: string;
  /** method and URL of the request it answers */
  readonly method: string;
  /**
   * Adds a transform to the body, on the client side of those added so far.
   * Ignored when there is no body.
   */
  pipeBody(transform: Transform): void;
}

/** One request (or WebSocket handshake) as one fault sees it. */
export interface Exchange {
  /** sequential per proxy, from 1 */
  readonly id: number;
  readonly req: IncomingMessage;
  readonly clientSocket: Socket;
  /** Date.now() when the request head arrived */
  readonly startedAt: number;
  readonly method: string;
  /** the request target as the client sent it (path and query) */
  readonly url: string;
  /**
   * Headers that will be sent upstream: the request's own header object,
   * edited in place. Names are lower-case.
   */
  readonly headers: IncomingHttpHeaders;
  /**
   * true while this is a WebSocket (or other Upgrade) handshake that will be
   * forwarded as one. A fault that clears it turns the handshake into a plain
   * HTTP request from its level on (strip-upgrade, http10).
   */
  upgrade: boolean;
  /** the origin this request goes to; targets[0] unless a fault picks another */
  target: URL;
  /** every origin the proxy was started with */
  readonly targets: readonly URL[];
  /** the http.Agent used upstream: the proxy's keep-alive agent for plain requests; undefined = a fresh connection with `Connection: close` */
  agent: Agent | undefined;
  /** true once a response head has reached this fault: it can no longer answer */
  readonly headPassed: boolean;
  /** true once the exchange is over (answered, cut, or the client went away) */
  readonly ended: boolean;
  /** true after a cut: nothing should be forwarded any more */
  readonly wasCut: boolean;
  /** Replaces the request body sent upstream (e.g. a buffered copy). */
  replaceRequestBody(body: Readable): void;
  /** Adds a transform to the request body, on the origin side of those added so far. */
  pipeRequestBody(transform: Transform): void;
  /**
   * Answers the client at this fault's level: the upstream side is abandoned
   * and only the faults on the client side of this one see the answer.
   * Returns false (and does nothing) when a response head has already passed.
   */
  respond(answer: Answer): boolean;
  /** Ends the client connection (and the upstream one), see CutHow. */
  cut(how: CutHow): void;
  /** setTimeout that is cleared when the exchange ends; returns a cancel function. */
  timer(ms: number, fn: () => void): () => void;
  /** Resolves after `ms`; never resolves if the exchange ends first (the hook is simply abandoned). */
  delay(ms: number): Promise<void>;
  /** Runs once when the exchange ends (timers, counters). */
  onEnd(fn: () => void): void;
  /** A line for the proxy's log (what the fault did, when it matters: a limit reached). */
  log(line: string): void;
}

/** Transforms one fault adds to an upgraded tunnel. */
export interface TunnelTransforms {
  /** bytes from the origin on their way to the client */
  toClient?: Transform;
  /** bytes from the client on their way to the origin */
  toOrigin?: Transform;
}

export type RequestOutcome = void | Answer | undefined;

/**
 * The runtime part of one fault in one running proxy: an ordered set of small
 * hooks. `create()` is called once per proxy, so state shared between
 * exchanges (counters, caches, round-robin position) lives in the closure.
 * Every hook is optional; a hook that throws makes the proxy answer 502.
 */
export interface FaultBehaviour {
  /** A request or WebSocket handshake passes this fault toward the origin. Return an Answer to answer it here. */
  request?(ex: Exchange): RequestOutcome | Promise<RequestOutcome>;
  /** A response head passes this fault toward the client. Edit `res.head`, add body transforms. */
  response?(ex: Exchange, res: PassingResponse): void | Promise<void>;
  /** A 101 passed every fault and the tunnel opens: add per-direction transforms. */
  tunnel?(ex: Exchange): TunnelTransforms | void;
  /** The proxy is closing. */
  close?(): void;
}

/** A fault type: its name, parameter schema, explanation and runtime factory. */
export interface FaultDefinition<P> {
  /** kebab-case, e.g. 'idle-timeout' */
  name: string;
  /** one line for docs and `pushthrough setups` */
  summary: string;
  /** JSON Schema (draft-07) of the params: typed, unit in each name, defaults, additionalProperties false */
  paramsSchema: JSONSchema;
  /** one sentence for given params (defaults applied), e.g. "closes the connection after 2000 ms without bytes" */
  explain(params: P): string;
  /** the runtime part, for params that passed the schema (defaults applied) */
  create(params: P): FaultBehaviour;
}
