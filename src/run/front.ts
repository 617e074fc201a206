/**
 * A setup in front of any HTTP/WebSocket app, not only pushthrough's origin
 * (`pushthrough proxy`, and the container lab's proxy services): a simulated
 * setup as a fault stack on http-proxy, or a real product from its template.
 */
import { startRealProxy } from '../proxy/real/launcher';
import { startSimulatedProxy } from '../proxy/simulated/simulated-proxy';
import type { Setup } from '../setup/types';
import { UsageError } from '../util/errors';

export interface Front {
  /** where clients connect */
  url: string;
  /** one line per part of the setup, for the person who started it */
  explanation: string[];
  /** the proxy's own log lines (real products) */
  logs(): string[];
  /** resolves if the proxy ends by itself (a real program that exited) */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export interface FrontOptions {
  /** the app behind: http://host:port */
  target: string;
  /** port to listen on (0 = any free port) */
  port: number;
  /** address to listen on; real templates listen on 127.0.0.1 */
  host: string;
}

export async function startFront(setup: Setup, opts: FrontOptions): Promise<Front> {
  const target = new URL(opts.target);
  if (setup.kind === 'simulated') {
    const proxy = await startSimulatedProxy({ targets: [opts.target], faults: setup.faults ?? [], host: opts.host, port: opts.port });
    const explanation = proxy.explained.length ? proxy.explained : ['passes everything through unchanged'];
    return { url: proxy.url, explanation, logs: () => proxy.logs(), exited: new Promise(() => undefined), stop: () => proxy.close() };
  }
  if (setup.kind === 'real' && setup.real) {
    if (opts.host !== '127.0.0.1') throw new UsageError(`--host ${opts.host}: a real product's template listens on 127.0.0.1 (expected --host 127.0.0.1 with --real)`);
    const proxy = await startRealProxy({
      product: setup.real.product,
      templatePath: setup.real.template,
      originHost: target.hostname,
      originPort: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
      port: opts.port === 0 ? undefined : opts.port,
    });
    return {
      url: proxy.url,
      explanation: [`${proxy.product} ${proxy.version} from ${setup.real.template}${setup.real.forward ? ' (a forward proxy: clients go through it with --via)' : ''}`],
      logs: () => proxy.logs(),
      exited: proxy.exited,
      stop: () => proxy.stop(),
    };
  }
  throw new UsageError(`setup '${setup.id}' is ${setup.kind}: only simulated and real setups can stand in front of an app (expected one of: pushthrough setups)`);
}
