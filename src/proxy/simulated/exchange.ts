/**
 * One request (or WebSocket handshake) through the fault stack.
 *
 *   request:   faults[0].request ─▶ … ─▶ faults[n-1].request ─▶ adapter.forward ─▶ origin
 *   response:  client ◀─ faults[0].response ◀─ … ◀─ faults[n-1].response ◀─ origin head
 *   tunnel:    after a 101 passed every fault, faults[i].tunnel adds transforms
 *
 * Levels: fault i sits at level i, the origin at level n. A response enters at
 * the level that made it (n for the origin or the proxy's own 502, i for a
 * fault's answer) and passes the response hooks of the levels below, down to
 * level -1, the client. `headLevel` records where the current head is, so a
 * fault can answer only while no head has reached it, and a newer answer
 * (generation) supersedes an older one still on its way.
 */
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Answer, CutHow, Exchange, FaultBehaviour, PassingResponse, ResponseHead, TunnelTransforms } from './fault-types';
import type { HttpProxyAdapter, OpenTunnel } from './http-proxy-adapter';
import { errorPage, reasonPhrase, removeHopByHop } from './http-util';
import { closeGracefully, emptyBody, Gate, resetSocket } from './streams';

/** One fault of a running proxy. */
export interface StackedFault {
  name: string;
  behaviour: FaultBehaviour;
}

/** What an exchange needs from its proxy. */
export interface ProxyRuntime {
  adapter: HttpProxyAdapter;
  faults: readonly StackedFault[];
  targets: readonly URL[];
  /** remembers an upstream socket so close() can destroy it */
  trackUpstream(socket: Socket): void;
}

type Mode = { kind: 'http'; res: ServerResponse } | { kind: 'handshake'; head: Buffer };

/**
 * A response on its way down the stack. Body transforms are joined as soon as
 * a fault adds them, so bytes flow (and are timed) while the head is still
 * passing other faults — a fault that delays the head does not also hold back
 * the body chunks that arrived meanwhile.
 */
class InFlight implements PassingResponse {
  /** the body and every transform joined to it so far, origin side first */
  readonly chain: (Readable | Transform)[] = [];
  private tail: Readable | null;

  constructor(
    readonly head: ResponseHead,
    readonly upgraded: boolean,
    readonly hasBody: boolean,
    readonly source: string,
    readonly method: string,
    readonly body: Readable | null,
    readonly upgradeSocket?: { socket: Socket; head: Buffer },
  ) {
    this.tail = body;
    if (body) this.chain.push(body);
  }

  /** the client-side end of the body chain */
  get output(): Readable | null {
    return this.tail;
  }

  pipeBody(transform: Transform): void {
    if (!this.hasBody || !this.tail) return;
    // Errors destroy both sides; they surface at the final pipeline to the client.
    pipeline(this.tail, transform, () => {});
    this.tail = transform;
    this.chain.push(transform);
  }

  /** Throws the response away; with `keepUpstream` the origin's bytes are read and ignored instead. */
  dispose(keepUpstream: boolean): void {
    if (keepUpstream) {
      this.tail?.resume();
      return;
    }
    for (const s of this.chain) s.destroy();
    this.upgradeSocket?.socket.destroy();
  }
}

/** A pass-through whose promise settles when the first chunk (or the end, or an error) reaches it. */
class FirstChunk extends Transform {
  readonly reached: Promise<void>;
  private settle: () => void = () => {};

  constructor() {
    super();
    this.reached = new Promise<void>((resolve) => (this.settle = resolve));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.settle();
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.settle();
    cb();
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.settle();
    cb(err);
  }
}

function bodyAllowed(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);
}

