/**
 * A response on its way down the fault stack, and the small helpers that make
 * one: a fault's own answer as a response, the head as raw text (for a
 * WebSocket handshake answered on the socket), and a gate on the first chunk.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Answer, PassingResponse, ResponseHead } from './fault-types';
import { reasonPhrase } from './http-util';

/**
 * A response on its way down the stack. Body transforms are joined as soon as
 * a fault adds them, so bytes flow (and are timed) while the head is still
 * passing other faults — a fault that delays the head does not also hold back
 * the body chunks that arrived meanwhile.
 */
export class InFlight implements PassingResponse {
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
    // Errors destroy both sides and surface at the end of the chain (the
    // client's side). pipe() with that wiring instead of pipeline(), which
    // costs an AbortController and a DOMException per call.
    const from = this.tail;
    from.once('error', (err) => transform.destroy(err));
    transform.once('error', () => from.destroy());
    from.pipe(transform);
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
export class FirstChunk extends Transform {
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

export function bodyAllowed(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);
}

export function lowerCaseHeaders(h: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

export function answerToResponse(answer: Answer, source: string, method: string): InFlight {
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

export function responseHeadText(head: ResponseHead): string {
  let text = `HTTP/1.1 ${head.status} ${head.statusMessage || reasonPhrase(head.status)}\r\n`;
  for (const [name, value] of Object.entries(head.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
  }
  return `${text}\r\n`;
}
