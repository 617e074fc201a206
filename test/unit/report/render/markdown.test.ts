import { renderMarkdown } from '../../../../src/report/render/markdown';
import { cell, report, setup } from '../../../helpers/report-build';
import { expectGolden, loadReport } from '../../../helpers/golden';

describe('renderMarkdown', () => {
  const sample = loadReport('sample-run.json');
  const md = renderMarkdown(sample);

  it('matches the golden file', () => {
    expectGolden('sample-run.md', md);
  });

  it('starts with the matrix: one row per setup, one column per transport', () => {
    const lines = md.split('\n');
    const header = lines.indexOf('| Setup | short-poll | long-poll | sse | websocket |');
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 2, header + 2 + sample.setups.length);
    expect(rows.map((r) => /^\| \*\*([^*]+)\*\*/.exec(r)?.[1])).toEqual(sample.setups.map((s) => s.id));
    expect(rows.find((r) => r.includes('**nginx-default**'))).toContain('⚠️ degraded: buffered');
    expect(rows.find((r) => r.includes('**sim-idle**'))).toContain('❌ fail: idle-timeout *(expected degraded (idle-timeout))*');
  });

  it('explains every failure and degradation once, with evidence, mitigations and fix', () => {
    const headings = md.split('\n').filter((l) => l.startsWith('### '));
    expect(headings).toEqual([
      '### ⚠️ sse via sim-buffering: degraded (buffered)',
      '### ❌ long-poll via sim-idle: fail (idle-timeout)',
      '### ❌ sse via sim-idle: fail (idle-timeout)',
      '### ❌ websocket via sim-idle: fail (idle-timeout)',
      '### ❌ websocket via sim-strip-upgrade: fail (upgrade-stripped)',
      '### ⚠️ sse via nginx-default: degraded (buffered)',
      '### ❌ websocket via nginx-default: fail (upgrade-stripped)',
    ]);
    const ws = md.slice(md.indexOf('### ❌ websocket via nginx-default'));
    expect(ws).toContain('- ❌ not rescued: fall back to SSE when the handshake fails → degraded (buffered), lands on sse.');
    expect(ws).toContain('- ✅ rescued: fall back to long polling when the handshake fails → pass, lands on long-poll.');
    expect(ws).toContain('proxy_set_header Upgrade $http_upgrade;');
    // the setup's log follows its problems once, not once per problem
    expect(md.match(/<summary>nginx-default log \(5 lines\)<\/summary>/g)).toHaveLength(1);
  });

  it('merges skipped cells that say the same thing, and lists mismatches', () => {
    expect(md).toContain('- ⏭️ **`caddy-default`** (all transports): skipped (not-run).');
    expect(md).toContain('- **websocket via `haproxy-default`**: expected pass, got tester error');
  });

  it('has the cost table with requests and bytes per event', () => {
    expect(md).toContain('| direct | short-poll | ✅ pass | 20 | 1.4 | 866 B | 74 ms | 124 ms |');
    expect(md).toContain('| direct | sse | ✅ pass | 20 | 0.05 | 564 B | 3.2 ms | 4 ms |');
  });

  it('escapes pipes and HTML in table cells and prose, and fences snippets that contain backticks', () => {
    const r = report([
      setup('a|b', [cell('sse', 'fail', 'buffered', { explanation: 'held <script>x</script> | y' })], {
        kind: 'real',
        product: 'nginx',
      }),
    ]);
    r.setups[0].cells[0].fix = { proxy: { product: 'nginx', label: 'nginx', language: 'nginx', snippet: 'say ```hi```' }, app: 'do `this`' };
    const out = renderMarkdown(r);
    expect(out).toContain('| **a\\|b**<br>real · nginx |');
    expect(out).toContain('held &lt;script&gt;x&lt;/script&gt; | y');
    expect(out).not.toContain('<script>');
    expect(out).toContain('````nginx\nsay ```hi```\n````');
  });

  it('says a cause shared by several checks once, with only the headline numbers', () => {
    const detail = 'the origin answered 426 to a plain GET';
    const check = (id: 'connect' | 'echo' | 'delivery') => ({
      id,
      status: 'fail' as const,
      reason: 'upgrade-stripped' as const,
      detail: id === 'delivery' ? `no event delivered: ${detail}` : detail,
      measured: { status: 426, headers: { connection: 'close' }, body: 'x'.repeat(200) },
    });
    const r = report([setup('s', [cell('websocket', 'fail', 'upgrade-stripped', { checks: [check('connect'), check('echo'), check('delivery')] })])]);
    const out = renderMarkdown(r);
    expect(out).toContain(`- \`connect\`, \`echo\` fail (upgrade-stripped): ${detail}<br>status 426 · body ${'x'.repeat(57)}…\n`);
    expect(out).toContain('- `delivery` fail (upgrade-stripped): no event delivered:');
    expect(out).not.toContain('headers');
  });
});
