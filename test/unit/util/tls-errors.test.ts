import { isCertificateError } from '../../../src/util/tls-errors';

describe('isCertificateError', () => {
  it("takes the verification codes and not the peer's alerts", () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      expect([code, isCertificateError(code)]).toEqual([code, true]);
    }
    for (const code of ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET', 'CONNECT_REFUSED', undefined]) expect([code, isCertificateError(code)]).toEqual([code, false]);
  });
});
