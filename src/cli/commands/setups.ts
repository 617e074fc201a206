import { listRealProducts } from '../../proxy/real/installed';
import { builtInSetups } from '../../run/setups';
import { UsageError } from '../../util/errors';
import { outputWidth } from '../output';
import { fit } from '../../report/render/text';

const SETUPS_FORMATS = ['table', 'json'];

/** `pushthrough setups`: the built-in setups, and which real proxies are installed here. */
export function setupsCommand(opts: { format: string }): void {
  if (!SETUPS_FORMATS.includes(opts.format)) throw new UsageError(`--format must be one of ${SETUPS_FORMATS.join(', ')}, got '${opts.format}'`);
  const setups = builtInSetups();
  const products = new Map(listRealProducts().map((p) => [p.product, p]));
  const available = (product?: string): boolean => (product ? (products.get(product)?.available ?? false) : true);
  if (opts.format === 'json') {
    const list = setups.map((s) => ({ id: s.id, kind: s.kind, description: s.description, imitates: s.imitates, product: s.real?.product, available: available(s.real?.product) }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const width = outputWidth(process.stdout);
  const idWidth = Math.max(...setups.map((s) => s.id.length));
  let kind = '';
  for (const s of setups) {
    if (s.kind !== kind) {
      kind = s.kind;
      process.stdout.write(`\n${kind}:\n`);
    }
    const missing = s.real && !available(s.real.product) ? '  [not installed]' : '';
    const text = `  ${s.id.padEnd(idWidth)}  ${s.description}${s.imitates ? ` (imitates ${s.imitates})` : ''}`;
    process.stdout.write(`${fit(text, width - missing.length)}${missing}\n`);
  }
  const absent = [...products.values()].filter((p) => !p.available);
  if (absent.length) {
    process.stdout.write(`\nnot installed: ${absent.map((p) => p.product).join(', ')} — npm run lab:install adds them (apt-get install -y ${absent.map((p) => p.debianPackage).join(' ')})\n`);
  }
}
