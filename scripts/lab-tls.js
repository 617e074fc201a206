#!/usr/bin/env node
/**
 * The container lab's TLS material: one throwaway CA and a certificate it
 * signed for 127.0.0.1 and localhost (src/util/certs, valid one day), written
 * to <dir> as ca.pem, cert.pem and key.pem. The TLS templates' proxy services
 * serve cert.pem/key.pem (`pushthrough proxy --cert … --key …`) and the
 * prober trusts ca.pem (`pushthrough run --ca …`): one CA across containers.
 * scripts/lab-compose.sh makes it before `up` and removes it afterwards.
 *
 * Usage: node scripts/lab-tls.js <dir>
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
if (!dir || process.argv.length !== 3) {
  process.stderr.write('lab-tls: expected one argument, the directory to write ca.pem, cert.pem and key.pem into\n');
  process.exit(2);
}
const certs = path.join(__dirname, '..', 'dist', 'util', 'certs.js');
if (!fs.existsSync(certs)) {
  process.stderr.write(`lab-tls: ${path.relative(process.cwd(), certs)} is missing: run npm run build first\n`);
  process.exit(2);
}
require(certs)
  .makeThrowawayTls()
  .then((tls) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ca.pem'), tls.ca, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'cert.pem'), tls.cert, { mode: 0o644 });
    // Read by the proxy services' pushthrough (root in its container), which hands it to the product inside its own WORK_DIR.
    fs.writeFileSync(path.join(dir, 'key.pem'), tls.key, { mode: 0o600 });
  })
  .catch((err) => {
    process.stderr.write(`lab-tls: ${err.message}\n`);
    process.exit(1);
  });
