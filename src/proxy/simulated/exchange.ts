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
import type { Agent, ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Answer, CutHow, ResponseHead, TunnelTransforms } from './fault-types';
import type { OpenTunnel } from './http-proxy-adapter';
import type { ProxyRuntime } from './runtime';
import { ExchangeView, type ExchangeCore } from './exchange-view';
import { errorPage, reasonPhrase, removeHopByHop } from './http-util';
import { answerToResponse, bodyAllowed, FirstChunk, InFlight, responseHeadText } from './in-flight';
import { closeGracefully, emptyBody, Gate, resetSocket } from './streams';
import { Lifetime } from './lifetime';

type Mode = { kind: 'http'; res: ServerResponse } | { kind: 'handshake'; head: Buffer };

/** The runtime of one exchange; faults see it through per-level views. */
export class ExchangeRun implements ExchangeCore {
  readonly startedAt = Date.now();
  readonly clientSocket: Socket;
  upgrade: boolean;
  target: URL;
  agent: Agent | undefined;
  /** where the current response head is: n = none yet, -1 = written to the client */
  headLevel: number;
  /** the deepest level whose request hook has run */
  requestLevel = -1;
  cutHow: CutHow | undefined;

  private generation = 0;
  private readonly n: number;
  private readonly views: ExchangeView[];
  private readonly life = new Lifetime();
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
    this.agent = this.upgrade ? undefined : rt.keepAlive;
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
        this.rt.log(`${fault.name}: answered ${outcome.status}`);
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
    if (!this.upgrade && this.agent && this.agent !== this.rt.keepAlive) headers['connection'] = 'close';

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
    // pipe(), not pipeline(): pipeline's per-call AbortController (and the
    // DOMException it makes on every finish) cost a few percent of a proxied
    // request. Errors cut the exchange, which destroys every stream.
    const fail = (): void => {
      if (!this.ended && this.cutHow === undefined) this.cut('close');
    };
    for (const s of [output, gate, res]) s.on('error', fail);
    output.pipe(gate).pipe(res);
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
    // A fault's timer must never take the process down: a throw cuts the exchange.
    return this.life.timer(ms, fn, () => this.cut('close'));
  }

  onEnd(fn: () => void): void {
    this.life.onEnd(fn);
  }

  log(line: string): void {
    this.rt.log(line);
  }

  /** The status the client got: 101 for an open tunnel; undefined while no head reached it. */
  get status(): number | undefined {
    if (this.tunnel) return 101;
    return this.clientResAttached && this.clientRes.headersSent ? this.clientRes.statusCode : undefined;
  }

  get targets(): readonly URL[] {
    return this.rt.targets;
  }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => void this.timer(ms, resolve));
  }

  get ended(): boolean {
    return this.life.ended;
  }

  /** The exchange is over: the client side closed (or the response finished). */
  end(): void {
    if (!this.life.end()) return;
    this.abandonUpstream('destroy');
    for (const s of this.streams) s.destroy();
  }
}
