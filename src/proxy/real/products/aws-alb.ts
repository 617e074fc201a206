import { behaviourDoc, type Product } from '../product';

const ATTRIBUTES = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html';

/** AWS Application Load Balancer: a 60 s idle timeout, stickiness off by default. */
export const awsAlb: Product = {
  id: 'aws-alb',
  label: 'AWS Application Load Balancer',
  aliases: /\balb\b|\belb\b|application load balancer/,
  docs: behaviourDoc('aws-application-load-balancer'),
  snippetLanguage: 'sh',
  fingerprints: [
    // awselb signs its own answers.
    { confidence: 'high', header: { name: 'server', pattern: /^awselb(?:\/([\d.]+))?/i, version: 1 } },
    { confidence: 'high', body: { pattern: /<center>awselb(?:\/[\d.]+)?<\/center>/i } },
  ],
  fixes: {
    'idle-timeout': {
      doc: ATTRIBUTES,
      lines: ['aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \\', '  --attributes Key=idle_timeout.timeout_seconds,Value=300'],
    },
    // No response within the idle timeout is a 504.
    'first-byte-timeout': {
      doc: ATTRIBUTES,
      lines: ['aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \\', '  --attributes Key=idle_timeout.timeout_seconds,Value=120'],
    },
    'not-sticky': {
      doc: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html',
      lines: ['aws elbv2 modify-target-group-attributes --target-group-arn "$TG_ARN" \\', '  --attributes Key=stickiness.enabled,Value=true Key=stickiness.type,Value=lb_cookie'],
    },
  },
};
