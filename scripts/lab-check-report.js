#!/usr/bin/env node
/**
 * Checks the lab prober's JSON report (src/report/types.ts `Report`) against
 * the expectations it carries: every cell must have been graded against an
 * expectation and match it (`cell.matches === true`), and every setup the lab
 * started must be in the report. Prints one summary line per setup.
 *
 * A cell the report did not grade (an `--external` setup carries no
 * expectations of its own) is compared with the expectations the native run
 * uses for the same setup id: proxies/<product>/<variant>.expect.yaml
 * (src/setup/load.ts), so container and native verdicts meet the same bar.
 *
 * Usage: node scripts/lab-check-report.js REPORT.json [--setup ID ...] [--proxies DIR]
 *   --setup ID     a setup id the report must contain (repeatable)
 *   --proxies DIR  where <product>/<variant>.expect.yaml live (default: proxies/ of this repo)
 * Exit: 0 all cells match; 1 a mismatch, a cell without expectation or a
 * missing setup (last line says which); 2 bad arguments or unreadable report.
 *
 * Plain CommonJS with Node built-ins: it runs on the host, outside the image.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Reads proxies/<product>/<variant>.expect.yaml for a setup id `<product>-<variant>`; undefined when absent. */
function expectationsFromFiles(proxiesDir, setupId) {
  const dash = setupId.indexOf('-');
  if (dash <= 0) return undefined;
  const file = path.join(proxiesDir, setupId.slice(0, dash), `${setupId.slice(dash + 1)}.expect.yaml`);
  if (!fs.existsSync(file)) return undefined;
  // `yaml` is one of pushthrough's own dependencies (package.json).
  const YAML = require('yaml');
  const data = YAML.parse(fs.readFileSync(file, 'utf8'));
  return data && data.expect ? { file, expect: data.expect } : undefined;
}

function fail(code, message) {
  process.stderr.write(`lab-check-report: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { report: undefined, setups: [], proxiesDir: path.resolve(__dirname, '..', 'proxies') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--setup') {
      const id = argv[++i];
      if (!id) fail(2, '--setup needs a setup id');
      opts.setups.push(id);
    } else if (arg === '--proxies') {
      const dir = argv[++i];
      if (!dir) fail(2, '--proxies needs a directory');
      opts.proxiesDir = path.resolve(dir);
    } else if (arg.startsWith('-')) fail(2, `unknown option '${arg}' (expected REPORT.json [--setup ID ...])`);
    else if (opts.report === undefined) opts.report = arg;
    else fail(2, `unexpected argument '${arg}' (only one report)`);
  }
  if (!opts.report) fail(2, 'expected the path of the JSON report (REPORT.json [--setup ID ...])');
  return opts;
}

/** Returns the list of problems; an empty list means the lab passed. */
function checkReport(report, requiredSetups, proxiesDir) {
  const problems = [];
  const lines = [];
  if (!report || report.tool !== 'pushthrough' || !Array.isArray(report.setups)) {
    return { problems: ['the file is not a pushthrough JSON report (no tool: "pushthrough" / setups[])'], lines };
  }
  const seen = new Set(report.setups.map((s) => s.id));
  for (const id of requiredSetups) if (!seen.has(id)) problems.push(`setup ${id} is missing from the report`);
  for (const setup of report.setups) {
    const cells = Array.isArray(setup.cells) ? setup.cells : [];
    if (cells.length === 0) problems.push(`setup ${setup.id} has no cells`);
    const fromFiles = cells.some((c) => !c.expected) && proxiesDir ? expectationsFromFiles(proxiesDir, setup.id) : undefined;
    const parts = cells.map((cell) => {
      const got = `${cell.verdict}${cell.reason && cell.reason !== 'none' ? `/${cell.reason}` : ''}`;
      if (!cell.expected && fromFiles && fromFiles.expect[cell.transport]) {
        // Graded here exactly as src/run/run.ts does: verdict and reason both equal.
        const exp = fromFiles.expect[cell.transport];
        cell = { ...cell, expected: exp, matches: exp.verdict === cell.verdict && (exp.reason ?? 'none') === cell.reason };
      }
      if (!cell.expected) {
        problems.push(`${setup.id} ${cell.transport}: no expectation to check (${got})`);
        return `${cell.transport}=${got} (no expectation)`;
      }
      if (cell.matches !== true) {
        const want = `${cell.expected.verdict}${cell.expected.reason !== 'none' ? `/${cell.expected.reason}` : ''}`;
        problems.push(`${setup.id} ${cell.transport}: got ${got}, expected ${want}${cell.explanation ? ` (${cell.explanation})` : ''}`);
        return `${cell.transport}=${got} MISMATCH(expected ${want})`;
      }
      return `${cell.transport}=${got} ok`;
    });
    const product = setup.product ? ` [${setup.product}]` : '';
    lines.push(`${setup.id}${product}: ${parts.join(', ')}`);
  }
  return { problems, lines };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let report;
  try {
    report = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
  } catch (err) {
    fail(2, `cannot read the report ${opts.report}: ${err.message}`);
  }
  const { problems, lines } = checkReport(report, opts.setups, opts.proxiesDir);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
  const cells = (report.setups || []).reduce((n, s) => n + (s.cells || []).length, 0);
  if (problems.length > 0) {
    for (const p of problems) process.stdout.write(`  problem: ${p}\n`);
    fail(1, `${problems.length} problem(s) in ${cells} cell(s) of ${(report.setups || []).length} setup(s); first: ${problems[0]}`);
  }
  process.stdout.write(`lab-check-report: all ${cells} cell(s) of ${report.setups.length} setup(s) match their expectations\n`);
}

if (require.main === module) main();

module.exports = { checkReport };
