/**
 * Config templates under proxies/<product>/<variant>.conf.tmpl use these
 * placeholders; anything else shaped like a placeholder is a mistake in the
 * template and must not reach the proxy as literal text.
 *
 * A template that names a server TLS file ({{TLS_CERT}}, {{TLS_KEY}},
 * {{TLS_PEM}}) is a TLS front: the launcher writes the run's throwaway
 * certificate into WORK_DIR, and clients reach it at https:// trusting the
 * run's CA. One that names the CA's files ({{TLS_CA_CERT}}, {{TLS_CA_KEY}})
 * gets the run's CA itself: a proxy that intercepts TLS signs the
 * certificates it presents with it, which the run's clients trust.
 */

/** The values a template may refer to. */
export interface TemplateValues {
  LISTEN_PORT: number;
  ORIGIN_HOST: string;
  ORIGIN_PORT: number;
  WORK_DIR: string;
  /** the server certificate (PEM) for 127.0.0.1 and localhost, signed by the run's throwaway CA */
  TLS_CERT?: string;
  /** its private key (PEM) */
  TLS_KEY?: string;
  /** certificate and key in one file, as HAProxy's `crt` takes them */
  TLS_PEM?: string;
  /** the run's throwaway CA certificate (PEM) */
  TLS_CA_CERT?: string;
  /** its private key (PEM): only for a proxy that signs certificates of its own (TLS interception) */
  TLS_CA_KEY?: string;
}

/** Placeholder names every template may use. */
export const TEMPLATE_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = ['LISTEN_PORT', 'ORIGIN_HOST', 'ORIGIN_PORT', 'WORK_DIR', 'TLS_CERT', 'TLS_KEY', 'TLS_PEM', 'TLS_CA_CERT', 'TLS_CA_KEY'];

/** The placeholders that make a template a TLS front. */
export const TLS_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = ['TLS_CERT', 'TLS_KEY', 'TLS_PEM'];

/** The placeholders that hand a template the run's CA. */
export const CA_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = ['TLS_CA_CERT', 'TLS_CA_KEY'];

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The placeholders a template names (comments included: a template's text is all the proxy gets). */
export function namedPlaceholders(template: string): Set<string> {
  return new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]));
}

const names = (template: string, which: ReadonlyArray<string>): boolean => which.some((n) => namedPlaceholders(template).has(n));

/** Whether a template serves TLS: it names one of the server's TLS files. */
export function templateServesTls(template: string): boolean {
  return names(template, TLS_PLACEHOLDERS);
}

/** Whether a template needs TLS material at all: a server certificate, or the run's CA. */
export function templateNeedsTls(template: string): boolean {
  return names(template, [...TLS_PLACEHOLDERS, ...CA_PLACEHOLDERS]);
}

/** Result of rendering: the text, plus the names of placeholders nobody could fill. */
export interface RenderedTemplate {
  text: string;
  unknownPlaceholders: string[];
}

/** Replaces every known `{{NAME}}`; unknown ones (and TLS ones without a value) are left in place and listed. */
export function renderTemplate(template: string, values: TemplateValues): RenderedTemplate {
  const unknown = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name as keyof TemplateValues] : undefined;
    if (value !== undefined) return String(value);
    unknown.add(name);
    return whole;
  });
  return { text, unknownPlaceholders: [...unknown] };
}
