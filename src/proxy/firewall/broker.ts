/**
 * The firewall's host side, in a process of its own (`node broker.js
 * config.json`, forked by firewall.ts): it listens on the host's loopback,
 * starts the hop in its network namespace (`unshare -rn node hop.js`), hands
 * every accepted client socket to the hop, and opens a socket to the upstream
 * whenever the hop's far side accepts one.
 *
 *   main process ──IPC: ready, log, problem──▶ broker ──IPC + sockets──▶ hop (namespace)
 *
 * Every connection is handed over here, never through the main process's
 * event loop, which runs the run's clients and simulated proxies: a busy
 * tester no longer delays a firewall's new connections. The broker leads the
 * process group the hop runs in, so signalling the group ends both; each
 * exits when its parent disconnects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { HopMessage } from './hop';

export interface BrokerConfig {
  /** absolute paths of unshare and of the hop's script */
  unshare: string;
  hopScript: string;
  /** the hop's own config file (hop.ts HopConfig) */
  hopConfig: string;
  upstream: { host: string; port: number };
  listen: { host: string; port: number };
}

/** Messages from the broker to the main process. */
export type BrokerMessage =
  | { type: 'ready'; address: string; port: number; family: string }
  /** the hop reported a step that failed in its namespace (an nft ruleset, a qdisc) */
  | { type: 'failed'; step: string; error: string }
  /** the host side could not listen where it was asked to (the port in use, not an address here) */
  | { type: 'listen-failed'; code: string; message: string }
  /** the hop exited before it was ready, with what it printed last */
  | { type: 'exited'; said: string }
  /** what it relayed says nothing about the firewall: the upstream refused, or the hop died while serving */
  | { type: 'problem'; text: string }
  | { type: 'log'; line: string }
  /** the answer to a sync: everything the broker said before it has arrived */
  | { type: 'synced'; id: number };

/** From the main process: a sync, answered in order after everything said before it. */
export type BrokerRequest = { type: 'sync'; id: number };

function tell(m: BrokerMessage, then?: () => void): void {
  if (!process.send) return then?.();
  process.send(m, undefined, undefined, () => then?.());
}

function main(configFile: string): void {
  const cfg = JSON.parse(fs.readFileSync(configFile, 'utf8')) as BrokerConfig;
  const logs: string[] = [];
  const log = (line: string): void => {
    logs.push(line);
    if (logs.length > 50) logs.shift();
    tell({ type: 'log', line });
  };
  let ready = false;
  // unshare -r: root in a user namespace of our own, -n: a network namespace of our own; exec'd into node. In this process's group.
  const hop: ChildProcess = spawn(cfg.unshare, ['-rn', process.execPath, cfg.hopScript, cfg.hopConfig], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  for (const s of [hop.stdout, hop.stderr]) s?.on('data', (d: Buffer) => d.toString('utf8').split('\n').filter(Boolean).forEach(log));
  // A send that fails (the hop dying) must not end the broker: the socket it carried goes.
  const send = (m: HopMessage, socket?: net.Socket): void => {
    if (!hop.connected) return void socket?.destroy();
    hop.send(m, socket as net.Socket, (err) => {
      if (err) socket?.destroy();
    });
  };
  let refused = false;
  const upstreamWanted = (id: number): void => {
    const socket = net.connect(cfg.upstream);
    socket.pause();
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      send({ type: 'upstream', id }, socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      log(`upstream ${cfg.upstream.host}:${cfg.upstream.port}: ${e.code ?? e.message}`);
      // Failing after it connected (before the hop took it over) is that connection's end, not a refusal.
      if (connected) return;
      if (!refused) tell({ type: 'problem', text: `the upstream behind the firewall (${cfg.upstream.host}:${cfg.upstream.port}) refused a connection (${e.code ?? e.message})` });
      refused = true;
      send({ type: 'upstream-failed', id, code: e.code ?? 'ERROR' });
    });
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (!hop.connected) return void client.destroy();
    send({ type: 'client', id: 0 }, client);
  });
  hop.on('message', (m: HopMessage) => {
    if (m.type === 'ready') {
      const listenFailed = (e: NodeJS.ErrnoException): void => tell({ type: 'listen-failed', code: e.code ?? 'ERROR', message: e.message }, () => process.exit(3));
      server.once('error', listenFailed);
      server.listen(cfg.listen.port, cfg.listen.host, () => {
        // Listening: a later error (an accept that failed) is one connection's, said in the logs.
        server.off('error', listenFailed);
        server.on('error', (e: NodeJS.ErrnoException) => log(`accept on ${cfg.listen.host}:${cfg.listen.port}: ${e.code ?? e.message}`));
        ready = true;
        const a = server.address() as net.AddressInfo;
        tell({ type: 'ready', address: a.address, port: a.port, family: a.family });
      });
    } else if (m.type === 'failed') tell({ type: 'failed', step: m.step, error: m.error });
    else if (m.type === 'upstream-wanted') upstreamWanted(m.id);
    else if (m.type === 'log') log(m.line);
  });
  // 'close': the hop is gone and its output read to the end (the reason it gave is in the logs).
  hop.once('close', (code, signal) => {
    const said = logs.join(' ').slice(-400) || `exit code ${code ?? signal}`;
    // Gone while serving: stop listening, so clients are refused (a tester problem) instead of reset (a finding).
    server.close();
    tell(ready ? { type: 'problem', text: `the firewall's hop exited while serving: ${said}` } : { type: 'exited', said }, () => process.exit(3));
  });
  hop.once('error', (e) => tell({ type: 'exited', said: `the firewall's hop: ${e.message}` }, () => process.exit(3)));
  process.on('message', (m: BrokerRequest) => {
    if (m.type === 'sync') tell({ type: 'synced', id: m.id });
  });
  // The main process is gone: so is the namespace, with the hop (which exits when this process disconnects).
  process.on('disconnect', () => {
    hop.kill('SIGKILL');
    process.exit(0);
  });
}

if (require.main === module) main(process.argv[2] ?? '');
