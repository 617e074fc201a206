/**
 * One real proxy process we started: its output captured line by line, its
 * process group stopped exactly (SIGTERM, then SIGKILL), its WORK_DIR removed.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

import { livingGroupMembers, processesMentioning, signalGroup, signalProcess, waitFor } from '../../util/process-group';
import { readLogFiles } from './proxy-logs';

const STOP_GRACE_MS = 5_000;
const KILL_WAIT_MS = 3_000;
const MAX_STREAM_LINES = 400;

/** A real proxy answering on 127.0.0.1. */
export interface RunningProxy {
  product: string;
  /** the program's own version string, e.g. "1.22.1" */
  version: string;
  /** http://127.0.0.1:PORT, or https:// for a TLS front */
  url: string;
  /** a TLS front (its template names TLS files) */
  tls: boolean;
  /** a TLS front with a throwaway certificate: the CA certificate (PEM) it chains to, for clients to trust */
  ca?: string;
  port: number;
  /** PID of the program we started; it leads the process group that stop() kills */
  pid: number;
  workDir: string;
  /** resolves when the program exits (for any reason) */
  exited: Promise<void>;
  /** the proxy's own stdout/stderr/log-file lines, capped */
  logs(): string[];
  /** kills the process group, removes WORK_DIR; idempotent */
  stop(): Promise<void>;
}

export class ManagedProxy implements RunningProxy {
  readonly url: string;
  readonly tls: boolean;
  readonly ca: string | undefined;
  readonly pid: number;
  readonly exited: Promise<void>;
  private readonly streamLines: string[] = [];
  private frozenFileLines: string[] | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly product: string,
    readonly version: string,
    readonly port: number,
    readonly workDir: string,
    private readonly child: ChildProcess,
    serverTls: { ca?: string } | undefined,
    private readonly onStopped: () => void,
  ) {
    this.tls = serverTls !== undefined;
    this.ca = serverTls?.ca;
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      // spawn failure (EACCES, ENOENT after the existence check): no 'exit' follows
      child.once('error', (err) => {
        this.pushLine('spawn', err.message);
        this.exitInfo = { code: null, signal: null };
        resolve();
      });
    });
    this.capture(child.stdout, 'stdout');
    this.capture(child.stderr, 'stderr');
  }

  /** "code 3" / "signal SIGKILL" once the program has exited, else undefined. */
  exitDescription(): string | undefined {
    if (!this.exitInfo) return undefined;
    return this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `code ${this.exitInfo.code}`;
  }

  logs(): string[] {
    const fileLines = this.frozenFileLines ?? readLogFiles(this.workDir);
    return [...this.streamLines, ...fileLines].slice(-1000);
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** Synchronous last resort (process 'exit'): SIGKILL the group, remove WORK_DIR. */
  killNow(): void {
    if (this.pid > 0) signalGroup(this.pid, 'SIGKILL');
    for (const pid of processesMentioning(this.workDir)) signalProcess(pid, 'SIGKILL');
    try {
      fs.rmSync(this.workDir, { recursive: true, force: true });
      this.onStopped();
    } catch {
      // best effort at exit; the record stays for the next run to reap
    }
  }

  private async doStop(): Promise<void> {
    const pgid = this.pid;
    if (pgid > 0) {
      signalGroup(pgid, 'SIGTERM');
      const gone = (): boolean => this.exitInfo !== undefined && livingGroupMembers(pgid).length === 0;
      if (!(await waitFor(gone, STOP_GRACE_MS))) {
        signalGroup(pgid, 'SIGKILL');
        await waitFor(gone, KILL_WAIT_MS);
      }
    }
    // A helper that called setsid() itself left our group (Squid's pinger); it
    // still names WORK_DIR on its command line or holds it as its working dir.
    for (const pid of processesMentioning(this.workDir)) signalProcess(pid, 'SIGKILL');
    this.frozenFileLines = readLogFiles(this.workDir);
    await fs.promises.rm(this.workDir, { recursive: true, force: true, maxRetries: 3 });
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.onStopped();
  }

  private capture(stream: NodeJS.ReadableStream | null, label: string): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.pushLine(label, line);
    });
    stream.on('end', () => {
      if (partial) this.pushLine(label, partial);
      partial = '';
    });
  }

  private pushLine(label: string, line: string): void {
    if (line.trim() === '') return;
    this.streamLines.push(`[${label}] ${line.trimEnd()}`);
    if (this.streamLines.length > MAX_STREAM_LINES) this.streamLines.splice(0, this.streamLines.length - MAX_STREAM_LINES);
  }
}
