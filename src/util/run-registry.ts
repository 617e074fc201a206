/**
 * What a pushthrough process started, written down where the next one can
 * find it, so that nothing survives even a SIGKILL (which runs no handler).
 *
 *   <tmp>/pushthrough-runs/<pid>-<starttime>/      one directory per live run
 *       process-<n>.json   { pid, startTime, what }  a process group we lead
 *       dir-<n>.json       { path, what }            a temp dir we made
 *
 * A record is written (synchronously) as soon as the thing exists and removed
 * once it has been stopped; the run's directory goes at a normal exit. A run
 * directory whose owner is gone (no process with that PID and start time) is
 * a leftover: reapLeftovers() kills each recorded group, but only after
 * checking that its PID still names the process that was started (same start
 * time, same boot), kills helpers that left the group but still work in a
 * recorded dir, and removes the dirs. `pushthrough cleanup` and every command
 * that starts something call it first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processesMentioning, readStat, signalGroup, signalProcess } from './process-group';

export type RunRecord = { kind: 'process'; pid: number; startTime: string; bootId: string; what: string } | { kind: 'dir'; path: string; what: string };

/** Where run directories live; PUSHTHROUGH_RUNS_DIR moves them (tests keep theirs apart). */
export function runsRoot(): string {
  return process.env.PUSHTHROUGH_RUNS_DIR ?? path.join(os.tmpdir(), 'pushthrough-runs');
}

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** The records of this process, created on the first thing it records. */
class RunRegistry {
  private dir: string | undefined;
  private seq = 0;

  private ensureDir(): string {
    if (this.dir) return this.dir;
    const me = readStat(process.pid);
    const dir = path.join(runsRoot(), `${process.pid}-${me?.startTime ?? 'unknown'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.dir = dir;
    return dir;
  }

  private write(record: RunRecord): () => void {
    const file = path.join(this.ensureDir(), `${record.kind}-${++this.seq}.json`);
    fs.writeFileSync(file, JSON.stringify(record));
    return () => fs.rmSync(file, { force: true });
  }

  /** Records a process group this process leads the start of; returns its removal. */
  process(pid: number, what: string): () => void {
    const stat = readStat(pid);
    if (!stat) return () => undefined;
    return this.write({ kind: 'process', pid, startTime: stat.startTime, bootId: bootId(), what });
  }

  /** Records a temp dir; returns its removal. */
  tempDir(dirPath: string, what: string): () => void {
    return this.write({ kind: 'dir', path: dirPath, what });
  }

  /** At a normal exit: the run directory goes when nothing in it is still recorded. */
  close(): void {
    if (!this.dir) return;
    try {
      fs.rmdirSync(this.dir);
    } catch {
      // something is still recorded: the next run reaps it
    }
  }
}

export const runRegistry = new RunRegistry();

export interface Reaped {
  run: string;
  killed: string[];
  removed: string[];
  /** recorded PIDs that now name another process (left alone) */
  reused: number[];
}

function ownerAlive(runDirName: string): boolean {
  const m = /^(\d+)-(\S+)$/.exec(runDirName);
  if (!m) return false;
  const stat = readStat(Number(m[1]));
  return stat !== undefined && stat.startTime === m[2] && stat.state !== 'Z' && stat.state !== 'X';
}

function readRecords(dir: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (const name of fs.readdirSync(dir)) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as RunRecord);
    } catch {
      // a record half written at the moment of the kill: nothing to act on
    }
  }
  return out;
}

/** Only a temp dir pushthrough makes is ever removed: absolute, not a top-level dir, named pushthrough-…. */
function ours(dirPath: string): boolean {
  return path.isAbsolute(dirPath) && path.resolve(dirPath) === dirPath && dirPath.split('/').length >= 3 && /^pushthrough-[\w.-]+$/.test(path.basename(dirPath));
}

/** Stops and removes what dead runs left behind; returns what was done, one entry per run. */
export function reapLeftovers(): Reaped[] {
  const root = runsRoot();
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const boot = bootId();
  const reaped: Reaped[] = [];
  for (const name of names) {
    if (ownerAlive(name)) continue;
    const dir = path.join(root, name);
    const r: Reaped = { run: name, killed: [], removed: [], reused: [] };
    const records = readRecords(dir);
    for (const rec of records) {
      if (rec.kind !== 'process') continue;
      const stat = readStat(rec.pid);
      if (!stat || stat.state === 'Z') continue;
      if (rec.bootId !== boot || stat.startTime !== rec.startTime || stat.pgid !== rec.pid) {
        r.reused.push(rec.pid);
        continue;
      }
      signalGroup(rec.pid, 'SIGKILL');
      r.killed.push(`${rec.what} (pid ${rec.pid})`);
    }
    for (const rec of records) {
      if (rec.kind !== 'dir' || !ours(rec.path)) continue;
      // Helpers that left the group still work in (or name) the dir.
      for (const pid of processesMentioning(rec.path)) if (signalProcess(pid, 'SIGKILL')) r.killed.push(`a helper of ${rec.what} (pid ${pid})`);
      if (fs.existsSync(rec.path)) {
        fs.rmSync(rec.path, { recursive: true, force: true, maxRetries: 3 });
        r.removed.push(rec.path);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    reaped.push(r);
  }
  return reaped;
}

/** One line per reaped run, for stderr. */
export function describeReaped(reaped: Reaped[]): string[] {
  return reaped
    .filter((r) => r.killed.length + r.removed.length + r.reused.length > 0)
    .map((r) => {
      const parts = [r.killed.length ? `stopped ${r.killed.join(', ')}` : '', r.removed.length ? `removed ${r.removed.join(', ')}` : '', r.reused.length ? `left PIDs ${r.reused.join(', ')} alone (now other processes)` : ''];
      return `pushthrough: an earlier run (${r.run}) ended without cleaning up: ${parts.filter(Boolean).join('; ')}`;
    });
}
