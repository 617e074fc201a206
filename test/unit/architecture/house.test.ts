/**
 * The house rules, checked on the source itself:
 *  - the data path is the folder layout, and imports run only toward earlier steps;
 *  - no file in src/ over 400 lines;
 *  - nothing in the repository cites a file outside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

const SRC = path.join(REPO_ROOT, 'src');
/** The steps of the data path, in order; util/, protocol/ and the root files (vocabulary, version) are shared by all. */
const ORDER = ['setup', 'origin', 'proxy', 'client', 'observation', 'verdict', 'checks', 'measure', 'report', 'run', 'cli'];
const SHARED = ['util', 'protocol', ''];

function walk(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', 'test-artifacts', 'lab-reports', '.build'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, keep, out);
    else if (keep(full)) out.push(full);
  }
  return out;
}

const sources = walk(SRC, (f) => f.endsWith('.ts'));
const stepOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '' : rel[0];
};

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
  from: string;
  to: string;
}

const imports: Import[] = sources.flatMap((file) =>
  [...fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)( type)? [^;]*? from '(\.[^']+)'/gm)].map((m) => ({
    file: path.relative(REPO_ROOT, file),
    spec: m[2],
    typeOnly: m[1] !== undefined,
    from: stepOf(file),
    to: stepOf(path.resolve(path.dirname(file), m[2])),
  })),
);

it('src/ is the data path: every folder is a step or shared', () => {
  const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect(folders.filter((f) => !ORDER.includes(f) && !SHARED.includes(f))).toEqual([]);
});

it('imports run only toward earlier steps of the data path', () => {
  const backwards = imports.filter((i) => {
    if (SHARED.includes(i.from) || SHARED.includes(i.to)) return false;
    if (ORDER.indexOf(i.to) <= ORDER.indexOf(i.from)) return false;
    // The one exception: the client names the type of the data it hands on (it writes Observations).
    return !(i.from === 'client' && i.to === 'observation' && i.typeOnly);
  });
  expect(backwards.map((i) => `${i.file} → ${i.spec}`)).toEqual([]);
});

it('setup/, client/ and report/render/ import nothing from a later step at all', () => {
  const strict = imports.filter((i) => (i.from === 'setup' || i.from === 'client' || i.file.startsWith('src/report/render/')) && !SHARED.includes(i.to));
  const later = strict.filter((i) => ORDER.indexOf(i.to) > ORDER.indexOf(i.from) && !(i.from === 'client' && i.to === 'observation' && i.typeOnly));
  expect(later.map((i) => `${i.file} → ${i.spec}`)).toEqual([]);
  // The client is any origin's client: it knows the wire contract (protocol/), not the origin's code.
  expect(imports.filter((i) => i.from === 'client' && i.to === 'origin').map((i) => i.file)).toEqual([]);
});

it('renderers are pure functions of the report: no fixes, guesses or grading computed while rendering', () => {
  const render = imports.filter((i) => i.file.startsWith('src/report/render/'));
  const computing = render.filter((i) => !i.typeOnly && ['verdict', 'checks', 'measure', 'proxy', 'client'].includes(i.to));
  expect(computing.map((i) => `${i.file} → ${i.spec}`)).toEqual([]);
});

it('no file in src/ is over 400 lines', () => {
  const long = sources.map((f) => [path.relative(REPO_ROOT, f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
  expect(long).toEqual([]);
});

it('nothing in the repository cites a file outside it', () => {
  const text = walk(REPO_ROOT, (f) => /\.(ts|js|json|ya?ml|md|tmpl|sh|vcl|html|xml|txt)$|Dockerfile$/.test(f) && !f.endsWith('package-lock.json'));
  const outside = /\/work\/|shared\/reference|proxy-catalog|field-failures|\bcatalog §|\(catalog [A-J]\d?/i;
  const hits = text.filter((f) => f !== __filename && outside.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(REPO_ROOT, f));
  expect(hits).toEqual([]);
});
