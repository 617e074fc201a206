/**
 * A firewall setup as the kernel plays it: the nftables ruleset and the
 * traffic-control (netem) commands for the loopback of a network namespace
 * made for one run. Pure: a spec in, text and argument arrays out.
 *
 * The path's one TCP hop inside the namespace is client side → 127.0.0.1:port.
 *
 * - `idleMs`: established TCP flows get a conntrack timeout object
 *   (`ct timeout`, nftables wiki "Ct timeout" —
 *   https://wiki.nftables.org/wiki-nftables/index.php/Ct_timeout); once a
 *   flow has been idle that long its entry is gone, and the next packet,
 *   which has no state and is not a SYN, is dropped silently (`expired:
 *   drop`: AWS Network Firewall, 350 s by default, "after the idle timeout
 *   passes, data packets are dropped",
 *   https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_FlowTimeouts.html;
 *   an AWS NAT Gateway's idle drops show as IdleTimeoutCount,
 *   https://repost.aws/knowledge-center/vpc-troubleshoot-nat-gateway-connection)
 *   or answered with a TCP reset (`expired: reset`, nft `reject with tcp
 *   reset`). Conntrack would otherwise pick such a packet up as a new
 *   flow (nf_conntrack_tcp_loose), so the rule is what makes the expiry bite.
 * - `allowPorts`: an egress policy; a connection to any other port is
 *   refused with a reset (`blocked: reset`) or its SYN dropped (`blocked: drop`).
 * - `link`: a lossy, slow link on the namespace's loopback, both directions:
 *   loss drops that share of TCP packets at random (nft `numgen random`,
 *   https://wiki.nftables.org/wiki-nftables/index.php/Load_balancing), so TCP
 *   retransmits them; rate shapes the link with a token bucket (`tc tbf`,
 *   https://man7.org/linux/man-pages/man8/tc-tbf.8.html) on a 1500-byte MTU,
 *   one bucket for both directions (loopback has a single queue);
 *   delay and jitter need the netem qdisc
 *   (https://man7.org/linux/man-pages/man8/tc-netem.8.html), which not every
 *   kernel has: a setup that asks for them is skipped where it is missing.
 */

export type { FirewallSpec, LinkSpec } from '../../setup/types';
import type { FirewallSpec, LinkSpec } from '../../setup/types';

const TABLE = 'pushthrough';

/** Conntrack timeouts are whole seconds; at least one. */
export function idleSeconds(idleMs: number): number {
  return Math.max(1, Math.round(idleMs / 1000));
}

/** The nftables ruleset (`nft -f`), one table in the namespace's own netfilter. */
export function nftRuleset(spec: FirewallSpec): string {
  const lines: string[] = [`table inet ${TABLE} {`];
  if (spec.idleMs !== undefined) {
    lines.push('  ct timeout idle {', '    protocol tcp;', '    l3proto ip;', `    policy = { established: ${idleSeconds(spec.idleMs)} }`, '  }');
  }
  // Output sees a flow's first packet once conntrack made its entry: the place to give it the timeout.
  lines.push('  chain out {', '    type filter hook output priority 0; policy accept;');
  if (spec.link?.lossPercent) lines.push(`    meta l4proto tcp numgen random mod 10000 < ${Math.round(spec.link.lossPercent * 100)} drop`);
  if (spec.allowPorts?.length) {
    const action = spec.blocked === 'drop' ? 'drop' : 'reject with tcp reset';
    lines.push(`    tcp dport != { ${spec.allowPorts.join(', ')} } ct state new ${action}`);
  }
  if (spec.idleMs !== undefined) {
    lines.push(`    tcp dport ${spec.port} ct state new tcp flags & (syn | ack) == syn ct timeout set "idle"`);
    // A mid-flow packet without a tracked flow: one of the expired flow. Refused here, in output, before
    // conntrack confirms the entry its loose pick-up (nf_conntrack_tcp_loose,
    // https://docs.kernel.org/networking/nf_conntrack-sysctl.html) made: refused later, in input, a
    // packet the other way found that entry and revived the flow (measured; test/lab/firewall/firewall.test.ts
    // pings after the expiry), which a NAT that lost its mapping never does.
    lines.push(`    tcp flags & (syn | ack) != syn ct state new ${spec.expired === 'reset' ? 'reject with tcp reset' : 'drop'}`);
  }
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}

/** The `tc` argument arrays for the link, or none: netem for delay and jitter, tbf for a rate. */
export function tcCommands(link: LinkSpec | undefined): string[][] {
  if (!link) return [];
  if (link.delayMs) {
    const args = ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', `${link.delayMs}ms`];
    if (link.jitterMs) args.push(`${link.jitterMs}ms`, 'distribution', 'normal');
    if (link.rateKbit) args.push('rate', `${link.rateKbit}kbit`);
    return [args];
  }
  if (link.rateKbit) return [['qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', `${link.rateKbit}kbit`, 'burst', '16kb', 'latency', '2000ms']];
  return [];
}

/** Everything run inside the namespace before the hop listens, in order. */
export function namespaceCommands(spec: FirewallSpec, rulesFile: string): Array<{ file: 'ip' | 'nft' | 'tc'; args: string[] }> {
  const out: Array<{ file: 'ip' | 'nft' | 'tc'; args: string[] }> = [{ file: 'ip', args: ['link', 'set', 'lo', 'up'] }];
  // A shaped link has a real link's packet size, not loopback's 64 KiB.
  if (spec.link?.rateKbit || spec.link?.delayMs) out.push({ file: 'ip', args: ['link', 'set', 'lo', 'mtu', '1500'] });
  out.push({ file: 'nft', args: ['-f', rulesFile] });
  for (const args of tcCommands(spec.link)) out.push({ file: 'tc', args });
  return out;
}

/** One line for a person: what the firewall does. */
export function explainFirewall(spec: FirewallSpec): string {
  const parts: string[] = [];
  if (spec.idleMs !== undefined) {
    parts.push(`forgets a TCP flow after ${idleSeconds(spec.idleMs)} s without packets, then ${spec.expired === 'reset' ? 'answers its next packet with a reset' : 'drops its packets silently (no FIN, no RST)'}`);
  }
  if (spec.allowPorts?.length) parts.push(`allows connections only to port${spec.allowPorts.length > 1 ? 's' : ''} ${spec.allowPorts.join(', ')} (${spec.blocked === 'drop' ? 'others: SYN dropped' : 'others: refused with a reset'})`);
  const l = spec.link;
  if (l && (l.delayMs || l.lossPercent || l.rateKbit)) {
    const bits = [l.delayMs ? `${l.delayMs} ms${l.jitterMs ? ` ± ${l.jitterMs} ms` : ''} delay` : '', l.lossPercent ? `${l.lossPercent} % loss` : '', l.rateKbit ? `${l.rateKbit} kbit/s` : ''].filter(Boolean);
    parts.push(`a link with ${bits.join(', ')} (both directions share it)`);
  }
  return `the Linux kernel's netfilter in a network namespace: ${parts.join('; ') || 'no rules'}; the path connects to port ${spec.port}`;
}
