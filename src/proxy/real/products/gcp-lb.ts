import { behaviourDoc, type FixSnippet, type Product } from '../product';

const TIMEOUT: FixSnippet = {
  doc: 'https://cloud.google.com/load-balancing/docs/backend-service#timeout-setting',
  lines: ['# default 30 s; for WebSockets it is the maximum connection lifetime, not an idle timeout', 'gcloud compute backend-services update BACKEND_SERVICE --global --timeout=3600'],
};

/** Google Cloud external Application Load Balancer: the backend service timeout. */
export const gcpLb: Product = {
  id: 'gcp-lb',
  label: 'Google Cloud Load Balancer',
  aliases: /\bgcp\b|google|\bgce\b|\bgfe\b/,
  docs: behaviourDoc('google-cloud-load-balancer'),
  snippetLanguage: 'sh',
  fingerprints: [
    { confidence: 'high', header: { name: 'via', pattern: /\bgoogle\b/i } },
    { confidence: 'medium', header: { name: 'server', pattern: /^(Google Frontend|gfe)/i } },
  ],
  fixes: {
    'idle-timeout': TIMEOUT,
    'max-duration': TIMEOUT,
    'first-byte-timeout': TIMEOUT,
    'not-sticky': {
      doc: 'https://cloud.google.com/load-balancing/docs/backend-service#session_affinity',
      lines: ['gcloud compute backend-services update BACKEND_SERVICE --global --session-affinity=GENERATED_COOKIE'],
    },
  },
};
