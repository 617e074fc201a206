/**
 * The TCP sockets a set of processes listens on, read from the kernel: each
 * process's /proc/<pid>/fd names its sockets by inode, and /proc/<pid>/net/tcp
 * and tcp6 give each inode's state and local address.
 */
import fs from 'node:fs';

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}

/** "127.0.0.1", "0.0.0.0", "::1", "::" … from the kernel's hex form. */
function address(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  // IPv6: four 32-bit words, each little-endian.
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)!.reverse().join(''));
  const full = words.join('');
  if (/^0{20}ffff/i.test(full)) return `::ffff:${address(words[3]!.match(/../g)!.reverse().join(''))}`;
  const groups = full.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Local addresses ("addr port") of the listening TCP sockets of these processes. */
export function listeningAddresses(pids: number[]): string[] {
  const out = new Set<string>();
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    for (const table of ['tcp', 'tcp6']) {
      let text = '';
      try {
        text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
        const [addr, port] = f[1]!.split(':');
        out.add(`${address(addr!)} ${parseInt(port!, 16)}`);
      }
    }
  }
  return [...out].sort();
}

export const isLoopback = (listener: string): boolean => /^(127\.|::1 |::ffff:127\.)/.test(listener);
