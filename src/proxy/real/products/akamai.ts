import { behaviourDoc, type Product } from '../product';

/** Akamai: recognised by its Server header only. */
export const akamai: Product = {
  id: 'akamai',
  label: 'Akamai',
  aliases: /akamai/,
  docs: behaviourDoc('cross-cutting-facts'),
  snippetLanguage: 'text',
  fingerprints: [{ confidence: 'high', header: { name: 'server', pattern: /AkamaiGHost|AkamaiNetStorage/i } }],
  fixes: {},
};
