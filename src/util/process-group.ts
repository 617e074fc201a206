/**
 * Process-group helpers (Linux /proc). Every real proxy is spawned `detached: true`, so it
 * leads its own process group (setsid); its workers and helpers (nginx workers,
 * varnishd's cache child, squid's helpers) inherit that group, and killing the
 * group by the PID we started reaches all of them without touching anything
 * else on the machine.
 */
import * as fs from 'node:fs';

/**
 * PIDs of the group's members that are still running (zombies excluded: in a
 * container PID 1 may never reap re-parented children, and a zombie is already
 * dead). Reads /proc on Linux; elsewhere falls back to kill(-pgid, 0).
 */
export function livingGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return signalGroup(pgid, 0) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(entry));
  }
  return members;
}

/**
 * PIDs of running processes whose command line mentions `needle` (the private
 * WORK_DIR), or whose working directory is inside it. Catches a program that
 * escaped our group by calling setsid() itself: a daemonizing config still
 * names its config inside WORK_DIR, and Squid's pinger (its command line is
 * just "(pinger)") still runs in the directory Squid was started in.
 */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(needle) && !cwdInside(Number(entry), needle)) continue;
      const stat = readStat(Number(entry));
      if (stat && stat.state !== 'Z' && stat.state !== 'X') found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Sends `signal` to the whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Sends `signal` to one process; false when it no longer exists. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true as soon as `check()` is true, false when `timeoutMs` passes first. */
export async function waitFor(check: () => boolean, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function cwdInside(pid: number, dir: string): boolean {
  try {
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

/**
 * A process's state, group and start time (clock ticks after boot, field 22
 * of /proc/<pid>/stat): with the start time a PID names one process, never
 * a later one that reused the number.
 */
export function readStat(pid: number): { state: string; pgid: number; startTime: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces and parentheses, so cut after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, pgid: Number(rest[2]), startTime: rest[19]! };
  } catch {
    return undefined;
  }
}
