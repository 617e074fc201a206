/**
 * TLS files on the command line: a --cert/--key pair read and checked, and a
 * throwaway CA written where clients can point at it (a temp dir removed on
 * exit and reaped after a SIGKILL). `origin --tls` and `proxy` with a TLS
 * template share them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TlsTrust } from '../client/target';
import { pemCertificates } from '../util/certs';
import { UsageError } from '../util/errors';
import { runRegistry } from '../util/run-registry';
import { onShutdown } from './cleanup';
import { readPemFlag } from './options';

/** --ca FILE and --insecure: what the clients trust; undefined for Node's defaults (its store and NODE_EXTRA_CA_CERTS). */
export function trustFrom(caFile: string | undefined, insecure: boolean | undefined): TlsTrust | undefined {
  if (caFile === undefined) return insecure ? { insecure: true } : undefined;
  const ca = pemCertificates(readPemFlag('ca', caFile, 'CERTIFICATE'));
  return { ca, ...(insecure ? { insecure: true } : {}) };
}

/** --cert and --key, read; undefined when neither is given. */
export function certAndKeyFrom(opts: { cert?: string; key?: string }): { cert: string; key: string } | undefined {
  if (!!opts.cert !== !!opts.key) throw new UsageError(`--${opts.cert ? 'key' : 'cert'} is missing: --cert and --key go together`);
  if (!opts.cert || !opts.key) return undefined;
  return { cert: readPemFlag('cert', opts.cert, 'CERTIFICATE'), key: readPemFlag('key', opts.key, 'PRIVATE KEY') };
}

/** Writes a throwaway CA certificate for clients to trust, for as long as this process runs; returns its path. */
export function caFileForClients(ca: string, owner: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-tls-'));
  const forget = runRegistry.tempDir(dir, owner);
  onShutdown(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    forget();
  });
  const file = path.join(dir, 'ca.pem');
  fs.writeFileSync(file, ca, { mode: 0o644 });
  return file;
}

/** The line that tells a user how to trust a throwaway CA. */
export function trustLine(caFile: string): string {
  return `TLS with a throwaway CA: trust it with --ca ${caFile} (or NODE_EXTRA_CA_CERTS=${caFile}, curl --cacert ${caFile})`;
}
