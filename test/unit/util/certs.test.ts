import { createPrivateKey, X509Certificate } from 'node:crypto';
import { makeThrowawayTls, pemCertificates } from '../../../src/util/certs';

it('makes a CA and a server certificate it signed, for 127.0.0.1, ::1 and localhost, valid about a day', async () => {
  const tls = await makeThrowawayTls();
  const ca = new X509Certificate(tls.ca);
  const server = new X509Certificate(tls.cert);
  expect(ca.ca).toBe(true);
  expect(server.ca).toBe(false);
  expect(server.checkIssued(ca)).toBe(true);
  expect(server.verify(ca.publicKey)).toBe(true);
  expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  expect(server.checkPrivateKey(createPrivateKey(tls.key))).toBe(true);
  const days = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(0.9);
  expect(days).toBeLessThan(1.1);
  // A fresh CA every time: nothing is shared between runs.
  expect((await makeThrowawayTls()).ca).not.toBe(tls.ca);
});

it('finds the PEM certificates in a file, and none in other text', () => {
  const one = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
  expect(pemCertificates(`junk\n${one}\n${one}\n`)).toEqual([one, one]);
  expect(pemCertificates('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toEqual([]);
});
