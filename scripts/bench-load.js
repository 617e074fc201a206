#!/usr/bin/env node
/**
 * npm run bench -- --load
 *
 * The load mode's scale on this machine (issue 13), each run as a user runs
 * `pushthrough load`: 15,000 streams (half SSE, half WebSocket) straight at
 * an origin in its own process; 8,000 through the simulated pass-through;
 * 8,000 through nginx and HAProxy with limits raised in the bench's own
 * templates (scripts/bench-load-*.conf.tmpl). Prints, per path, the streams
 * held, the failures, p99 latency and each process's memory and open files;
 * exits 1 when a path did not hold all its streams.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const scripts = __dirname;

/** `pushthrough load … --format json`, run as a user runs it; its load section, or the error it ended with. */
function load(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'load', ...args, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() || `exit ${code}`;
      if (code !== 0 && code !== 1) return resolve({ error: last });
      try {
        resolve(JSON.parse(out).load);
      } catch {
        resolve({ error: `no JSON report (exit ${code}): ${last}` });
      }
    });
  });
}

/** A process's resident memory (MiB) and open files now, from /proc; undefined once it is gone. */
function weightOf(pid) {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { rssMiB: Math.round(rssKb / 1024), openFiles: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/**
 * An origin of its own for the direct run, stopped whatever happens, and its
 * heaviest memory and open files while `fn` ran (read each second: the direct
 * run has no setup of pushthrough's to watch it).
 */
function withOrigin(fn) {
  const child = spawn(process.execPath, [CLI, 'origin', '--port', '0', '--max-unread-total-mib', '1024'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    child.once('exit', (code) => {
      if (!started) reject(new Error(`the origin exited (${code}) before it listened`));
    });
    child.stdout.on('data', async (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (!m || started) return;
      started = true;
      const heaviest = { rssMiB: 0, openFiles: 0 };
      const watch = setInterval(() => {
        const w = weightOf(child.pid);
        if (w) Object.assign(heaviest, { rssMiB: Math.max(heaviest.rssMiB, w.rssMiB), openFiles: Math.max(heaviest.openFiles, w.openFiles) });
      }, 1000);
      try {
        const l = await fn(m[1]);
        if (!l.error) l.measurement.processes.push({ what: 'origin', pid: child.pid, ...heaviest });
        resolve(l);
      } catch (e) {
        reject(e);
      } finally {
        clearInterval(watch);
        process.kill(-child.pid, 'SIGTERM');
      }
    });
  });
}

(async () => {
  const runs = [
    ['direct: an origin, 15,000 streams', (url) => load([url, '--streams', '15000', '--ramp', '15', '--duration', '10']), true],
    ['simulated pass-through, 8,000', () => load(['--setup', 'passthrough', '--streams', '8000', '--ramp', '10', '--duration', '10'])],
    ['nginx, raised worker_connections, 8,000', () => load(['--real', `nginx=${path.join(scripts, 'bench-load-nginx.conf.tmpl')}`, '--streams', '8000', '--ramp', '10', '--duration', '10'])],
    ['HAProxy, raised maxconn, 8,000', () => load(['--real', `haproxy=${path.join(scripts, 'bench-load-haproxy.conf.tmpl')}`, '--streams', '8000', '--ramp', '10', '--duration', '10'])],
  ];
  const rows = [];
  let short = false;
  for (const [what, run, direct] of runs) {
    process.stderr.write(`${what}…\n`);
    const l = direct ? await withOrigin(run) : await run();
    if (l.error) {
      rows.push({ path: what, error: l.error });
      short = true;
      continue;
    }
    const m = l.measurement;
    const failed = Object.values(m.failed).reduce((a, b) => a + b, 0);
    if (m.peakOpen.all < m.streams || failed > 0) short = true;
    rows.push({
      path: what,
      held: m.peakOpen.all,
      of: m.streams,
      failed,
      cut: Object.values(m.cut).reduce((a, b) => a + b, 0),
      'p99 ms': m.latency.p99,
      processes: m.processes.map((p) => `${p.what}: ${p.rssMiB} MiB, ${p.openFiles} files`).join('; '),
    });
  }
  console.table(rows);
  process.exitCode = short ? 1 : 0;
})();