function lowerCaseHeaders(h: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function answerToResponse(answer: Answer, source: string, method: string): InFlight {
  const head: ResponseHead = {
    status: answer.status,
    statusMessage: answer.statusMessage ?? reasonPhrase(answer.status),
    headers: lowerCaseHeaders(answer.headers),
    holdHead: false,
  };
  let body: Readable | null = null;
  if (answer.body !== undefined) {
    if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) {
      const p = new PassThrough();
      p.end(answer.body);
      body = p;
    } else {
      body = answer.body;
    }
  }
  const hasBody = body !== null && bodyAllowed(method, answer.status);
  return new InFlight(head, false, hasBody, source, method, body);
}

function responseHeadText(head: ResponseHead): string {
  let text = `HTTP/1.1 ${head.status} ${head.statusMessage || reasonPhrase(head.status)}\r\n`;
  for (const [name, value] of Object.entries(head.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
  }
  return `${text}\r\n`;
}

/** The runtime of one exchange; faults see it through per-level views. */
export class ExchangeRun {
  readonly startedAt = Date.now();
  readonly clientSocket: Socket;
  upgrade: boolean;
  target: URL;
  agent: Agent | undefined;
  /** where the current response head is: n = none yet, -1 = written to the client */
  headLevel: number;
  /** the deepest level whose request hook has run */
  requestLevel = -1;
  ended = false;
  cutHow: CutHow | undefined;

  private generation = 0;
  private readonly n: number;
  private readonly views: ExchangeView[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly endFns: (() => void)[] = [];
  private requestSource: Readable;
  private readonly requestTransforms: Transform[] = [];
  private proxyReq: ClientRequest | undefined;
  private proxyRes: IncomingMessage | undefined;
  private upstreamSocket: Socket | undefined;
  private upstreamAbandoned = false;
  private readonly clientRes: ServerResponse;
  private clientResAttached: boolean;
  private bodyGate: Gate | undefined;
  private tunnel: OpenTunnel | undefined;
  private readonly streams: (Readable | Transform)[] = [];

  constructor(
    private readonly rt: ProxyRuntime,
    readonly id: number,
    readonly req: IncomingMessage,
    private readonly mode: Mode,
  ) {
    this.n = rt.faults.length;
    this.headLevel = this.n;
    this.clientSocket = req.socket;
    this.upgrade = mode.kind === 'handshake';
    this.target = rt.targets[0];
    this.requestSource = mode.kind === 'handshake' ? emptyBody() : req;
    if (mode.kind === 'http') {
      this.clientRes = mode.res;
      this.clientResAttached = true;
      mode.res.once('close', () => this.end());
    } else {
      this.clientRes = rt.adapter.responseForHandshake(req);
      this.clientResAttached = false;
      // The handshake's socket left Node's parser: it is ours until it closes.
      this.clientSocket.once('close', () => this.end());
    }
    this.views = rt.faults.map((f, i) => new ExchangeView(this, i, f.name));
  }

  /** Runs the exchange; never throws. */
  start(): void {
    this.runRequestHooks().catch(() => this.cut('close'));
  }

  // ---- request side --------------------------------------------------------

  private stale(gen: number): boolean {
    return this.ended || this.cutHow !== undefined || this.generation !== gen;
  }

  private async runRequestHooks(): Promise<void> {
    const gen = this.generation;
    for (let i = 0; i < this.n; i++) {
      if (this.stale(gen)) return;
      this.requestLevel = i;
      const fault = this.rt.faults[i];
      if (!fault.behaviour.request) continue;
      let outcome: Answer | void | undefined;
      try {
        outcome = await fault.behaviour.request(this.views[i]);
      } catch (err) {
        if (!this.stale(gen)) this.answerAt(i, errorPage(502, fault.name, `fault ${fault.name} failed: ${String(err)}`), fault.name);
        return;
      }
      if (this.stale(gen)) return;
      if (outcome) {
        this.answerAt(i, outcome, fault.name);
        return;
      }
    }
    this.requestLevel = this.n;
    this.forwardUpstream(gen);
  }

  replaceRequestBody(body: Readable): void {
    this.requestSource = body;
  }

  pipeRequestBody(t: Transform): void {
    this.requestTransforms.push(t);
  }

  private forwardUpstream(gen: number): void {
    const headers = this.req.headers;
    // Conforming proxies drop hop-by-hop headers (RFC 7230 §6.1) and answer
    // `Expect: 100-continue` themselves (nginx does; Node's server already sent
    // the 100). Upgrade/Connection stay only on a handshake forwarded as one.
    removeHopByHop(headers, this.upgrade);
    delete headers['expect'];
    if (!this.upgrade && this.agent) headers['connection'] = 'close';

    let body: Readable | undefined;
    if (this.requestTransforms.length > 0) {
      // Destroyed with the exchange (timers inside delay lines).
      this.streams.push(...this.requestTransforms);
      const chain = [this.requestSource, ...this.requestTransforms];
      body = pipeline(chain as unknown as [Readable, Transform], (err) => {
        if (err && !this.ended) this.cut('close');
      }) as unknown as Readable;
    } else if (this.requestSource !== this.req) {
      body = this.requestSource;
    }

    this.rt.adapter.forward(
      this.req,
      this.clientRes,
      { target: this.target, agent: this.agent, body },
      {
        request: (proxyReq, socket) => {
          this.rt.trackUpstream(socket);
          if (this.upstreamAbandoned || this.ended) {
            proxyReq.destroy();
            return;
          }
          this.proxyReq = proxyReq;
        },
        response: (proxyRes) => {
          if (this.upstreamAbandoned || this.stale(gen)) {
            if (this.cutHow === 'drop') proxyRes.resume();
            else proxyRes.destroy();
            return;
          }
          this.proxyRes = proxyRes;
          const status = proxyRes.statusCode ?? 502;
          const headers: OutgoingHttpHeaders = { ...proxyRes.headers };
          removeHopByHop(headers, false);
          const head: ResponseHead = { status, statusMessage: proxyRes.statusMessage ?? reasonPhrase(status), headers, holdHead: false };
          const method = this.req.method ?? 'GET';
          const hasBody = bodyAllowed(method, status);
          if (!hasBody) proxyRes.resume();
          void this.deliver(new InFlight(head, false, hasBody, 'origin', method, hasBody ? proxyRes : null), this.n);
        },
        upgrade: (proxyRes, socket, upHead) => {
          this.rt.trackUpstream(socket);
          if (this.upstreamAbandoned || this.stale(gen) || !this.upgrade) {
            socket.destroy();
            return;
          }
          this.upstreamSocket = socket;
          const headers: OutgoingHttpHeaders = { ...proxyRes.headers };
          removeHopByHop(headers, true);
          const head: ResponseHead = { status: 101, statusMessage: proxyRes.statusMessage || 'Switching Protocols', headers, holdHead: false };
          void this.deliver(new InFlight(head, true, false, 'origin', this.req.method ?? 'GET', null, { socket, head: upHead }), this.n);
        },
        failure: (f) => {
          if (this.upstreamAbandoned || this.ended || this.cutHow !== undefined) return;
          if (this.headLevel === this.n && this.generation === gen) {
            // No head yet: the proxy's own 502 starts at the origin's level,
            // so every fault sees it like an origin answer.
            void this.deliver(answerToResponse(f.answer, 'proxy', this.req.method ?? 'GET'), this.n);
          } else {
            // The origin went away mid-response: truncate, as nginx does
            // ("upstream prematurely closed connection").
            this.cut('close');
          }
        },
      },
    );
  }

  private abandonUpstream(how: 'destroy' | 'end'): void {
    this.upstreamAbandoned = true;
    this.proxyReq?.destroy();
    this.proxyRes?.destroy();
    if (this.upstreamSocket) {
      if (how === 'end') closeGracefully(this.upstreamSocket);
      else this.upstreamSocket.destroy();
    }
  }

  // ---- response side -------------------------------------------------------

  /** A fault at `level` answers; false when a head already reached it. */
  answerAt(level: number, answer: Answer, source: string): boolean {
    if (this.ended || this.cutHow !== undefined) return false;
    if (this.headLevel <= level || this.requestLevel < level) return false;
    this.generation += 1;
    this.abandonUpstream('destroy');
    void this.deliver(answerToResponse(answer, source, this.req.method ?? 'GET'), level);
    return true;
  }

  private async deliver(resp: InFlight, fromLevel: number): Promise<void> {
    const gen = this.generation;
    this.headLevel = fromLevel;
    for (let i = fromLevel - 1; i >= 0; i--) {
      if (this.stale(gen)) {
        resp.dispose(this.cutHow === 'drop');
        return;
      }
      this.headLevel = i;
      const fault = this.rt.faults[i];
      if (!fault.behaviour.response) continue;
      try {
        await fault.behaviour.response(this.views[i], resp);
      } catch {
        resp.dispose(false);
        this.cut('close');
        return;
      }
      if (resp.head.holdHead && resp.hasBody && resp.output) {
        // This fault keeps the head until its first body bytes leave it: the
        // faults on the client side (and the client) see nothing before that.
        const firstChunk = new FirstChunk();
        resp.pipeBody(firstChunk);
        await firstChunk.reached;
        resp.head.holdHead = false;
      }
    }
    if (this.stale(gen)) {
      resp.dispose(this.cutHow === 'drop');
      return;
    }
    this.headLevel = -1;
    try {
      this.writeToClient(resp);
    } catch {
      resp.dispose(false);
      this.cut('close');
    }
  }

  private writeToClient(resp: InFlight): void {
    if (resp.upgradeSocket) {
      if (resp.head.status === 101 && this.mode.kind === 'handshake') {
        this.openTunnel(resp, resp.upgradeSocket, this.mode.head);
        return;
      }
      // A fault turned the 101 into another answer: the upgraded socket is useless.
      resp.upgradeSocket.socket.destroy();
    }
    const res = this.clientRes;
    if (!this.clientResAttached) {
      if (this.clientSocket.destroyed) {
        resp.dispose(false);
        return;
      }
      this.clientResAttached = true;
      this.rt.adapter.attachHandshakeResponse(res, this.clientSocket, () => closeGracefully(this.clientSocket));
    }
    if (res.headersSent || res.destroyed || res.writableEnded) {
      resp.dispose(false);
      return;
    }
    res.writeHead(resp.head.status, resp.head.statusMessage, resp.head.headers);
    if (!resp.head.holdHead) res.flushHeaders();
    const output = resp.output;
    if (!resp.hasBody || !output) {
      resp.body?.resume();
      res.end();
      return;
    }
    const gate = new Gate();
    this.bodyGate = gate;
    this.streams.push(...resp.chain, gate);
    pipeline(output, gate, res, (err) => {
      if (err && !this.ended && this.cutHow === undefined) this.cut('close');
    });
  }

  private openTunnel(resp: InFlight, up: { socket: Socket; head: Buffer }, clientHead: Buffer): void {
    const added: TunnelTransforms[] = this.rt.faults.map((f, i) => {
      try {
        return f.behaviour.tunnel?.(this.views[i]) ?? {};
      } catch {
        return {};
      }
    });
    // Bytes from the origin meet the deepest fault first; bytes from the client the shallowest.
    const toClient = [...added].reverse().flatMap((t) => (t.toClient ? [t.toClient] : []));
    const toOrigin = added.flatMap((t) => (t.toOrigin ? [t.toOrigin] : []));
    this.tunnel = this.rt.adapter.openTunnel(
      {
        client: this.clientSocket,
        clientHead,
        upstream: up.socket,
        upstreamHead: up.head,
        responseHead: responseHeadText(resp.head),
        toClient,
        toOrigin,
      },
      () => this.end(),
    );
    up.socket.resume();
  }

  // ---- connection control --------------------------------------------------

  cut(how: CutHow): void {
    if (this.ended) return;
    // A silent drop may still be followed by a real close or reset (a later
    // timer firing); anything else is final.
    if (this.cutHow !== undefined && (this.cutHow !== 'drop' || how === 'drop')) return;
    this.cutHow = how;
    this.generation += 1;
    this.bodyGate?.discard();
    this.tunnel?.toClientGate.discard();
    this.tunnel?.toOriginGate.discard();
    if (how === 'drop') {
      // Keep both connections open and forward nothing: the tunnel's gates
      // swallow both directions; on plain HTTP the client socket is simply no
      // longer read (no new request on it gets through either).
      if (!this.tunnel) this.clientSocket.pause();
      return;
    }
    this.abandonUpstream(how === 'close' && this.tunnel ? 'end' : 'destroy');
    if (how === 'reset') resetSocket(this.clientSocket);
    else closeGracefully(this.clientSocket);
  }

  timer(ms: number, fn: () => void): () => void {
    if (this.ended) return () => {};
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.ended) return;
      try {
        fn();
      } catch {
        // A fault's timer must never take the process down.
        this.cut('close');
      }
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else this.endFns.push(fn);
  }

  get targets(): readonly URL[] {
    return this.rt.targets;
  }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer(ms, resolve);
    });
  }

  /** The exchange is over: the client side closed (or the response finished). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const fn of this.endFns.splice(0)) {
      try {
        fn();
      } catch {
        // a fault's cleanup must not break the others'
      }
    }
    this.abandonUpstream('destroy');
    for (const s of this.streams) s.destroy();
  }
}

/** What fault `level` sees of an exchange. */
class ExchangeView implements Exchange {
  constructor(
    private readonly run: ExchangeRun,
    private readonly level: number,
    private readonly faultName: string,
  ) {}

