/**
 * The README's reference tables, made from the code they describe: checks,
 * faults, simulated setups, products, reason codes and exit codes. The unit
 * test test/unit/docs/readme.test.ts keeps the README equal to these;
 * `UPDATE_README=1 npm run test:unit` rewrites the sections between their
 * `<!-- NAME:START -->` and `<!-- NAME:END -->` markers.
 */
import { CHECKS } from '../../src/checks/registry';
import { transportsOf } from '../../src/checks/check';
import { PRODUCTS } from '../../src/proxy/real/products';
import { FAULTS, FAULT_NAMES } from '../../src/proxy/simulated/faults';
import { firewallSetups, simulatedSetups } from '../../src/run/setups';
import { explainFirewall } from '../../src/proxy/firewall/rules';
import { EXIT } from '../../src/util/errors';
import { ORIGIN_LIMIT_OPTIONS } from '../../src/cli/commands/origin';
import { REASONS, TRANSPORTS } from '../../src/vocabulary';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function checksTable(): string {
  const rows = CHECKS.map((c) => {
    const ts = transportsOf(c);
    const which = ts.length === TRANSPORTS.length ? 'all' : ts.join(', ');
    return `| \`${c.id}\` | ${which}${c.gradedFrom ? ` (from \`${c.gradedFrom}\`)` : ''} | ${cell(c.description)} | ${cell(c.expectation)} |`;
  });
  return ['| check | transports | what it does | what it expects |', '|---|---|---|---|', ...rows].join('\n');
}

function paramText(name: string, schema: Record<string, unknown>): string {
  const type = schema.enum ? (schema.enum as unknown[]).join('\\|') : schema.type === 'array' ? `${(schema.items as { type?: string })?.type ?? 'any'}[]` : String(schema.type);
  return `\`${name}\` ${type}${schema.default !== undefined ? ` = ${JSON.stringify(schema.default)}` : ''}`;
}

function faultsTable(): string {
  const rows = FAULT_NAMES.map((name) => {
    const f = FAULTS[name];
    const props = (f.paramsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
    const params = Object.entries(props).map(([k, v]) => paramText(k, v)).join('; ') || '—';
    return `| [\`${name}\`](docs/faults.md#${name}) | ${cell(params)} | ${cell(f.summary)} |`;
  });
  return ['| fault | parameters (type, default) | what it does |', '|---|---|---|', ...rows].join('\n');
}

function setupsTable(): string {
  const rows = simulatedSetups().map((s) => `| \`${s.id}\` | ${cell(s.imitates ?? '')} | ${cell(s.description)} |`);
  return ['| setup | imitates | what it does |', '|---|---|---|', ...rows].join('\n');
}

function firewallsTable(): string {
  const rows = firewallSetups().map((s) => `| \`${s.id}\` | ${cell(s.imitates ?? '')} | ${cell(`${explainFirewall(s.firewall!).replace(/^the Linux kernel's netfilter in a network namespace: /, '')}${s.over ? `; in front of \`${s.over}\`` : ''}`)} |`);
  return ['| setup | imitates | what the kernel does |', '|---|---|---|', ...rows].join('\n');
}

function productsTable(): string {
  const rows = PRODUCTS.filter((p) => p.id !== 'pushthrough-simulated').map((p) => {
    const run = p.launch ? `\`${p.launch.binary}\` (Debian \`${p.launch.debianPackage}\`)` : '— (recognised and fixed, not run)';
    const fixes = Object.keys(p.fixes);
    return `| ${p.label} | \`${p.id}\` | ${run} | ${fixes.length ? fixes.map((r) => `\`${r}\``).join(', ') : '—'} | [notes](${p.docs}) |`;
  });
  return ['| product | id | runs from | config fixes for | behaviour |', '|---|---|---|---|---|', ...rows].join('\n');
}

function reasonsList(): string {
  return `Reason codes (stable): ${REASONS.map((r) => `\`${r}\``).join(', ')}.`;
}

const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  ok: 'every cell as expected (`run`); every transport passes (`probe`); nothing got worse (`diff`)',
  mismatch: 'a cell not as expected (`run`); a transport degraded or failing (`probe`); a cell got worse (`diff`)',
  usage: 'a usage or configuration error: one line on stderr naming what is wrong and what was expected',
  testerError: 'otherwise, a cell the tester could not run (an `error` cell: a proxy that never started, an unreachable external setup): the answer is incomplete; or a helper of pushthrough’s own that could not start here (its origin), said in one line',
  internal: 'a bug in pushthrough: an internal error with its stack trace',
  sigint: 'interrupted by Ctrl-C (SIGINT); the partial report, marked interrupted, is written',
  sigterm: 'stopped by SIGTERM; the partial report, marked interrupted, is written',
};

function exitCodes(): string {
  const rows = (Object.keys(EXIT) as Array<keyof typeof EXIT>).map((k) => `| ${EXIT[k]} | ${EXIT_MEANINGS[k]} |`);
  return ['| exit | meaning |', '|---|---|', ...rows].join('\n');
}

function originLimits(): string {
  const rows = ORIGIN_LIMIT_OPTIONS.map(([flags, help]) => `| \`${flags.replace(/ <.*>$/, '')}\` | ${help} |`);
  return ['| flag | limit |', '|---|---|', ...rows].join('\n');
}

export const README_SECTIONS: Record<string, () => string> = {
  'ORIGIN-LIMITS': originLimits,
  CHECKS: checksTable,
  FAULTS: faultsTable,
  SETUPS: setupsTable,
  FIREWALLS: firewallsTable,
  PRODUCTS: productsTable,
  REASONS: reasonsList,
  'EXIT-CODES': exitCodes,
};

/** The README with every generated section replaced; throws when a marker is missing. */
export function regenerateReadme(readme: string): string {
  let out = readme;
  for (const [name, make] of Object.entries(README_SECTIONS)) {
    const re = new RegExp(`(<!-- ${name}:START -->\\n)[\\s\\S]*?(<!-- ${name}:END -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- ${name}:START --> … <!-- ${name}:END --> section`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${make()}\n${b}`);
  }
  return out;
}
