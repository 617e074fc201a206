import * as fs from 'node:fs';
import { REPO_ROOT } from '../../../helpers/paths';
import * as path from 'node:path';
import { FAULTS } from '../../../../src/proxy/simulated/faults';
import { explainFaults, resolveFaults, SimulatedProxyConfigError, startSimulatedProxy, validateFaults } from '../../../../src/proxy/simulated/simulated-proxy';

describe('validateFaults', () => {
  it('accepts a valid stack and applies defaults', () => {
    expect(validateFaults([{ name: 'strip-upgrade' }, { name: 'idle-timeout', params: { idleMs: 500 } }])).toBeNull();
    const [idle] = resolveFaults([{ name: 'idle-timeout', params: { idleMs: 500 } }]);
    expect(idle.params).toEqual({ idleMs: 500, statusBeforeHeaders: 504, beforeHeaders: 'answer', afterHeaders: 'close', resetBy: 'either', scope: 'all' });
  });

  it('names the index, fault, field and what was expected', () => {
    expect(validateFaults([{ name: 'latency' }, { name: 'idle-timeout', params: { idleMs: -5 } }])).toBe("faults[1] 'idle-timeout': idleMs must be >= 0 (got -5)");
    expect(validateFaults([{ name: 'idle-timeout', params: { afterHeaders: 'fin' } }])).toBe(
      `faults[0] 'idle-timeout': afterHeaders must be one of "close", "reset", "drop" (got "fin")`,
    );
    expect(validateFaults([{ name: 'idle-timeout', params: { idleMS: 5 } }])).toBe(
      "faults[0] 'idle-timeout': unknown parameter 'idleMS' (expected one of: idleMs, statusBeforeHeaders, beforeHeaders, afterHeaders, resetBy, scope)",
    );
    expect(validateFaults([{ name: 'strip-headers', params: { request: 'x-a' } }])).toBe(`faults[0] 'strip-headers': request must be an array (got "x-a")`);
  });

  it('names unknown faults with the list of known ones', () => {
    const msg = validateFaults([{ name: 'timeout' }]);
    expect(msg).toMatch(/^faults\[0\]: unknown fault 'timeout' \(expected one of: strip-upgrade, reject-upgrade, buffer, /);
  });

  it('rejects malformed specs in one line', () => {
    expect(validateFaults([{ name: 42 } as unknown as { name: string }])).toBe('faults[0]: expected an object {name, params} with a fault name');
    expect(validateFaults([{ name: 'latency', params: [] as unknown as Record<string, unknown> }])).toBe("faults[0] 'latency': params must be an object");
  });

  it('does not change the caller’s params', () => {
    const params = { idleMs: 10 };
    resolveFaults([{ name: 'idle-timeout', params }]);
    expect(params).toEqual({ idleMs: 10 });
  });
});

describe('fault registry', () => {
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'faults.md'), 'utf8');

  it.each(Object.keys(FAULTS))('%s is well-formed, explainable and documented', (name) => {
    const def = FAULTS[name];
    expect(def.name).toBe(name);
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(def.paramsSchema).toMatchObject({ type: 'object', additionalProperties: false });
    // Every parameter is typed; durations have a 0 minimum.
    for (const [param, schema] of Object.entries(def.paramsSchema.properties as Record<string, { type?: string; minimum?: number }>)) {
      expect(schema.type).toBeDefined();
      if (/Ms$/.test(param)) expect(schema.minimum).toBe(0);
    }
    const minimal = name === 'reset' ? { afterMs: 100 } : {};
    const sentence = explainFaults([{ name, params: minimal }])[0];
    expect(sentence.length).toBeGreaterThan(20);
    expect(sentence).not.toMatch(/undefined|NaN|\[object/);
    expect(docs).toContain(`## ${name}`);
  });
});

describe('startSimulatedProxy', () => {
  it('refuses bad options with a typed one-line error', async () => {
    await expect(startSimulatedProxy({ targets: [], faults: [] })).rejects.toThrow(SimulatedProxyConfigError);
    await expect(startSimulatedProxy({ targets: ['ftp://x'], faults: [] })).rejects.toThrow("targets[0]: 'ftp://x' must be an http:// URL");
    await expect(startSimulatedProxy({ targets: ['http://127.0.0.1:1'], faults: [{ name: 'nope' }] })).rejects.toThrow(/unknown fault 'nope'/);
  });

  it('listens on an OS-chosen port and explains its stack', async () => {
    const proxy = await startSimulatedProxy({ targets: ['http://127.0.0.1:1'], faults: [{ name: 'latency', params: { delayMs: 5 } }] });
    try {
      expect(proxy.port).toBeGreaterThan(0);
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
      expect(proxy.explained).toEqual(['delays every request, response and tunnel chunk by 5 ms in each direction']);
    } finally {
      await proxy.close();
    }
  });
});
