/**
 * Setup files: YAML or JSON, built in (proxies/simulated/) or given by the
 * user. Validated on load against schema/setup.schema.json, and against the
 * rules the caller knows (fault parameter schemas, runnable products); a bad
 * file becomes one line naming the file, the field and what was expected.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import YAML from 'yaml';
import { UsageError } from '../util/errors';
import { PROJECT_ROOT } from '../util/paths';
import type { FaultSpec, Setup } from './types';

/** A user mistake in a setup file: the CLI prints the message alone and exits 2. */
export class SetupFileError extends UsageError {}

/** What a setup must agree with beyond the schema; supplied by the pipeline, which knows faults and products. */
export interface SetupRules {
  /** one line naming what is wrong with a fault stack, or undefined */
  checkFaults?: (faults: FaultSpec[]) => string | undefined;
  /** product ids a `real` setup may name */
  products?: readonly string[];
}

const SCHEMA_PATH = path.join(PROJECT_ROOT, 'schema', 'setup.schema.json');
let validator: ReturnType<Ajv['compile']> | undefined;

function validate(): ReturnType<Ajv['compile']> {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as object);
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
      return `field '${where}' must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return `field '${where}' ${e.message ?? 'is invalid'}`;
  }
}

function parse(file: string, rel: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SetupFileError(`${rel}: cannot read the setup file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new SetupFileError(`${rel}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Parses and validates one setup file; throws SetupFileError with one line. */
export function loadSetupFile(file: string, rules: SetupRules = {}): Setup {
  const rel = path.relative(process.cwd(), file) || file;
  const data = parse(file, rel);
  const v = validate();
  if (!v(data)) throw new SetupFileError(`${rel}: ${describeAjvError(v.errors![0])}`);
  const setup = data as Setup;
  if (setup.kind === 'direct') throw new SetupFileError(`${rel}: kind 'direct' is the built-in baseline; a setup file describes something in front of the origin (expected simulated, real, external or firewall)`);
  if (setup.kind === 'simulated' && setup.faults === undefined) throw new SetupFileError(`${rel}: missing field 'faults' (expected a list of faults)`);
  if (setup.kind === 'simulated') {
    const problem = rules.checkFaults?.(setup.faults ?? []);
    if (problem) throw new SetupFileError(`${rel}: ${problem}`);
  }
  if (setup.kind === 'firewall' && !setup.firewall) throw new SetupFileError(`${rel}: missing field 'firewall' (a firewall setup says what the kernel does: port, idleMs, expired, allowPorts, link)`);
  if (setup.http2 && !setup.tls) throw new SetupFileError(`${rel}: field 'http2' needs 'tls: true' (HTTP/2 is offered by ALPN, inside TLS)`);
  if (setup.tls && setup.kind !== 'simulated') throw new SetupFileError(`${rel}: field 'tls' belongs to kind simulated (a real product's TLS front is its template, naming {{TLS_CERT}}; this setup is ${setup.kind})`);
  if (setup.kind !== 'firewall' && (setup.firewall || setup.over)) throw new SetupFileError(`${rel}: field '${setup.firewall ? 'firewall' : 'over'}' belongs to kind firewall (this setup is ${setup.kind})`);
  if (setup.kind === 'external' && !setup.url) throw new SetupFileError(`${rel}: missing field 'url' (an external setup needs the URL of a deployed origin)`);
  if (setup.kind === 'real') {
    if (!setup.real) throw new SetupFileError(`${rel}: missing field 'real' (a real setup names a product and a template)`);
    if (rules.products && !rules.products.includes(setup.real.product)) {
      throw new SetupFileError(`${rel}: field 'real.product' is '${setup.real.product}' (expected one of: ${rules.products.join(', ')})`);
    }
    const template = path.resolve(path.dirname(file), setup.real.template);
    if (!fs.existsSync(template)) throw new SetupFileError(`${rel}: field 'real.template': ${setup.real.template} does not exist (expected a path relative to the setup file)`);
    setup.real = { ...setup.real, template };
  }
  return { ...setup, file };
}

/** Every setup file of a folder, sorted by name. */
export function loadSetupDir(dir: string, rules: SetupRules = {}): Setup[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => loadSetupFile(path.join(dir, f), rules));
}

/** A template's expectations file (<variant>.expect.yaml): description, source and expected verdicts. */
/** What a template's expectations file holds. */
export type TemplateExpectations = Pick<Setup, 'description' | 'expect' | 'expectHttp1' | 'source' | 'keepalive'> & {
  /** a forward proxy: the expectations when the origin serves https and every client goes through CONNECT (setup `<id>-https`) */
  https?: Pick<Setup, 'expect'> & { description?: string };
};

export function readExpectFile(file: string): TemplateExpectations | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const data = YAML.parse(fs.readFileSync(file, 'utf8')) as (Partial<Setup> & { https?: { expect?: Setup['expect']; description?: string } }) | null;
    return {
      description: data?.description ?? '',
      expect: data?.expect,
      ...(data?.expectHttp1 ? { expectHttp1: data.expectHttp1 } : {}),
      ...(data?.https?.expect ? { https: { expect: data.https.expect, ...(data.https.description ? { description: data.https.description } : {}) } } : {}),
      source: data?.source,
      ...(data?.keepalive ? { keepalive: data.keepalive } : {}),
    };
  } catch (err) {
    throw new SetupFileError(`${path.relative(process.cwd(), file)}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The first sentence of a template's header comment, as its description. */
export function templateSummary(file: string): string | undefined {
  try {
    const head = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^#\s?/, ''));
    const first = head.join(' ').split(/(?<=[.:])\s/)[0];
    return first ? first.replace(/\s+/g, ' ').trim() : undefined;
  } catch {
    return undefined;
  }
}
