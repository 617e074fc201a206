#!/usr/bin/env node
/**
 * npm run bench [-- --runs 3] [-- --real] [-- --stress]
 *
 * Runs the built-in matrix several times, as a user would (`pushthrough run`),
 * and reports what the tests must not assert: how long a run takes on this
 * machine (median, worst, and against the longest deliberate wait any check
 * made), and whether any verdict flips between runs. With --stress, two CPU
 * hogs run the whole time (started and stopped here), as on a busy machine.
 *
 * npm run bench -- --proxy
 *
 * The simulated proxy against nginx-tuned and haproxy-tuned: scripts/bench-proxy.js.
 *
 * npm run bench -- --load
 *
 * The load mode's scale: 15,000 streams at an origin, 8,000 through the
 * simulated pass-through, nginx and HAProxy: scripts/bench-load.js.
 *
 * npm run bench -- --hostile
 *
 * Runs the hostile suite (test/integration/hostile) at the audit's full
 * counts and prints, per target and attack class, the peak resident size and
 * the /health latency measured during the attack; exits 1 when a target went
 * over 512 MiB or /health took over 100 ms.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
if (args.includes('--hostile')) process.exit(hostile());
if (args.includes('--proxy')) {
  require('./bench-proxy');
  return;
}
if (args.includes('--load')) {
  require('./bench-load');
  return;
}

function hostile() {
  const HEALTH_LIMIT_MS = 100;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-hostile-'));
  const report = path.join(tmp, 'hostile.json');
  try {
    const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
    const res = spawnSync(process.execPath, [jest, 'test/integration/hostile', '--selectProjects', 'integration'], {
      cwd: path.join(__dirname, '..'),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, HOSTILE_SCALE: 'full', HOSTILE_REPORT: report },
    });
    if (!fs.existsSync(report)) {
      console.error(`bench --hostile: the suite wrote no report (jest exited ${res.status})`);
      return 1;
    }
    const { rows, rssLimitBytes } = JSON.parse(fs.readFileSync(report, 'utf8'));
    const limitMiB = rssLimitBytes / 1024 / 1024;
    console.table(
      rows.map((r) => ({
        target: r.target,
        attack: r.attack,
        ops: r.ops,
        'peak RSS MiB': r.peakRssMiB,
        '/health max ms': r.healthMaxMs,
        '/health p99 ms': r.healthP99Ms,
        '/health failed': r.healthFailures,
        samples: r.samples,
      })),
    );
    const over = rows.filter((r) => r.peakRssMiB >= limitMiB || r.healthMaxMs > HEALTH_LIMIT_MS || r.healthFailures > 0);
    console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
    console.log(`peak RSS: ${Math.max(...rows.map((r) => r.peakRssMiB))} MiB at most (limit ${limitMiB}); /health: ${Math.max(...rows.map((r) => r.healthMaxMs))} ms at most (limit ${HEALTH_LIMIT_MS})`);
    if (over.length) console.log(`over a limit: ${over.map((r) => `${r.target}/${r.attack}`).join(', ')}`);
    return over.length || res.status ? 1 : 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const withReal = args.includes('--real');
const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(cli)) {
  console.error('bench: dist/ is missing; run npm run build first');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-bench-'));
const seen = new Map(); // "setup × transport" -> Set of "verdict/reason"
const rows = [];
const details = [];
// --stress: two CPU hogs, each its own process, stopped whatever happens.
const hogs = args.includes('--stress') ? [0, 1].map(() => require('node:child_process').spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })) : [];
const stopHogs = () => hogs.forEach((h) => h.exitCode === null && h.kill('SIGKILL'));
process.on('exit', stopHogs);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
/** The longest wait a check of the report made on purpose: a silent stream, a held request. */
const longestWaitMs = (report) =>
  Math.max(0, ...report.setups.flatMap((s) => s.cells.flatMap((c) => c.checks.map((k) => Math.max(Number(k.measured.silentMs) || 0, Number(k.measured.holdMs) || 0)))));
let longestMs = 0;
try {
  for (let i = 1; i <= runs; i++) {
    const out = path.join(tmp, `run-${i}.json`);
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [cli, 'run', ...(withReal ? [] : ['--no-real']), '--format', 'json', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    const cells = report.setups.flatMap((s) => s.cells.map((c) => ({ s, c })));
    for (const { s, c } of cells) {
      const key = `${s.id} × ${c.transport}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key).add(`${c.verdict}/${c.reason}`);
    }
    const mismatches = cells.filter(({ c }) => c.matches === false).length;
    // What each cell that did not come out as expected measured, to tell a flip's cause from its verdict;
    // the whole report is kept for a closer look.
    if (mismatches) {
      const kept = path.join(os.tmpdir(), `pushthrough-bench-run-${i}-${Date.now()}.json`);
      fs.copyFileSync(out, kept);
      details.push(`run ${i}'s report: ${kept}`);
    }
    for (const { s, c } of cells.filter(({ c }) => c.matches === false)) {
      const bad = c.checks.filter((k) => k.status !== 'pass').map((k) => `${k.id}: ${k.detail}`);
      details.push(`run ${i}, ${s.id} × ${c.transport}: ${c.verdict}/${c.reason}, expected ${c.expected?.verdict}/${c.expected?.reason}\n    ${bad.join('\n    ')}`);
    }
    longestMs = Math.max(longestMs, longestWaitMs(report));
    rows.push({ run: i, seconds: seconds.toFixed(1), setups: report.setups.length, cells: cells.length, mismatches, exit: res.status });
    console.error(`run ${i}/${runs}: ${seconds.toFixed(1)} s, ${mismatches} mismatches`);
  }
} finally {
  stopHogs();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.table(rows);
const flips = [...seen].filter(([, v]) => v.size > 1);
const secs = rows.map((r) => Number(r.seconds)).sort((a, b) => a - b);
console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}${hogs.length ? ', with 2 CPU hogs running' : ''}; matrix: ${withReal ? 'simulated + real' : 'simulated'} (firewall setups included)`);
const median = secs[Math.floor(secs.length / 2)];
console.log(`duration: median ${median} s, worst ${secs[secs.length - 1]} s over ${runs} runs; the longest deliberate wait is ${(longestMs / 1000).toFixed(1)} s, so the median run is ${(median / (longestMs / 1000)).toFixed(1)}× it`);
if (details.length) console.log(`cells not as expected:\n  ${details.join('\n  ')}`);
console.log(`verdict flips between runs: ${flips.length}${flips.length ? '\n' + flips.map(([k, v]) => `  ${k}: ${[...v].join(' | ')}`).join('\n') : ''}`);
process.exit(flips.length || rows.some((r) => r.mismatches) ? 1 : 0);
