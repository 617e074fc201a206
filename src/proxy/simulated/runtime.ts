/**
 * What an exchange needs from its proxy. Each exchange gets its own copy:
 * the fault stack it started with (a stack replaced at run time applies to
 * new exchanges only) and its own log, which becomes its summary line.
 */
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultBehaviour } from './fault-types';
import type { HttpProxyAdapter } from './http-proxy-adapter';

/** One fault of a running proxy. */
export type StackedFault = { name: string; behaviour: FaultBehaviour };

export interface ProxyRuntime {
  adapter: HttpProxyAdapter;
  faults: readonly StackedFault[];
  targets: readonly URL[];
  /**
   * Upstream connections for plain requests: kept alive and reused, as nginx
   * (`keepalive`) and HAProxy (`http-reuse safe`) do. A fault that needs a
   * fresh connection sets the exchange's agent to undefined.
   */
  keepAlive: Agent;
  /** remembers an upstream socket so close() can destroy it */
  trackUpstream(socket: Socket): void;
  /** what a fault did, for the exchange's log line */
  log(line: string): void;
}
