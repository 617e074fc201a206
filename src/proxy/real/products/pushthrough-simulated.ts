import type { Product } from '../product';

/** pushthrough's own simulated proxy, which signs the error pages it writes (src/proxy/simulated/http-util.ts). */
export const pushthroughSimulated: Product = {
  id: 'pushthrough-simulated',
  label: 'pushthrough simulated proxy',
  aliases: /pushthrough simulated/,
  docs: 'docs/faults.md',
  snippetLanguage: 'yaml',
  fingerprints: [{ confidence: 'high', body: { pattern: /pushthrough simulated proxy(?: \([\w-]+\))?/ } }],
  fixes: {},
};
