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
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const scripts = __dirname;

function load(args) {
  const r = spawnSync(process.execPath, [CLI, 'load', ...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (r.status !== 0 && r.status !== 1) return { error: (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}` };
  return JSON.parse(r.stdout).load;
}

/** An origin of its own for the direct run, stopped whatever happens. */
function withOrigin(fn) {
  const child = spawn(process.execPath, [CLI, 'origin', '--port', '0', '--max-unread-total-mib', '1024'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        try {
          resolve(fn(m[1], child.pid));
        } catch (e) {
          reject(e);
        } finally {
          process.kill(-child.pid, 'SIGTERM');
        }
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
    let l;
    if (direct) {
      // The origin's weight, read before it stops: the direct run has no setup of ours to watch it.
      l = await withOrigin((url) => load([url, '--streams', '15000', '--ramp', '15', '--duration', '10']));
    } else l = run();
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
