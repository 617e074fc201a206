import { findAll, parseXml } from '../../helpers/xml';

// The well-formedness check behind the JUnit golden test must itself reject broken XML.
describe('parseXml (test helper)', () => {
  it.each([
    ['unbalanced tags', '<a><b></a></b>'],
    ['unclosed root', '<a><b/>'],
    ['bare ampersand in text', '<a>fish & chips</a>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['raw < in an attribute', '<a x="1<2"/>'],
    ['unquoted attribute', '<a x=1/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['two roots', '<a/><b/>'],
    ['control character', '<a>\u0001</a>'],
    [']]> in text', '<a>x]]>y</a>'],
  ])('rejects %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow(/not well-formed/);
  });

  it('reads declarations, entities, character references and nesting', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<r a="&quot;x&#10;y&quot;"><c>1 &lt; 2 &amp;&#x41;</c><c/></r>\n');
    expect(root.attrs.a).toBe('"x\ny"');
    expect(findAll(root, 'c').map((c) => c.text)).toEqual(['1 < 2 &A', '']);
  });
});
