import { explainFirewall, namespaceCommands, nftRuleset, tcCommands } from '../../../../src/proxy/firewall/rules';

it('conntrack expiry: a timeout object set on the path’s flows, and mid-flow packets without state dropped or reset', () => {
  const drop = nftRuleset({ port: 443, idleMs: 7000, expired: 'drop' });
  expect(drop).toContain('policy = { established: 7 }');
  expect(drop).toContain('tcp dport 443 ct state new tcp flags & (syn | ack) == syn ct timeout set "idle"');
  expect(drop).toContain('tcp flags & (syn | ack) != syn ct state new drop');
  expect(nftRuleset({ port: 443, idleMs: 7400, expired: 'reset' })).toContain('tcp flags & (syn | ack) != syn ct state new reject with tcp reset');
  // Conntrack counts whole seconds, at least one.
  expect(nftRuleset({ port: 443, idleMs: 300 })).toContain('established: 1 }');
});

it('an egress policy refuses every other port, with a reset or by dropping the SYN; no expiry rule without idleMs', () => {
  const reset = nftRuleset({ port: 8080, allowPorts: [80, 443] });
  expect(reset).toContain('tcp dport != { 80, 443 } ct state new reject with tcp reset');
  expect(reset).not.toContain('ct timeout');
  expect(reset).not.toMatch(/!= syn ct state new/);
  expect(nftRuleset({ port: 8080, allowPorts: [443], blocked: 'drop' })).toContain('tcp dport != { 443 } ct state new drop');
});

it('a lossy link: random loss in netfilter, a token bucket for the rate on a 1500-byte MTU, netem only for delay', () => {
  expect(nftRuleset({ port: 443, link: { lossPercent: 2.5 } })).toContain('meta l4proto tcp numgen random mod 10000 < 250 drop');
  expect(tcCommands({ rateKbit: 8000 })).toEqual([['qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', '8000kbit', 'burst', '16kb', 'latency', '2000ms']]);
  expect(tcCommands({ delayMs: 80, jitterMs: 20 })).toEqual([['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '80ms', '20ms', 'distribution', 'normal']]);
  expect(tcCommands({ lossPercent: 2 })).toEqual([]);
  expect(namespaceCommands({ port: 443, link: { rateKbit: 8000 } }, '/x/rules.nft').map((c) => [c.file, ...c.args].join(' '))).toEqual([
    'ip link set lo up',
    'ip link set lo mtu 1500',
    'nft -f /x/rules.nft',
    'tc qdisc add dev lo root tbf rate 8000kbit burst 16kb latency 2000ms',
  ]);
  expect(namespaceCommands({ port: 443 }, '/r').map((c) => c.file)).toEqual(['ip', 'nft']);
});

it('explains itself in one line', () => {
  expect(explainFirewall({ port: 443, idleMs: 7000, expired: 'drop' })).toBe(
    "the Linux kernel's netfilter in a network namespace: forgets a TCP flow after 7 s without packets, then drops its packets silently (no FIN, no RST); the path connects to port 443",
  );
  expect(explainFirewall({ port: 8080, allowPorts: [80, 443], link: { lossPercent: 2, rateKbit: 8000 } })).toBe(
    "the Linux kernel's netfilter in a network namespace: allows connections only to ports 80, 443 (others: refused with a reset); a link with 2 % loss, 8000 kbit/s (both directions share it); the path connects to port 8080",
  );
});
