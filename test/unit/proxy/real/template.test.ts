import { renderTemplate } from '../../../../src/proxy/real/template';

const values = { LISTEN_PORT: 8080, ORIGIN_HOST: '127.0.0.1', ORIGIN_PORT: 4000, WORK_DIR: '/tmp/pushthrough-x' };

describe('renderTemplate', () => {
  it('replaces every known placeholder, however often it appears', () => {
    const rendered = renderTemplate('listen {{LISTEN_PORT}};\npass http://{{ORIGIN_HOST}}:{{ ORIGIN_PORT }}; log {{WORK_DIR}}/a {{WORK_DIR}}/b', values);
    expect(rendered.text).toBe('listen 8080;\npass http://127.0.0.1:4000; log /tmp/pushthrough-x/a /tmp/pushthrough-x/b');
    expect(rendered.unknownPlaceholders).toEqual([]);
  });

  it('leaves unknown placeholders in place and lists each once', () => {
    const rendered = renderTemplate('{{LISTEN_PORT}} {{UPSTREAM}} {{UPSTREAM}} {{listen_port}}', values);
    expect(rendered.text).toBe('8080 {{UPSTREAM}} {{UPSTREAM}} {{listen_port}}');
    expect(rendered.unknownPlaceholders).toEqual(['UPSTREAM', 'listen_port']);
  });

  it('does not touch single braces (Caddyfile blocks, VCL long strings)', () => {
    const text = 'http://x {\n\treverse_proxy a\n}\nset x = {"long"};';
    expect(renderTemplate(text, values)).toEqual({ text, unknownPlaceholders: [] });
  });
});
