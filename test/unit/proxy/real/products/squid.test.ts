import fs from 'node:fs';
import { squid } from '../../../../../src/proxy/real/products/squid';

const BUMP = 'http_port 127.0.0.1:{{LISTEN_PORT}} ssl-bump tls-cert={{TLS_CA_CERT}}\nsslcrtd_program /usr/lib/squid/security_file_certgen -s {{WORK_DIR}}/ssl_db -M 4MB\n';

describe('squid: a TLS-inspecting template on a Squid without OpenSSL', () => {
  afterEach(() => jest.restoreAllMocks());

  it("is missing the certificate generator, with squid-openssl's install command (its setups are skipped, not errors)", () => {
    jest.spyOn(fs, 'existsSync').mockReturnValue(false);
    expect(squid.launch!.missingFor!(BUMP)).toEqual({ path: '/usr/lib/squid/security_file_certgen', install: 'apt-get install -y squid-openssl' });
  });

  it('needs nothing more when the generator is there, or when the template does not bump', () => {
    jest.spyOn(fs, 'existsSync').mockReturnValue(true);
    expect(squid.launch!.missingFor!(BUMP)).toBeUndefined();
    jest.spyOn(fs, 'existsSync').mockReturnValue(false);
    expect(squid.launch!.missingFor!('http_port 127.0.0.1:{{LISTEN_PORT}}\n# sslcrtd_program is not used here\n')).toBeUndefined();
  });
});
