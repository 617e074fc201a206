/**
 * Config templates under proxies/<product>/<variant>.conf.tmpl use these
 * placeholders; anything else shaped like a placeholder is a mistake in the
 * template and must not reach the proxy as literal text.
 *
 * A template that names a TLS file ({{TLS_CERT}}, {{TLS_KEY}}, {{TLS_PEM}})
 * is a TLS front: the launcher writes the run's throwaway certificate into
 * WORK_DIR, and clients reach it at https:// trusting the run's CA.
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
}

/** Placeholder names every template may use. */
export const TEMPLATE_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = ['LISTEN_PORT', 'ORIGIN_HOST', 'ORIGIN_PORT', 'WORK_DIR', 'TLS_CERT', 'TLS_KEY', 'TLS_PEM'];

/** The placeholders that make a template a TLS front. */
export const TLS_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = ['TLS_CERT', 'TLS_KEY', 'TLS_PEM'];

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Whether a template serves TLS: it names one of the TLS files. */
export function templateServesTls(template: string): boolean {
  return [...template.matchAll(PLACEHOLDER)].some((m) => (TLS_PLACEHOLDERS as readonly string[]).includes(m[1]));
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
