/**
 * A small, strict XML 1.0 reader for tests: enough to prove the JUnit output
 * is well-formed (one root, balanced tags, quoted attributes, no duplicate
 * attributes, only the five predefined entities and character references, no
 * raw `<` or `&` in text or attribute values, no characters XML forbids) and
 * to query the tree it builds. Throws an Error naming the offset on the first
 * violation.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** decoded text directly inside this element (children's text excluded) */
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML not well-formed at offset ${i}: ${msg} (near ${JSON.stringify(src.slice(i, i + 40))})`);
  };
  const forbidden = src.match(FORBIDDEN_CHAR);
  if (forbidden?.index !== undefined) {
    i = forbidden.index;
    fail(`forbidden character U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
  }

  const decode = (raw: string, where: string): string =>
    raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
      if (ref === undefined) return fail(`bare & in ${where}`);
      if (ref in ENTITIES) return ENTITIES[ref];
      const num = /^#x([0-9a-fA-F]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref);
      if (num) return String.fromCodePoint(parseInt(num[1], ref.startsWith('#x') ? 16 : 10));
      return fail(`unknown entity &${ref}; in ${where}`);
    });

  const skipSpace = (): void => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i + 2);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };

  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = readName();
      if (attr in attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (src[i] !== '=') fail(`expected = after ${attr}`);
      i++;
      skipSpace();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
      const end = src.indexOf(quote, i + 1);
      if (end < 0) fail(`unterminated attribute ${attr}`);
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail(`raw < in attribute ${attr}`);
      attrs[attr] = decode(raw, `attribute ${attr}`);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`unclosed <${name}>`);
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        if (src[i] !== '>') fail('expected > in end tag');
        i++;
        return { name, attrs, children, text };
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        text += src.slice(i + 9, end);
        i = end + 3;
      } else if (src[i] === '<') {
        children.push(element());
      } else {
        const next = src.indexOf('<', i);
        const raw = src.slice(i, next < 0 ? src.length : next);
        if (raw.includes(']]>')) fail(']]> in text');
        text += decode(raw, `text of <${name}>`);
        i += raw.length;
      }
    }
  };

  if (src.startsWith('\uFEFF')) i = 1;
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** All descendants (depth first) with the given element name. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (el: XmlElement): void => {
    for (const child of el.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}
