import type { Expectation, KeepaliveKind, KeepaliveTransport, Transport } from '../vocabulary';

/**
 * direct: no proxy (the baseline); simulated: a fault stack on http-proxy;
 * real: a real program from a template; external: an origin someone deployed
 * behind their own infrastructure.
 */
export type SetupKind = 'direct' | 'simulated' | 'real' | 'external';

/** A fault as a setup file names it: `{ name: idle-timeout, params: { idleMs: 1000 } }`. */
export interface FaultSpec {
  name: string;
  params?: Record<string, unknown>;
  /**
   * The real product's values of the params this setup scales down for the
   * matrix (`{ idleMs: 60000 }` where params say 1200): `pushthrough proxy`
   * runs these, times its --scale (src/setup/real-world.ts).
   */
  realWorld?: Record<string, unknown>;
}

/**
 * One thing to put between the client and the origin. Setups are data: a
 * built-in simulated setup is one YAML file under proxies/simulated/, a real
 * one is a template under proxies/<product>/.
 */
export interface Setup {
  id: string;
  kind: SetupKind;
  description: string;
  /** the real system a simulated setup imitates */
  imitates?: string;
  /** where its numbers come from */
  source?: string;
  /** simulated: the fault stack, in order */
  faults?: FaultSpec[];
  /** simulated: how many origin instances stand behind it (a balance fault spreads over them) */
  origins?: number;
  /** real: which product and which config template; `forward` proxies are gone through with --via */
  real?: { product: string; template: string; forward?: boolean };
  /** external: the URL of an origin deployed behind someone's infrastructure */
  url?: string;
  /** expected verdict and reason per transport */
  expect?: Partial<Record<Transport, Expectation>>;
  /** the keepalive kinds that keep each transport's silent streams open (`run --keepalive` compares); every other kind is expected to be cut */
  keepalive?: Partial<Record<KeepaliveTransport, KeepaliveKind[]>>;
  /** the file it came from, for error messages */
  file?: string;
}

export const DIRECT_SETUP: Setup = {
  id: 'direct',
  kind: 'direct',
  description: 'no proxy: the client talks to the origin itself (the baseline every other setup is measured against)',
  expect: {
    'short-poll': { verdict: 'pass', reason: 'none' },
    'long-poll': { verdict: 'pass', reason: 'none' },
    sse: { verdict: 'pass', reason: 'none' },
    websocket: { verdict: 'pass', reason: 'none' },
  },
};
