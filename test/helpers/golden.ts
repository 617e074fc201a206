/** Golden files (test/golden/) and the report fixtures they render; `UPDATE_GOLDEN=1 npm run test:unit` rewrites them. */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../../src/report/types';
import { GOLDEN_DIR, REPO_ROOT } from './paths';

export { GOLDEN_DIR } from './paths';
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures', 'reports');

export function loadReport(name: string): Report {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as Report;
}

/** Compare with the golden file, or rewrite it when UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file test/golden/${name} is missing: run UPDATE_GOLDEN=1 npm run test:unit`);
  const expected = fs.readFileSync(file, 'utf8');
  if (actual !== expected) {
    // Point at the first difference instead of dumping two large documents.
    let at = 0;
    while (at < actual.length && actual[at] === expected[at]) at++;
    const line = expected.slice(0, at).split('\n').length;
    throw new Error(
      `output differs from test/golden/${name} at line ${line}:\n  golden: ${JSON.stringify(expected.slice(at, at + 120))}\n  actual: ${JSON.stringify(
        actual.slice(at, at + 120),
      )}\n(rewrite the golden file with UPDATE_GOLDEN=1 if the change is intended)`,
    );
  }
}
