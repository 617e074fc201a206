import { behaviourDoc, type Product } from '../product';

/** Azure Application Gateway (v2). */
export const azureAppGateway: Product = {
  id: 'azure-app-gateway',
  label: 'Azure Application Gateway',
  aliases: /application gateway/,
  docs: behaviourDoc('azure-application-gateway'),
  snippetLanguage: 'text',
  fingerprints: [{ confidence: 'high', header: { name: 'server', pattern: /Microsoft-Azure-Application-Gateway/i } }],
  fixes: {},
};