  get id(): number {
    return this.run.id;
  }
  get req(): IncomingMessage {
    return this.run.req;
  }
  get clientSocket(): Socket {
    return this.run.clientSocket;
  }
  get startedAt(): number {
    return this.run.startedAt;
  }
  get method(): string {
    return this.run.req.method ?? 'GET';
  }
  get url(): string {
    return this.run.req.url ?? '/';
  }
  get headers(): IncomingHttpHeaders {
    return this.run.req.headers;
  }
  get upgrade(): boolean {
    return this.run.upgrade;
  }
  set upgrade(value: boolean) {
    // Only a downgrade makes sense: a plain request cannot become a handshake.
    if (!value) this.run.upgrade = false;
  }
  get target(): URL {
    return this.run.target;
  }
  set target(url: URL) {
    this.run.target = url;
  }
  get targets(): readonly URL[] {
    return this.run.targets;
  }
  get agent(): Agent | undefined {
    return this.run.agent;
  }
  set agent(a: Agent | undefined) {
    this.run.agent = a;
  }
  get headPassed(): boolean {
    return this.run.headLevel <= this.level;
  }
  get ended(): boolean {
    return this.run.ended;
  }
  get wasCut(): boolean {
    return this.run.cutHow !== undefined;
  }
  replaceRequestBody(body: Readable): void {
    this.run.replaceRequestBody(body);
  }
  pipeRequestBody(transform: Transform): void {
    this.run.pipeRequestBody(transform);
  }
  respond(answer: Answer): boolean {
    return this.run.answerAt(this.level, answer, this.faultName);
  }
  cut(how: CutHow): void {
    this.run.cut(how);
  }
  timer(ms: number, fn: () => void): () => void {
    return this.run.timer(ms, fn);
  }
  delay(ms: number): Promise<void> {
    return this.run.delay(ms);
  }
  onEnd(fn: () => void): void {
    this.run.onEnd(fn);
  }
}
