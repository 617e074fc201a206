/**
 * Watches one process from a worker thread, so the attack running on the main
 * thread cannot delay the measurement: every `everyMs` it reads the process's
 * resident size from /proc and times one GET of `healthUrl` on a fresh
 * connection (2 s at most; a timeout or an error counts as a failure).
 * On 'stop' it posts { samples, peakRssBytes, healthMs: [...], failures, raised }.
 */
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const http = require('node:http');

const { pid, healthUrl, everyMs } = workerData;

// The instrument must not be starved by the attack it measures: on Linux the
// nice value is per thread, so this raises only the watcher's own priority
// (root only; elsewhere it measures at normal priority, and says so).
let raised = true;
try {
  require('node:os').setPriority(-15);
} catch {
  raised = false;
}
let stopped = false;
parentPort.on('message', (m) => {
  if (m === 'stop') stopped = true;
});

function rssBytes() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function health() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(healthUrl, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}

(async () => {
  const healthMs = [];
  let peakRssBytes = 0;
  let failures = 0;
  let samples = 0;
  let gone = false;
  while (!stopped) {
    const started = performance.now();
    try {
      peakRssBytes = Math.max(peakRssBytes, rssBytes());
    } catch {
      gone = true;
    }
    const ms = await health();
    if (ms === undefined) failures++;
    else healthMs.push(ms);
    samples++;
    // Pacing, not synchronisation: the next sample is due everyMs after this one began.
    await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - started))));
  }
  parentPort.postMessage({ samples, peakRssBytes, healthMs, failures, gone, raised });
})();
