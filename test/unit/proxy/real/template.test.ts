import { renderTemplate, templateNeedsTls, templateServesTls } from '../../../../src/proxy/real/template';

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

describe('TLS templates', () => {
  it('a template naming a TLS file is a TLS front; one that does not is plain HTTP', () => {
    expect(templateServesTls('listen {{LISTEN_PORT}} ssl; ssl_certificate {{ TLS_CERT }};')).toBe(true);
    expect(templateServesTls('bind :{{LISTEN_PORT}} ssl crt {{TLS_PEM}}')).toBe(true);
    expect(templateServesTls('listen {{LISTEN_PORT}}; # ssl_certificate TLS_CERT')).toBe(false);
  });

  it('fills the TLS files when given, and lists them as unfilled when not', () => {
    const text = 'crt {{TLS_PEM}} cert {{TLS_CERT}} key {{TLS_KEY}}';
    expect(renderTemplate(text, { ...values, TLS_CERT: '/w/cert.pem', TLS_KEY: '/w/key.pem', TLS_PEM: '/w/both.pem' }).text).toBe('crt /w/both.pem cert /w/cert.pem key /w/key.pem');
    expect(renderTemplate(text, values).unknownPlaceholders).toEqual(['TLS_PEM', 'TLS_CERT', 'TLS_KEY']);
  });
});

it("a template naming only the CA's files needs the run's CA but is not itself a TLS front (an intercepting forward proxy)", () => {
  const bump = 'http_port 127.0.0.1:{{LISTEN_PORT}} ssl-bump tls-cert={{TLS_CA_CERT}} tls-key={{TLS_CA_KEY}}';
  expect([templateServesTls(bump), templateNeedsTls(bump)]).toEqual([false, true]);
  expect([templateServesTls('listen {{LISTEN_PORT}};'), templateNeedsTls('listen {{LISTEN_PORT}};')]).toEqual([false, false]);
});
