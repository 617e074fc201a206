/** Validates a report against schema/report.schema.json (the JSON contract). */
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import type { Report } from './types';

const SCHEMA = path.resolve(__dirname, '..', '..', 'schema', 'report.schema.json');
let compiled: ReturnType<Ajv['compile']> | undefined;

/** Returns null when valid, else one line naming the first problem. */
export function validateReport(report: unknown): string | null {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
    compiled = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
  }
  if (compiled(report)) return null;
  const e = compiled.errors![0];
  return `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}`;
}

export function isReport(x: unknown): x is Report {
  return validateReport(x) === null;
}
