import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { paramArgs } from '../../../../../src/proxy/real/products/varnish';

describe('varnish runtime parameters from the VCL', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pushthrough-varnish-test-'));
  });
  afterEach(async () => {
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('turns "# varnishd-param: name=value" lines into -p arguments, in order', async () => {
    const configPath = path.join(dir, 'default.vcl');
    await fs.promises.writeFile(
      configPath,
      '# header\n# varnishd-param: pipe_timeout=2\nvcl 4.1;\n#varnishd-param:   send_timeout=30\n// varnishd-param: ignored=1\n',
    );
    expect(paramArgs({ workDir: dir, configPath, port: 1, originHost: 'h', originPort: 2 })).toEqual([
      '-p',
      'pipe_timeout=2',
      '-p',
      'send_timeout=30',
    ]);
  });
});
