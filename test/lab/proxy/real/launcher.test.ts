/** The launcher with a real product: its own config check decides, and its output is the evidence. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { templatePathFor } from '../../../../src/proxy/real/installed';
import { ProxyStartError, startRealProxy, stopAllRealProxies } from '../../../../src/proxy/real/launcher';
import { describeWith, needProduct } from '../../../helpers/needs';

describeWith([needProduct('nginx')], 'a real product’s config check', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pushthrough-launcher-lab-'));
    await fs.promises.chmod(scratch, 0o755);
  });
  afterAll(async () => {
    await stopAllRealProxies();
    await fs.promises.rm(scratch, { recursive: true, force: true });
  });

  it('runs nginx -t on the rendered template and returns its output when it fails', async () => {
    const naive = await fs.promises.readFile(templatePathFor('nginx', 'naive'), 'utf8');
    const broken = path.join(scratch, 'broken-nginx.tmpl');
    await fs.promises.writeFile(broken, naive.replace('worker_processes 1;', 'worker_processes 1;\nnot_a_directive on;'));
    await fs.promises.chmod(broken, 0o644);
    const error = await startRealProxy({ product: 'nginx', templatePath: broken, originHost: '127.0.0.1', originPort: 9 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ProxyStartError);
    expect((error as Error).message).toMatch(/config check failed/);
    expect((error as ProxyStartError).logs.join('\n')).toMatch(/unknown directive "not_a_directive"/);
  });
});
