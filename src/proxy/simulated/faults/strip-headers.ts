/**
 * strip-headers: removes named request headers (on their way to the origin)
 * and response headers (on their way to the client), and optionally every
 * request header whose name contains `_`.
 *
 * Imitates: nginx's defaults `underscores_in_headers off` /
 * `ignore_invalid_headers on`
 * (https://nginx.org/en/docs/http/ngx_http_core_module.html#underscores_in_headers);
 * CDNs that forward only allow-listed headers (CloudFront origin-request
 * policies would drop `Last-Event-ID`, `Sec-WebSocket-*`;
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-working-with.websockets.html,
 * docs/proxy-behaviour.md#cross-cutting-facts); proxies hiding response headers
 * (`proxy_hide_header`).
 */
import type { FaultDefinition } from '../fault-types';

export interface StripHeadersParams {
  request: string[];
  response: string[];
  underscoreRequestHeaders: boolean;
}

export const stripHeaders: FaultDefinition<StripHeadersParams> = {
  name: 'strip-headers',
  summary: 'removes named request/response headers, and request headers with underscores (nginx default)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      request: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      response: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      underscoreRequestHeaders: { type: 'boolean', default: false, description: 'drop every request header whose name contains "_"' },
    },
  },
  explain(p) {
    const parts: string[] = [];
    if (p.request.length > 0) parts.push(`request headers ${p.request.join(', ')}`);
    if (p.underscoreRequestHeaders) parts.push('request headers whose names contain "_"');
    if (p.response.length > 0) parts.push(`response headers ${p.response.join(', ')}`);
    return parts.length === 0 ? 'passes every header (no header names configured)' : `removes ${parts.join('; ')}`;
  },
  create(p) {
    const requestNames = p.request.map((n) => n.toLowerCase());
    const responseNames = p.response.map((n) => n.toLowerCase());
    return {
      request(ex) {
        const removed = requestNames.filter((name) => ex.headers[name] !== undefined);
        if (p.underscoreRequestHeaders) removed.push(...Object.keys(ex.headers).filter((name) => name.includes('_')));
        for (const name of removed) delete ex.headers[name];
        if (removed.length) ex.log(`removed request header${removed.length > 1 ? 's' : ''} ${removed.join(', ')}`);
      },
      response(ex, res) {
        const removed = responseNames.filter((name) => res.head.headers[name] !== undefined);
        for (const name of removed) delete res.head.headers[name];
        if (removed.length) ex.log(`removed response header${removed.length > 1 ? 's' : ''} ${removed.join(', ')}`);
      },
    };
  },
};
