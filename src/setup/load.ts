/**
 * Setup files: YAML or JSON under proxies/simulated/ (built in) or given by
 * the user. Validated on load against schema/setup.schema.json and each
 * fault's own parameter schema; a bad file becomes one line naming the file,
 * the field and what was expected.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import YAML from 'yaml';
import type { Setup } from './types';
import { DIRECT_SETUP } from './types';
import { validateFaults } from '../proxy/simulated/simulated-proxy';
import { listRealProducts, variantRole } from '../proxy/real/launcher';
import { PROJECT_ROOT } from '../run/bring-up';

/** A user mistake in a setup file: the CLI prints the message alone and exits 2. */
export class SetupFileError extends Error {}

const SCHEMA_PATH = path.join(PROJECT_ROOT, 'schema', 'setup.schema.json');
let validator: ReturnType<Ajv['compile']> | undefined;

function validate(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    validator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as object);
  }
  return validator;
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  switch (e.keyword) {
    case 'required':
      return `missing field '${e.instancePath ? `${where}.` : ''}${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties':
      return `unknown field '${e.instancePath ? `${where}.` : ''}${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `field '${where}' must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')}`;
    default:
      return `field '${where}' ${e.message ?? 'is invalid'}`;
  }
}

/** Parses and validates one setup file; throws SetupFileError with one line. */
export function loadSetupFile(file: string): Setup {
  const rel = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SetupFileError(`${rel}: cannot read the setup file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new SetupFileError(`${rel}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${msg})`);
  }
  const v = validate();
  if (!v(data)) throw new SetupFileError(`${rel}: ${describeAjvError(v.errors![0])}`);
  const setup = data as Setup;
  if (setup.kind === 'simulated') {
    const problem = validateFaults(setup.faults ?? []);
    if (problem) throw new SetupFileError(`${rel}: ${problem}`);
  }
  if (setup.kind === 'simulated' && !(setup.faults && setup.faults.length >= 0)) throw new SetupFileError(`${rel}: missing field 'faults' (expected a list of faults)`);
  if (setup.kind === 'external' && !setup.url) throw new SetupFileError(`${rel}: missing field 'url' (an external setup needs the URL of a deployed origin)`);
  return { ...setup, file };
}

export const SIMULATED_DIR = path.join(PROJECT_ROOT, 'proxies', 'simulated');

export function loadSimulatedSetups(dir = SIMULATED_DIR): Setup[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => loadSetupFile(path.join(dir, f)));
}

/** The first line of a template's header comment, as its description. */
function templateSummary(file: string): string | undefined {
  try {
    const head = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
    const first = head.join(' ').split(/(?<=[.:])\s/)[0];
    return first ? first.replace(/\s+/g, ' ').trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Real setups: every template under proxies/<product>/, with its expected
 * verdicts beside it (<variant>.expect.yaml, established by running it).
 * Forward-proxy templates make setups whose clients go through the proxy.
 */
export function loadRealSetups(): Setup[] {
  const out: Setup[] = [];
  for (const p of listRealProducts()) {
    for (const variant of p.variants) {
      const dir = path.join(PROJECT_ROOT, 'proxies', p.product);
      const template = path.join('proxies', p.product, `${variant}.conf.tmpl`);
      const expectFile = path.join(dir, `${variant}.expect.yaml`);
      let extra: Partial<Setup> = {};
      if (fs.existsSync(expectFile)) {
        let data: Partial<Setup>;
        try {
          data = YAML.parse(fs.readFileSync(expectFile, 'utf8')) as Partial<Setup>;
        } catch (err) {
          throw new SetupFileError(`${path.relative(process.cwd(), expectFile)}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
        }
        extra = { description: data.description, expect: data.expect, source: data.source };
      }
      const forward = variantRole(variant) === 'forward';
      out.push({
        id: `${p.product}-${variant}`,
        kind: 'real',
        description: extra.description ?? templateSummary(path.join(PROJECT_ROOT, template)) ?? `${p.product} with the ${variant} template`,
        real: { product: p.product, template, ...(forward ? { forward } : {}) },
        expect: extra.expect,
        source: extra.source,
      });
    }
  }
  return out;
}

export function builtInSetups(opts: { real?: boolean } = {}): Setup[] {
  return [DIRECT_SETUP, ...loadSimulatedSetups(), ...(opts.real === false ? [] : loadRealSetups())];
}
