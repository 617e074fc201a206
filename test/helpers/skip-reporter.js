/**
 * A jest reporter that adds one line at the end of a run: how many tests were
 * skipped because a program they need is not installed here, and what
 * installs it (the tags test/helpers/needs.ts puts in their titles).
 */
'use strict';

class SkipReporter {
  onRunComplete(_contexts, results) {
    /** install command → the programs it adds */
    const byInstall = new Map();
    let count = 0;
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== 'pending' && t.status !== 'skipped') continue;
        const title = [...t.ancestorTitles, t.title].join(' ');
        const tag = /\[skipped: (.+?)\]/.exec(title);
        if (!tag) continue;
        count++;
        for (const m of tag[1].matchAll(/(\S+) not installed \(([^)]+)\)/g)) {
          if (!byInstall.has(m[2])) byInstall.set(m[2], new Set());
          byInstall.get(m[2]).add(m[1]);
        }
      }
    }
    if (count === 0) return;
    const what = [...byInstall].map(([install, names]) => `${[...names].join(', ')} (${install})`).join('; ');
    process.stderr.write(`\n${count} test${count === 1 ? '' : 's'} skipped, programs not installed here: ${what}. PUSHTHROUGH_REQUIRE_PROXIES=1 makes them fail instead.\n`);
  }
}

module.exports = SkipReporter;
