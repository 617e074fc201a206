import { tlsOptionsFor, trustKey } from '../../../src/client/target';
import { makeThrowawayTls } from '../../../src/util/certs';

describe('tlsOptionsFor', () => {
  let ca: string;
  beforeAll(async () => {
    ca = (await makeThrowawayTls()).ca;
  });

  it("leaves Node's defaults alone when nothing is added", () => {
    expect(tlsOptionsFor({ baseUrl: 'https://127.0.0.1:1' })).toBeUndefined();
    expect(trustKey({ baseUrl: 'https://127.0.0.1:1', tls: { ca: [] } })).toBe('');
  });

  it('makes one secure context per trust and hands the same one to every connection', () => {
    const a = tlsOptionsFor({ baseUrl: 'https://127.0.0.1:1', tls: { ca: [ca] } });
    const b = tlsOptionsFor({ baseUrl: 'https://127.0.0.1:2', tls: { ca: [ca] } });
    expect(a?.secureContext).toBeDefined();
    expect(a?.secureContext).not.toBe(tlsOptionsFor({ baseUrl: 'https://127.0.0.1:1', tls: { ca: [ca, ca] } })?.secureContext);
    expect(b?.secureContext).toBe(a?.secureContext);
    expect(tlsOptionsFor({ baseUrl: 'https://127.0.0.1:1', tls: { ca: [ca], insecure: true } })).toEqual({ secureContext: a?.secureContext, rejectUnauthorized: false });
  });

  it('--insecure alone turns verification off and keeps the default store', () => {
    expect(tlsOptionsFor({ baseUrl: 'https://127.0.0.1:1', tls: { insecure: true } })).toEqual({ rejectUnauthorized: false });
  });
});
