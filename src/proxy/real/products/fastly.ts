import { behaviourDoc, type Product } from '../product';

/** Fastly: Varnish underneath, with headers of its own. */
export const fastly: Product = {
  id: 'fastly',
  label: 'Fastly',
  aliases: /fastly/,
  docs: behaviourDoc('fastly'),
  snippetLanguage: 'vcl',
  fingerprints: [
    { confidence: 'high', present: 'x-fastly-request-id' },
    { confidence: 'medium', header: { name: 'x-served-by', pattern: /^cache-/i } },
    { confidence: 'medium', present: 'x-timer' },
  ],
  fixes: {},
};
