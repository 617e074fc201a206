import { builtInSetups, SetupFileError } from '../../setup/load';
import { listRealProducts } from '../../proxy/real/launcher';
import { UsageError } from '../usage-error';

export function setupsCommand(opts: { format: string }): void {
  let setups;
  try {
    setups = builtInSetups();
  } catch (err) {
    if (err instanceof SetupFileError) throw new UsageError(err.message);
    throw err;
  }
  const products = new Map(listRealProducts().map((p) => [p.product, p]));
  if (opts.format === 'json') {
    process.stdout.write(`${JSON.stringify(setups.map((s) => ({ id: s.id, kind: s.kind, description: s.description, imitates: s.imitates, available: s.real ? products.get(s.real.product)?.available : true })), null, 2)}\n`);
    return;
  }
  const width = Math.max(...setups.map((s) => s.id.length));
  let kind = '';
  for (const s of setups) {
    if (s.kind !== kind) {
      kind = s.kind;
      process.stdout.write(`\n${kind}:\n`);
    }
    const p = s.real ? products.get(s.real.product) : undefined;
    const avail = p && !p.available ? `  [not installed: ${p.installHint}]` : '';
    process.stdout.write(`  ${s.id.padEnd(width)}  ${s.description}${s.imitates ? ` (imitates ${s.imitates})` : ''}${avail}\n`);
  }
}
