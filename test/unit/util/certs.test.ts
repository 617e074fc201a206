import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeThrowawayTls, pemCertificates, writeServerTls } from '../../../src/util/certs';

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

it('writes owner-only exactly the TLS files a template names, and the CA key only when named', async () => {
  const tls = await makeThrowawayTls();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-certs-'));
  try {
    const front = writeServerTls(dir, tls, new Set(['LISTEN_PORT', 'TLS_PEM']));
    expect(Object.keys(front)).toEqual(['TLS_PEM']);
    expect(fs.readFileSync(front.TLS_PEM!, 'utf8')).toBe(`${tls.cert.trimEnd()}\n${tls.key}`);
    expect(fs.statSync(front.TLS_PEM!).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['tls-pem.pem']);
    const bump = writeServerTls(dir, tls, new Set(['TLS_CA_CERT', 'TLS_CA_KEY']));
    expect(Object.keys(bump).sort()).toEqual(['TLS_CA_CERT', 'TLS_CA_KEY']);
    expect(fs.readFileSync(bump.TLS_CA_KEY!, 'utf8')).toBe(tls.caKey);
    // A certificate of the user's own has no CA key: nothing is written for it.
    expect(writeServerTls(dir, { cert: tls.cert, key: tls.key }, new Set(['TLS_CA_KEY']))).toEqual({});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
