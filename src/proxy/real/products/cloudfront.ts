import { behaviourDoc, type Product } from '../product';

/** AWS CloudFront: recognised by its headers; no config snippet (docs/proxy-behaviour.md explains its limits). */
export const cloudfront: Product = {
  id: 'cloudfront',
  label: 'AWS CloudFront',
  aliases: /cloudfront/,
  docs: behaviourDoc('aws-cloudfront'),
  snippetLanguage: 'text',
  fingerprints: [
    { confidence: 'high', header: { name: 'via', pattern: /cloudfront/i } },
    { confidence: 'high', present: 'x-amz-cf-id' },
    { confidence: 'medium', header: { name: 'x-cache', pattern: /from cloudfront/i } },
  ],
  fixes: {},
};
