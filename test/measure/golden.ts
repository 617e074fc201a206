/** Golden files of the measurement sections; `UPDATE_GOLDEN=1 npx jest test/measure` rewrites them. */
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, 'golden');

export function expectGolden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file test/measure/golden/${name} is missing: run UPDATE_GOLDEN=1 npx jest test/measure/render`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}
