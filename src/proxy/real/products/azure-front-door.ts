import { behaviourDoc, type Product } from '../product';

/** Azure Front Door (Standard/Premium). */
export const azureFrontDoor: Product = {
  id: 'azure-front-door',
  label: 'Azure Front Door',
  aliases: /front door/,
  docs: behaviourDoc('azure-front-door'),
  snippetLanguage: 'text',
  fingerprints: [{ confidence: 'medium', present: 'x-azure-ref' }],
  fixes: {},
};
