/**
 * The firewall's hop, run inside a network namespace of its own
 * (`unshare -rn node hop.js config.json`): it brings the namespace's
 * loopback up, loads the nftables ruleset and the netem qdisc, and relays
 * every connection over one TCP hop on that loopback, where the rules act:
 *
 *   client ══(its own socket, handed over by the parent)══▶ hop client side
 *     ──TCP 127.0.0.1:port in the namespace: conntrack, reject, netem──▶
 *   hop server side ══(a socket to the upstream the parent opened and handed over)══▶ upstream
 *
 * The client's and the upstream's sockets are the real ones (passed over the
 * IPC channel), so what the kernel does to the hop reaches them as it is: a
 * reset is passed on as a reset, a silent drop stays silent. The namespace,
 * its rules and its qdisc die with this process; nothing touches the host.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface HopConfig {
  port: number;
  /** run in order inside the namespace before listening: ip, nft, tc (absolute path, argument array) */
  commands: Array<{ file: 'ip' | 'nft' | 'tc'; path: string; args: string[] }>;
}

/** Messages between the parent and the hop. */
export type HopMessage =
  | { type: 'ready' }
  | { type: 'failed'; step: string; error: string }
  | { type: 'client'; id: number }
  | { type: 'upstream-wanted'; id: number }
  | { type: 'upstream'; id: number }
  | { type: 'upstream-failed'; id: number; code: string }
  | { type: 'log'; line: string };

/** Pipes `a` into `b`: FIN as FIN, a reset as a reset, backpressure kept. */
export function relay(a: net.Socket, b: net.Socket, onReset?: (code: string) => void): void {
  a.on('data', (d: Buffer) => {
    if (!b.destroyed && !b.write(d)) {
      a.pause();
      b.once('drain', () => a.resume());
    }
  });
  a.on('end', () => {
    if (!b.destroyed) b.end();
  });
  a.on('error', (e: NodeJS.ErrnoException) => {
    const code = e.code ?? 'ERROR';
    onReset?.(code);
    if (b.destroyed) return;
    if (code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE') b.resetAndDestroy();
    else b.destroy();
  });
  a.on('close', () => {
    // Closed without an end or an error (destroyed by us): let the other side go too.
    if (!b.destroyed && !b.writableEnded) b.destroy();
  });
}

function send(m: HopMessage, then?: () => void): void {
  if (!process.send) return then?.();
  process.send(m, undefined, undefined, () => then?.());
}

/** Reports a failure and exits once the report is out. */
function fail(step: string, error: string): void {
  send({ type: 'failed', step, error }, () => process.exit(3));
}

function main(configFile: string): void {
  const cfg = JSON.parse(fs.readFileSync(configFile, 'utf8')) as HopConfig;
  const step = (name: string, file: string, args: string[]): boolean => {
    try {
      execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      return true;
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      fail(name, (e.stderr?.toString('utf8').trim() || e.message).split('\n')[0]);
      return false;
    }
  };
  for (const c of cfg.commands) if (!step(`${c.file} ${c.args.join(' ')}`, c.path, c.args)) return;

  const pendingUpstream = new Map<number, net.Socket>();
  let nextId = 0;
  /**
   * The two outer sockets of each hop flow, by the near side's port: when the
   * kernel resets the hop (a packet of an expired flow refused with a reset),
   * both ends are reset, as a firewall with bidirectional resets tells both
   * endpoints (Azure Load Balancer's TCP reset on idle does so at the expiry
   * itself, https://learn.microsoft.com/en-us/azure/load-balancer/load-balancer-tcp-reset;
   * here it comes with the first packet after it).
   */
  const flows = new Map<number, { client?: net.Socket; upstream?: net.Socket }>();
  const flow = (port: number): { client?: net.Socket; upstream?: net.Socket } => {
    let f = flows.get(port);
    if (!f) flows.set(port, (f = {}));
    return f;
  };
  const resetFlow = (port: number | undefined, code: string): void => {
    if (port === undefined || code !== 'ECONNRESET') return;
    const f = flows.get(port);
    for (const s of [f?.client, f?.upstream]) if (s && !s.destroyed) s.resetAndDestroy();
  };
  // The far side of the hop: each accepted connection asks the parent for a socket to the upstream.
  const server = net.createServer({ pauseOnConnect: true }, (farSide) => {
    const id = ++nextId;
    pendingUpstream.set(id, farSide);
    const port = farSide.remotePort;
    farSide.on('error', (e: NodeJS.ErrnoException) => resetFlow(port, e.code ?? ''));
    farSide.on('close', () => port !== undefined && flows.delete(port));
    send({ type: 'upstream-wanted', id });
  });
  server.on('error', (e) => fail(`listen on 127.0.0.1:${cfg.port}`, e.message));
  server.listen(cfg.port, '127.0.0.1', () => send({ type: 'ready' }));

  process.on('message', (m: HopMessage, handle?: net.Socket) => {
    if (m.type === 'client' && handle) {
      // The near side of the hop: the client's socket, connected through the namespace's rules.
      const nearSide = net.connect({ port: cfg.port, host: '127.0.0.1' });
      nearSide.once('connect', () => {
        const port = nearSide.localPort;
        if (port === undefined) return;
        flow(port).client = handle;
        nearSide.once('close', () => flows.delete(port));
      });
      relay(handle, nearSide);
      relay(nearSide, handle, (code) => {
        send({ type: 'log', line: `hop to port ${cfg.port}: ${code}` });
        resetFlow(nearSide.localPort, code);
      });
      handle.resume();
    } else if (m.type === 'upstream' && handle) {
      const farSide = pendingUpstream.get(m.id);
      pendingUpstream.delete(m.id);
      // The client left before its upstream came: nothing to relay to.
      if (!farSide || farSide.destroyed) return void handle.destroy();
      if (farSide.remotePort !== undefined) flow(farSide.remotePort).upstream = handle;
      relay(farSide, handle);
      relay(handle, farSide);
      farSide.resume();
      handle.resume();
    } else if (m.type === 'upstream-failed') {
      const farSide = pendingUpstream.get(m.id);
      pendingUpstream.delete(m.id);
      farSide?.resetAndDestroy();
    }
  });
  // The parent is gone: so is the namespace, with this process.
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) main(process.argv[2] ?? '');
