/**
 * The setups a run can use: the direct baseline, the simulated setups under
 * proxies/simulated/, one real setup per shipped template
 * (proxies/<product>/<variant>.conf.tmpl with its <variant>.expect.yaml), and
 * the user's own (setup files, `--real`, `--external`). Ids are unique: a
 * user's setup may not reuse a built-in id, and two may not share one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listRealProducts, PROXIES_DIR, templatePathFor, variantRole } from '../proxy/real/installed';
import { RUNNABLE_PRODUCTS } from '../proxy/real/products';
import { validateFaults } from '../proxy/simulated/simulated-proxy';
import { realWorldFaults } from '../setup/real-world';
import { loadSetupDir, loadSetupFile, readExpectFile, SetupFileError, templateSummary, type SetupRules } from '../setup/load';
import { DIRECT_H2_SETUP, DIRECT_SETUP, type Setup } from '../setup/types';
import { UsageError } from '../util/errors';

export { SetupFileError } from '../setup/load';

/** What setup files must agree with: the faults' parameter schemas and the runnable products. */
export const SETUP_RULES: SetupRules = {
  // The stack as the matrix runs it, and as `pushthrough proxy` runs it with the products' own values.
  checkFaults: (faults) => validateFaults(faults) ?? validateFaults(realWorldFaults(faults).faults)?.replace(/^faults\[(\d+)\] '([^']+)': /, "faults[$1] '$2' realWorld: ") ?? undefined,
  products: RUNNABLE_PRODUCTS.map((p) => p.id),
};

export const SIMULATED_DIR = path.join(PROXIES_DIR, 'simulated');
export const FIREWALL_DIR = path.join(PROXIES_DIR, 'firewall');

/** A user's setup file, checked against the faults and products this build knows. */
export function loadUserSetupFile(file: string): Setup {
  return withInner(loadSetupFile(file, SETUP_RULES), () => [...simulatedSetups(), ...realSetups()]);
}

/** A firewall setup with `over`: the built-in setup it stands in front of, resolved. */
function withInner(s: Setup, candidates: () => Setup[]): Setup {
  if (!s.over) return s;
  const inner = candidates().find((o) => o.id === s.over);
  if (!inner) throw new SetupFileError(`${path.relative(process.cwd(), s.file ?? '') || s.id}: field 'over' is '${s.over}' (expected the id of a built-in simulated or real setup)`);
  return { ...s, inner };
}

export function simulatedSetups(dir = SIMULATED_DIR): Setup[] {
  return loadSetupDir(dir, SETUP_RULES);
}

/**
 * Real setups: every template under proxies/<product>/, with its expected
 * verdicts beside it (established by running it). Forward-proxy templates make
 * setups whose clients go through the proxy.
 */
export function realSetups(): Setup[] {
  const out: Setup[] = [];
  for (const p of listRealProducts()) {
    for (const variant of p.variants) {
      const template = templatePathFor(p.product, variant);
      const extra = readExpectFile(path.join(PROXIES_DIR, p.product, `${variant}.expect.yaml`));
      const forward = variantRole(p.product, variant) === 'forward';
      out.push({
        id: `${p.product}-${variant}`,
        kind: 'real',
        description: extra?.description || templateSummary(template) || `${p.product} with the ${variant} template`,
        real: { product: p.product, template, ...(forward ? { forward } : {}) },
        expect: extra?.expect,
        ...(extra?.expectHttp1 ? { expectHttp1: extra.expectHttp1 } : {}),
        ...(extra?.keepalive ? { keepalive: extra.keepalive } : {}),
        source: extra?.source,
      });
      // A forward proxy with an origin that serves https: the same program, every client through CONNECT.
      if (forward && extra?.https) {
        out.push({
          id: `${p.product}-${variant}-https`,
          kind: 'real',
          description: extra.https.description || `${p.product} with the ${variant} template, the origin at https://: every client asks it for a CONNECT tunnel`,
          real: { product: p.product, template, forward, originTls: true },
          expect: extra.https.expect,
          source: extra?.source,
        });
      }
    }
  }
  return out;
}

/**
 * Firewall setups (proxies/firewall/): the kernel's netfilter on the path.
 * One with `over` stands in front of that built-in setup (a layered path);
 * it is left out with the real setups when `over` names a real one.
 */
export function firewallSetups(opts: { real?: boolean } = {}, dir = FIREWALL_DIR, others: Setup[] = [...simulatedSetups(), ...realSetups()]): Setup[] {
  return loadSetupDir(dir, SETUP_RULES)
    .map((s) => withInner(s, () => others))
    .filter((s) => !(s.inner?.kind === 'real' && opts.real === false));
}

export function builtInSetups(opts: { real?: boolean } = {}): Setup[] {
  const simulated = simulatedSetups();
  const real = realSetups();
  return [DIRECT_SETUP, DIRECT_H2_SETUP, ...simulated, ...(opts.real === false ? [] : real), ...firewallSetups(opts, FIREWALL_DIR, [...simulated, ...real])];
}

/**
 * The built-in setups plus the user's, refusing an id used twice or a user
 * setup that would replace a built-in one (the `direct` baseline above all).
 */
export function withUserSetups(builtIn: Setup[], user: Setup[]): Setup[] {
  const known = new Map(builtIn.map((s) => [s.id, s]));
  const seen = new Map<string, Setup>();
  for (const s of user) {
    const where = s.file ? `${path.relative(process.cwd(), s.file) || s.file}: ` : '';
    if (s.id === DIRECT_SETUP.id || s.id === DIRECT_H2_SETUP.id || (known.has(s.id) && s.kind !== 'external')) throw new SetupFileError(`${where}setup id '${s.id}' is a built-in setup's (expected an id of your own)`);
    const twice = seen.get(s.id);
    if (twice) throw new SetupFileError(`${where}setup id '${s.id}' is used twice${twice.file ? ` (also in ${path.relative(process.cwd(), twice.file)})` : ''} (expected each id once)`);
    seen.set(s.id, s);
  }
  return [...builtIn.filter((s) => !seen.has(s.id)), ...user];
}

/**
 * `--real product=template` (run and proxy) and the JS API's `real`: a template
 * path, or the name of a shipped template (`nginx=tuned`). `flag` names the
 * option in the one-line errors.
 */
export function realSetupFrom(spec: string, flag: string): Setup {
  const m = /^([a-z0-9]+)=(.+)$/.exec(spec);
  const products = RUNNABLE_PRODUCTS.map((p) => p.id);
  if (!m) throw new UsageError(`${flag}: expected product=template, e.g. nginx=tuned or nginx=./site.conf.tmpl, got '${spec}'`);
  const [, product, given] = m as unknown as [string, string, string];
  if (!products.includes(product)) throw new UsageError(`${flag}: unknown product '${product}' (expected one of: ${products.join(', ')})`);
  const shipped = /^[a-z0-9-]+$/.test(given) ? templatePathFor(product, given) : undefined;
  const template = shipped && fs.existsSync(shipped) ? shipped : path.resolve(given);
  if (!fs.existsSync(template)) throw new UsageError(`${flag}: template ${given} does not exist (expected a path to a config template, or a template name under proxies/${product}/)`);
  const name = path.basename(template).replace(/\.conf\.tmpl$|\.tmpl$|\.conf$/, '');
  return { id: `${product}-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'), kind: 'real', description: `${product} with ${given}`, real: { product, template } };
}
