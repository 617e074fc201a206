/**
 * The README's reference tables and the schemas agree with the code: a check,
 * a fault, a setup, a product or a reason added in code shows up in both.
 * `UPDATE_README=1 npm run test:unit` rewrites the README's generated sections.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';
import { regenerateReadme } from '../../helpers/readme';
import { CHECK_IDS, HTTP_VERSIONS, KEEPALIVE_KINDS, KEEPALIVE_KINDS_FOR, REASONS, TRANSPORTS, VERDICTS, WS_HANDSHAKES } from '../../../src/vocabulary';
import { CHECKS } from '../../../src/checks/registry';

const README = path.join(REPO_ROOT, 'README.md');

it('the README’s checks, faults, setups, products, reasons and exit codes are the code’s', () => {
  const text = fs.readFileSync(README, 'utf8');
  const fresh = regenerateReadme(text);
  if (process.env.UPDATE_README === '1') fs.writeFileSync(README, fresh);
  else expect(text).toBe(fresh);
});

it('every check in the registry is a check id of the vocabulary, in the same order', () => {
  expect(CHECKS.map((c) => c.id)).toEqual([...CHECK_IDS]);
});

/** Every `enum` in a schema, with the path to it. */
function enums(node: unknown, at = ''): Array<[string, unknown[]]> {
  if (Array.isArray(node)) return node.flatMap((n, i) => enums(n, `${at}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  return [...(Array.isArray(o.enum) ? [[at, o.enum] as [string, unknown[]]] : []), ...Object.entries(o).flatMap(([k, v]) => enums(v, `${at}/${k}`))];
}

it.each(['report.schema.json', 'setup.schema.json'])('%s lists exactly the code’s transports, verdicts, reasons, check ids and wire protocols', (name) => {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schema', name), 'utf8')) as unknown;
  const vocab = { transport: [...TRANSPORTS], verdict: [...VERDICTS], reason: [...REASONS], check: [...CHECK_IDS] };
  for (const [at, values] of enums(schema)) {
    const field = at.split('/').filter(Boolean).pop() ?? '';
    // Keepalive results name the three transports a keepalive is tried on; every other list of transports names all four.
    const keepaliveTransports = TRANSPORTS.filter((t) => t in KEEPALIVE_KINDS_FOR);
    if (['transport', 'landsOn'].includes(field) && values.length > 2) expect([at, values]).toEqual([at, /keepalive/i.test(at) ? keepaliveTransports : vocab.transport]);
    if (field === 'kind' && /keepalive/i.test(at)) expect([at, values]).toEqual([at, [...KEEPALIVE_KINDS]]);
    if (/keepalive/i.test(at) && field === 'items') expect(values.filter((k) => !(KEEPALIVE_KINDS as readonly unknown[]).includes(k))).toEqual([]);
    if (field === 'verdict') expect([at, values]).toEqual([at, vocab.verdict]);
    if (field === 'reason') expect([at, values]).toEqual([at, vocab.reason]);
    if (at.endsWith('/check/properties/id')) expect([at, values]).toEqual([at, vocab.check]);
    if (at.endsWith('/protocol/properties/http')) expect([at, values]).toEqual([at, [...HTTP_VERSIONS]]);
    if (at.endsWith('/protocol/properties/handshake')) expect([at, values]).toEqual([at, [...WS_HANDSHAKES]]);
  }
  // The setup schema's expectations are keyed by transport.
  if (name === 'setup.schema.json') {
    const expect_ = (schema as { properties: { expect: { properties: Record<string, unknown> } } }).properties.expect.properties;
    expect(Object.keys(expect_)).toEqual([...TRANSPORTS]);
  }
});
