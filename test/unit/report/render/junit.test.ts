import { junitOutcome, renderJunit } from '../../../../src/report/render/junit';
import { cell, report, setup } from '../../../helpers/report-build';
import { expectGolden, loadReport } from '../../../helpers/golden';
import { findAll, parseXml } from '../../../helpers/xml';

describe('renderJunit', () => {
  const sample = loadReport('sample-run.json');
  const xml = renderJunit(sample);

  it('matches the golden file', () => {
    expectGolden('sample-run.junit.xml', xml);
  });

  it('parses back as well-formed XML with one suite per setup and one case per cell', () => {
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(sample.setups.map((s) => s.id));
    const cases = findAll(root, 'testcase');
    expect(cases).toHaveLength(28);
    expect(root.attrs).toMatchObject({ tests: '28', failures: '1', errors: '1', skipped: '4', time: '168.064' });
    for (const suite of suites) {
      const own = suite.children.filter((c) => c.name === 'testcase');
      expect(suite.attrs.tests).toBe(String(own.length));
      expect(suite.attrs.failures).toBe(String(own.filter((c) => c.children.some((x) => x.name === 'failure')).length));
      expect(suite.attrs.errors).toBe(String(own.filter((c) => c.children.some((x) => x.name === 'error')).length));
      expect(suite.attrs.skipped).toBe(String(own.filter((c) => c.children.some((x) => x.name === 'skipped')).length));
      for (const tc of own) expect(tc.attrs.classname).toBe(`pushthrough.${suite.attrs.name}`);
      const sum = own.reduce((t, c) => t + Number(c.attrs.time), 0);
      expect(Number(suite.attrs.time)).toBeCloseTo(sum, 2);
    }
  });

  it('reports a mismatch as a failure with expected and actual', () => {
    const root = parseXml(xml);
    const lp = findAll(root, 'testcase').find((c) => c.attrs.classname === 'pushthrough.sim-idle' && c.attrs.name === 'long-poll');
    const failure = lp?.children.find((c) => c.name === 'failure');
    expect(failure?.attrs.message).toBe('expected degraded (idle-timeout), got fail (idle-timeout)');
    expect(failure?.attrs.type).toBe('idle-timeout');
    expect(failure?.text).toContain('Expected: degraded (idle-timeout)\nActual: fail (idle-timeout)');
  });

  it('reports a tester error as <error> (not a failure), even when it contradicts the expectation', () => {
    const root = parseXml(xml);
    const ws = findAll(root, 'testcase').find((c) => c.attrs.classname === 'pushthrough.haproxy-default' && c.attrs.name === 'websocket');
    expect(ws?.children.map((c) => c.name)).toEqual(['error', 'system-out']);
    expect(ws?.children[0].attrs.message).toContain('ECONNREFUSED');
  });

  it('reports skipped cells as <skipped> with the reason', () => {
    const root = parseXml(xml);
    const caddy = findAll(root, 'testsuite').find((s) => s.attrs.name === 'caddy-default');
    const skipped = caddy?.children.filter((c) => c.name === 'testcase').map((c) => c.children[0]);
    expect(skipped?.map((s) => s.name)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(skipped?.[0].attrs.message).toContain('apt-get install caddy');
  });

  it('keeps setup logs in the suite system-out, decoded back exactly (HAProxy writes <NOSRV>)', () => {
    const root = parseXml(xml);
    const hap = findAll(root, 'testsuite').find((s) => s.attrs.name === 'haproxy-default');
    const out = hap?.children.find((c) => c.name === 'system-out');
    expect(out?.text).toBe(sample.setups.find((s) => s.id === 'haproxy-default')?.logs?.join('\n'));
    expect(out?.text).toContain('web/<NOSRV>');
  });

  it('passes a failing cell without an expectation: only an expectation makes a finding a regression', () => {
    const r = report([setup('x', [cell('sse', 'fail', 'buffered'), cell('websocket', 'fail', 'upgrade-stripped', { expected: { verdict: 'fail', reason: 'upgrade-stripped' }, matches: true })])]);
    const root = parseXml(renderJunit(r));
    expect(root.attrs).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '0' });
    expect(junitOutcome(r.setups[0].cells[0])).toBe('passed');
    expect(junitOutcome(cell('sse', 'pass', 'none', { expected: { verdict: 'fail', reason: 'buffered' }, matches: false }))).toBe('failure');
    expect(junitOutcome(cell('sse', 'error', 'tester-error', { matches: false }))).toBe('error');
    expect(junitOutcome(cell('sse', 'skipped', 'not-run', { matches: false }))).toBe('skipped');
  });

  it('escapes markup, quotes and control characters so the document stays well-formed', () => {
    const nasty = 'a <b>&amp; "q" \'s\' ]]> \u0001 \ud800 end';
    const r = report([
      setup('we"ird<&>', [cell('sse', 'fail', 'buffered', { explanation: nasty, expected: { verdict: 'pass', reason: 'none' }, matches: false })], {
        logs: [nasty, 'line\twith tab'],
        description: 'multi\nline',
      }),
    ]);
    const root = parseXml(renderJunit(r));
    const suite = findAll(root, 'testsuite')[0];
    expect(suite.attrs.name).toBe('we"ird<&>');
    const description = findAll(suite, 'property').find((p) => p.attrs.name === 'description');
    expect(description?.attrs.value).toBe('multi\nline');
    const failure = findAll(root, 'failure')[0];
    expect(failure.text).toContain('a <b>&amp; "q" \'s\' ]]> \uFFFD \uFFFD end');
    expect(findAll(suite, 'system-out').at(-1)?.text).toContain('line\twith tab');
  });
});
