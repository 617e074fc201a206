/**
 * pushthrough's streams as an Artillery engine (`engine: pushthrough`), for
 * load one machine cannot make: Artillery runs the virtual users, each holds
 * one SSE response, chain of long polls or WebSocket (src/client/load-stream.ts,
 * the same stream `pushthrough load` holds) for `holdSeconds` after it opened,
 * and reports what happened as Artillery metrics. `pushthrough load …
 * --export artillery` writes the scenario, with WebSocket in Artillery's own
 * `ws` engine (which sees only the handshake; this one also takes
 * `transport: websocket`). The engine API: a constructor (script, ee, helpers)
 * and createScenario(spec, ee) returning (context, callback)
 * (https://www.artillery.io/docs/reference/extensions, and @artilleryio/int-core's
 * lib/runner.js, which counts `started`, `counter`, `histogram` and `error`).
 *
 * Metrics, each also per transport (`pushthrough.sse.latency`, …):
 *   pushthrough.opened, pushthrough.held      counters: streams that opened, that were held to the end
 *   pushthrough.failed, pushthrough.cut       counters: never opened, ended by the path once open (also by kind)
 *   pushthrough.events                        counter: events delivered
 *   pushthrough.latency, pushthrough.time_to_open   histograms, ms
 */
import { openLoadStream } from './load-stream';
import type { LoadTransport } from '../vocabulary';

/** One step of a scenario's flow. */
export interface StreamStep {
  stream: {
    transport: LoadTransport;
    /** the origin channel; its events come every intervalMs */
    channel?: string;
    intervalMs?: number;
    /** how long the stream is held once open */
    holdSeconds: number;
    /** no answer in this long is a failure (default 10 s) */
    openTimeoutMs?: number;
    /** the origin's --token */
    token?: string;
    /** do not verify the server's certificate */
    insecure?: boolean;
  };
}

interface Emitter {
  emit(event: string, ...args: unknown[]): void;
}

type Callback = (err: Error | null, context: unknown) => void;

const TRANSPORTS: readonly string[] = ['sse', 'long-poll', 'websocket'];

/** Holds one stream; resolves once held for its time, rejects when it failed or was cut. */
function holdStream(target: string, step: StreamStep['stream'], ee: Emitter): Promise<void> {
  const t = step.transport;
  const count = (name: string, n = 1): void => {
    ee.emit('counter', `pushthrough.${name}`, n);
    ee.emit('counter', `pushthrough.${t}.${name}`, n);
  };
  const histogram = (name: string, ms: number): void => {
    ee.emit('histogram', `pushthrough.${name}`, ms);
    ee.emit('histogram', `pushthrough.${t}.${name}`, ms);
  };
  // Zero counts too: Artillery's ensure fails a check on a metric it never saw.
  count('failed', 0);
  count('cut', 0);
  return new Promise<void>((resolve, reject) => {
    let holding: NodeJS.Timeout | undefined;
    const close = openLoadStream(
      { url: target, transport: t, channel: step.channel ?? 'pushthrough-artillery', intervalMs: step.intervalMs ?? 1000, openTimeoutMs: step.openTimeoutMs ?? 10_000, token: step.token, insecure: step.insecure },
      {
        opened: (ms) => {
          count('opened');
          histogram('time_to_open', ms);
          holding = setTimeout(() => {
            close();
            count('held');
            resolve();
          }, step.holdSeconds * 1000);
        },
        event: (ms) => {
          count('events');
          histogram('latency', ms);
        },
        failed: (kind, detail) => {
          count('failed');
          count(`failed.${kind.replace(/\s+/g, '_')}`);
          reject(new Error(`${t} did not open: ${kind} (${detail})`));
        },
        cut: (kind, detail) => {
          clearTimeout(holding);
          count('cut');
          count(`cut.${kind.replace(/\s+/g, '_')}`);
          reject(new Error(`${t} cut once open: ${kind} (${detail})`));
        },
        testerLimit: (err) => {
          clearTimeout(holding);
          reject(new Error(`the load generator's own limit (${err.code}): run fewer virtual users per Artillery worker`));
        },
      },
    );
  });
}

export class PushthroughEngine {
  private readonly target: string;

  constructor(script: { config: { target: string } }) {
    this.target = script.config.target;
  }

  createScenario(spec: { flow?: unknown[] }, ee: Emitter): (context: unknown, callback: Callback) => void {
    const steps = (spec.flow ?? []) as StreamStep[];
    for (const step of steps) {
      const s = (step as Partial<StreamStep>).stream;
      if (!s || !TRANSPORTS.includes(s.transport) || !(Number(s.holdSeconds) >= 0)) {
        throw new Error(`engine pushthrough: each flow step is { stream: { transport: ${TRANSPORTS.join(' | ')}, holdSeconds: N } }, got ${JSON.stringify(step)}`);
      }
    }
    return (context, callback) => {
      ee.emit('started');
      (async () => {
        for (const step of steps) await holdStream(this.target, step.stream, ee);
      })().then(
        () => callback(null, context),
        (err: Error) => {
          ee.emit('error', err.message.split(':')[0]);
          callback(err, context);
        },
      );
    };
  }
}
