/** HTML escaping and ids shared by the HTML report's parts. */
import type { Transport } from '../../observation/types';
import type { Library } from '../../vocabulary';

/** Escape text for HTML content and double-quoted attributes. */
export function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A fragment-safe id: [A-Za-z0-9-] kept, everything else (including `_`) hex-escaped. */
export function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.codePointAt(0)?.toString(16) ?? '0'}`);
}

/** The id of a cell's detail panel; `__` cannot occur inside a slug. */
export function cellAnchor(setupId: string, column: Transport | Library): string {
  return `c-${slug(setupId)}__${slug(column)}`;
}


/** App-fix prose marks directives and headers with backticks: show them as code. */
export function codeSpans(value: string): string {
  return value
    .split(/(`[^`]+`)/)
    .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? `<code>${esc(part.slice(1, -1))}</code>` : esc(part)))
    .join('');
}
