/**
 * A TLS certificate the client does not trust: Node's error codes for it
 * (OpenSSL's verification results, and Node's own host-name check). Alerts
 * from the peer (ERR_SSL_..._ALERT_CERTIFICATE_REQUIRED: it wants a client
 * certificate) are something else and do not match.
 */
export function isCertificateError(code: string | undefined): boolean {
  return (
    code !== undefined &&
    /^(CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?|DECRYPT_CERT_SIGNATURE)|ERR_TLS_CERT_ALTNAME_INVALID)$/.test(code)
  );
}
