/** Plain-text layout for the terminal renderers: cutting and wrapping to a width. */

/** `text` cut to `width` characters, with an ellipsis when it was longer. */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/**
 * Word-wraps `text` to `width` columns: the first line starts with `first`,
 * the others with `rest`. A word longer than a line is cut.
 */
export function wrap(text: string, width: number, rest = '', first = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (prefix: string): number => Math.max(8, width - prefix.length);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? first : rest;
    if (empty) {
      line = prefix + fit(word, room(prefix));
      empty = false;
    } else if (line.length + 1 + word.length <= width) {
      line += ` ${word}`;
    } else {
      lines.push(line);
      line = rest + fit(word, room(rest));
    }
  }
  if (!empty) lines.push(line);
  return lines;
}
