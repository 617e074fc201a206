/**
 * Independent process checks for the tests (via `ps`, not the launcher's own
 * /proc reader), so a bug in the launcher's bookkeeping cannot hide a leak.
 */
import { execFileSync } from 'node:child_process';

interface PsRow {
  pid: number;
  pgid: number;
  stat: string;
  args: string;
}

function psRows(): PsRow[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), pgid: Number(match[2]), stat: match[3], args: match[4] }));
}

/** Running (non-zombie) processes in process group `pgid`. */
export function runningInGroup(pgid: number): PsRow[] {
  return psRows().filter((row) => row.pgid === pgid && !row.stat.startsWith('Z'));
}

/** True when `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  return psRows().some((row) => row.pid === pid && !row.stat.startsWith('Z'));
}

/** Running firewall processes: hops (src/proxy/firewall/hop.ts), each the only process of its network namespace, and their brokers on the host (broker.ts). */
export function firewallHops(): PsRow[] {
  return psRows().filter((row) => /proxy\/firewall\/(hop|broker)\.js/.test(row.args) && !row.stat.startsWith('Z'));
}

/** The host's own nftables ruleset, to show a run changed nothing on it. */
export function hostRuleset(): string {
  return execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
}
