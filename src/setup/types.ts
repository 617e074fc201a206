import type { Expectation, KeepaliveKind, KeepaliveTransport, Transport } from '../vocabulary';

/**
 * direct: no proxy (the baseline); simulated: a fault stack on http-proxy;
 * real: a real program from a template; external: an origin someone deployed
 * behind their own infrastructure.
 */
export type SetupKind = 'direct' | 'simulated' | 'real' | 'external' | 'firewall';

/** A lossy, slow link (firewall setups). */
export interface LinkSpec {
  /** netem: one-way delay each way (needs the netem qdisc in the kernel) */
  delayMs?: number;
  /** netem: jitter around the delay */
  jitterMs?: number;
  /** share of TCP packets dropped at random, each way */
  lossPercent?: number;
  /** link rate (token bucket) */
  rateKbit?: number;
}

/**
 * A firewall or NAT played by the Linux kernel (src/proxy/firewall): a TCP
 * hop on the loopback of a network namespace made for the run, with
 * nftables rules and traffic control on it.
 */
export interface FirewallSpec {
  /** the port the path's far side listens on inside the namespace: the port the client connects to */
  port: number;
  /** conntrack idle timeout of an established TCP flow, in ms (conntrack counts whole seconds) */
  idleMs?: number;
  /** what happens to a packet of an expired flow: dropped silently, or refused with a TCP reset (both ends are reset) */
  expired?: 'drop' | 'reset';
  /** egress policy: only these destination ports may be connected to */
  allowPorts?: number[];
  /** how a connection to another port is refused */
  blocked?: 'drop' | 'reset';
  link?: LinkSpec;
  /** the product's own values of the fields the matrix scales down (`{ idleMs: 350000 }`) */
  realWorld?: { idleMs?: number };
}

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
  /**
   * simulated: a TLS front (https and wss, HTTP/1.1), with the run's throwaway
   * certificate; direct: through pushthrough's own HTTP/2 pass-through front
   * (src/proxy/h2), the baseline of cells that spoke HTTP/2
   */
  tls?: boolean;
  /** simulated with `tls`: speak HTTP/2 (and HTTP/1.1) to the client by ALPN, through an HTTP/2 front before the faults */
  http2?: boolean;
  /**
   * real: which product and which config template; `forward` proxies are gone
   * through with --via; `originTls`: the origin behind a forward proxy serves
   * https (and wss), so every client asks the proxy for a CONNECT tunnel
   */
  real?: { product: string; template: string; forward?: boolean; originTls?: boolean };
  /** external: the URL of an origin deployed behind someone's infrastructure */
  url?: string;
  /** firewall: what the kernel does on the path */
  firewall?: FirewallSpec;
  /** firewall: the id of a built-in setup the firewall stands in front of (a layered path); default the origin itself */
  over?: string;
  /** firewall with `over`: that setup, resolved when the setups are loaded */
  inner?: Setup;
  /** expected verdict and reason per transport */
  expect?: Partial<Record<Transport, Expectation>>;
  /**
   * A TLS front that offers HTTP/2: the expectations of the transports whose
   * client spoke HTTP/1.1 to it (`run --http1`), where they differ from
   * `expect` (which holds for HTTP/2, what clients take by default)
   */
  expectHttp1?: Partial<Record<Transport, Expectation>>;
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

/**
 * The baseline of cells whose client spoke HTTP/2: the origin behind an
 * HTTP/2 front that changes nothing, measured in the same run, so HTTP/2's
 * own framing and flow control set the timing margins of HTTP/2 cells.
 */
export const DIRECT_H2_SETUP: Setup = {
  ...DIRECT_SETUP,
  id: 'direct-h2',
  tls: true,
  description: "no proxy, over TLS and HTTP/2: pushthrough's own pass-through front (node:http2, HTTP/1.1 to the origin) before the origin; the baseline of cells that spoke HTTP/2",
};
