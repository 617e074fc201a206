/**
 * Throwaway TLS material: a CA made for one run and a server certificate it
 * signed for 127.0.0.1 and localhost, made with `selfsigned` (RSA 2048,
 * SHA-256, valid for one day). The private keys live in memory, or in a temp
 * dir of the run that is removed when it ends; none is ever committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

/** What a TLS server needs: its certificate and key (PEM), and the CA clients trust when it is one pushthrough made. */
export interface ServerTls {
  cert: string;
  key: string;
  /** the CA certificate (PEM) of a throwaway; absent for a user's own certificate */
  ca?: string;
  /** the CA's private key (PEM), for a proxy that signs certificates of its own with it (TLS interception) */
  caKey?: string;
}

export interface ThrowawayTls {
  /** the CA's certificate (PEM): what clients trust */
  ca: string;
  /** the server certificate (PEM), signed by the CA, for 127.0.0.1, ::1 and localhost */
  cert: string;
  /** the server certificate's private key (PEM) */
  key: string;
  /** the CA's private key (PEM): kept in memory, written only for a proxy that intercepts TLS with it */
  caKey: string;
}

export async function makeThrowawayTls(): Promise<ThrowawayTls> {
  // A minute of slack for clocks, then a day: a throwaway is never renewed.
  const notBeforeDate = new Date(Date.now() - 60_000);
  const RSA = { keySize: 2048, algorithm: 'sha256', notBeforeDate, notAfterDate: new Date(notBeforeDate.getTime() + 86_400_000) } as const;
  const ca = await generate([{ name: 'commonName', value: 'pushthrough throwaway CA' }], {
    ...RSA,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...RSA,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { ca: ca.cert, cert: server.cert, key: server.private, caKey: ca.private };
}

/** The PEM certificates in a file's text; empty when there is none. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

let shared: Promise<ThrowawayTls> | undefined;

/**
 * The throwaway CA and certificate of this process's run, made on first use:
 * every TLS front one run starts (real products' TLS templates) presents a
 * certificate from the same CA, which that run's clients trust.
 */
export function runThrowawayTls(): Promise<ThrowawayTls> {
  shared ??= makeThrowawayTls().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** The TLS files a template may name (src/proxy/real/template.ts), by placeholder. */
export interface TlsFiles {
  TLS_CERT: string;
  TLS_KEY: string;
  TLS_PEM: string;
  TLS_CA_CERT?: string;
  TLS_CA_KEY?: string;
}

/**
 * Writes into `dir` (owner-only) the TLS files of `wanted`, and only those: a
 * front's certificate and key, one file each or both in one (HAProxy's
 * `crt`), the CA's certificate, and its key (a proxy that signs certificates
 * of its own). Returns the path of each file written, by placeholder name.
 */
export function writeServerTls(dir: string, tls: ServerTls, wanted: ReadonlySet<string>): Partial<TlsFiles> {
  const contents: Record<keyof TlsFiles, string | undefined> = {
    TLS_CERT: tls.cert,
    TLS_KEY: tls.key,
    TLS_PEM: `${tls.cert.trimEnd()}\n${tls.key}`,
    TLS_CA_CERT: tls.ca,
    TLS_CA_KEY: tls.caKey,
  };
  const files: Partial<TlsFiles> = {};
  for (const [name, text] of Object.entries(contents) as [keyof TlsFiles, string | undefined][]) {
    if (!wanted.has(name) || text === undefined) continue;
    const file = path.join(dir, `${name.toLowerCase().replace(/_/g, '-')}.pem`);
    fs.writeFileSync(file, text, { mode: 0o600 });
    files[name] = file;
  }
  return files;
}
