/**
 * What one fault sees of an exchange: the request, its level in the stack,
 * and the actions a fault may take (answer at its level, cut, time).
 */
import type { Agent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import type { Answer, CutHow, Exchange } from './fault-types';
import { formatDuration } from '../../util/format';

/** The exchange's side of the view: implemented by ExchangeRun. */
export interface ExchangeCore {
  readonly id: number;
  readonly req: IncomingMessage;
  readonly clientSocket: Socket;
  readonly startedAt: number;
  upgrade: boolean;
  target: URL;
  readonly targets: readonly URL[];
  agent: Agent | undefined;
  readonly headLevel: number;
  readonly ended: boolean;
  readonly cutHow: CutHow | undefined;
  replaceRequestBody(body: Readable): void;
  pipeRequestBody(t: Transform): void;
  answerAt(level: number, answer: Answer, source: string): boolean;
  cut(how: CutHow): void;
  timer(ms: number, fn: () => void): () => void;
  delay(ms: number): Promise<void>;
  onEnd(fn: () => void): void;
  log(line: string): void;
}

const CUT_WORDS: Record<CutHow, string> = { close: 'closed the connection', reset: 'reset the connection (RST)', drop: 'stopped forwarding, both sides left open (silent drop)' };

/** What fault `level` sees of an exchange; what it does to it is noted in the exchange's log line. */
export class ExchangeView implements Exchange {
  constructor(
    private readonly run: ExchangeCore,
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
    const answered = this.run.answerAt(this.level, answer, this.faultName);
    if (answered) this.log(`answered ${answer.status} ${this.after()}`);
    return answered;
  }
  cut(how: CutHow): void {
    if (!this.run.ended && this.run.cutHow === undefined) this.log(`${CUT_WORDS[how]} ${this.after()}`);
    this.run.cut(how);
  }
  private after(): string {
    return `after ${formatDuration(Date.now() - this.run.startedAt)}`;
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
  log(line: string): void {
    this.run.log(`${this.faultName}: ${line}`);
  }
}
