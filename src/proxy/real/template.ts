/**
 * Config templates under proxies/<product>/<variant>.conf.tmpl use four
 * placeholders; anything else shaped like a placeholder is a mistake in the
 * template and must not reach the proxy as literal text.
 */

/** The values a template may refer to. */
export interface TemplateValues {
  LISTEN_PORT: number;
  ORIGIN_HOST: string;
  ORIGIN_PORT: number;
  WORK_DIR: string;
}

/** Placeholder names every template may use. */
export const TEMPLATE_PLACEHOLDERS: ReadonlyArray<keyof TemplateValues> = [
  'LISTEN_PORT',
  'ORIGIN_HOST',
  'ORIGIN_PORT',
  'WORK_DIR',
];

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Result of rendering: the text, plus the names of placeholders nobody could fill. */
export interface RenderedTemplate {
  text: string;
  unknownPlaceholders: string[];
}

/** Replaces every known `{{NAME}}`; unknown ones are left in place and listed. */
export function renderTemplate(template: string, values: TemplateValues): RenderedTemplate {
  const unknown = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.prototype.hasOwnProperty.call(values, name)) return String(values[name as keyof TemplateValues]);
    unknown.add(name);
    return whole;
  });
  return { text, unknownPlaceholders: [...unknown] };
}
