/**
 * Fault stacks as data (setup files, the CLI, the control API, the JS API):
 * each spec is checked against its fault's JSON schema, defaults applied, and
 * a bad one is refused with one line naming the fault, the field and what was
 * expected.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FaultDefinition } from './fault-types';
import { FAULTS } from './faults';

/** One fault of a stack, as data (JSON/YAML setups, CLI). */
export interface FaultSpec {
  name: string;
  params?: Record<string, unknown>;
}

/** A fault spec that passed its schema, with defaults applied. */
export interface ResolvedFault {
  name: string;
  params: Record<string, unknown>;
  definition: FaultDefinition<Record<string, unknown>>;
}

/** Bad options: `message` is one line naming what is wrong and what was expected. */
export class SimulatedProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedProxyConfigError';
  }
}

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, strictRequired: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(def: FaultDefinition<unknown>): ValidateFunction {
  let v = validators.get(def.name);
  if (!v) {
    v = ajv.compile(def.paramsSchema);
    validators.set(def.name, v);
  }
  return v;
}

function describeSchemaError(err: ErrorObject, schema: Record<string, unknown>): string {
  const field = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const subject = field === '' ? 'params' : field;
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((schema['properties'] as Record<string, unknown>) ?? {});
      return `unknown parameter '${String(p['additionalProperty'])}' (expected one of: ${known.join(', ') || 'none'})`;
    }
    case 'type': {
      const type = String(p['type']);
      return `${subject} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    }
    case 'enum':
      return `${subject} must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${subject} must be ${String(p['comparison'])} ${String(p['limit'])}`;
    case 'minItems':
      return `${subject} must have at least ${String(p['limit'])} item(s)`;
    case 'anyOf':
    case 'oneOf':
      return typeof schema['description'] === 'string' ? `params: ${schema['description']}` : `params ${err.message ?? 'are invalid'}`;
    default:
      return `${subject} ${err.message ?? 'is invalid'}`;
  }
}

function valueAt(params: unknown, instancePath: string): unknown {
  let v: unknown = params;
  for (const key of instancePath.split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Checks every fault spec against its fault's schema (defaults applied) and
 * resolves them; throws SimulatedProxyConfigError with a one-line message.
 */
export function resolveFaults(faults: FaultSpec[]): ResolvedFault[] {
  if (!Array.isArray(faults)) throw new SimulatedProxyConfigError('faults must be a list of {name, params}');
  return faults.map((spec, i) => {
    if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string') {
      throw new SimulatedProxyConfigError(`faults[${i}]: expected an object {name, params} with a fault name`);
    }
    const definition = FAULTS[spec.name] as FaultDefinition<Record<string, unknown>> | undefined;
    if (!definition) {
      throw new SimulatedProxyConfigError(`faults[${i}]: unknown fault '${spec.name}' (expected one of: ${Object.keys(FAULTS).join(', ')})`);
    }
    const raw = spec.params ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SimulatedProxyConfigError(`faults[${i}] '${spec.name}': params must be an object`);
    }
    const params = structuredClone(raw) as Record<string, unknown>;
    const validate = validatorFor(definition);
    if (!validate(params)) {
      // For anyOf/oneOf ajv lists each branch's error first; the summary reads better.
      const errors = validate.errors ?? [];
      const err = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf') ?? errors[0];
      const text = err ? describeSchemaError(err, definition.paramsSchema) : 'params are invalid';
      const got = err && err.keyword !== 'additionalProperties' && err.instancePath ? ` (got ${JSON.stringify(valueAt(raw, err.instancePath))})` : '';
      throw new SimulatedProxyConfigError(`faults[${i}] '${spec.name}': ${text}${got}`);
    }
    return { name: spec.name, params, definition };
  });
}

/**
 * One line naming the first invalid fault (index, name, field, what was
 * expected), or null when every spec is valid.
 */
export function validateFaults(faults: FaultSpec[]): string | null {
  try {
    resolveFaults(faults);
    return null;
  } catch (err) {
    if (err instanceof SimulatedProxyConfigError) return err.message;
    throw err;
  }
}

/** One sentence per fault, in stack order (for reports and `pushthrough setups`). */
export function explainFaults(faults: FaultSpec[]): string[] {
  return resolveFaults(faults).map((f) => f.definition.explain(f.params));
}
