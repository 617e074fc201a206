import { splitBundle } from '../../../../../src/proxy/real/products/trafficserver';

describe('trafficserver bundle', () => {
  it('splits "### <file>" sections into files and ignores the header comment', () => {
    const files = splitBundle(
      '# header comment\n### records.config\nCONFIG a INT 1\n### remap.config\nmap http://a/ http://b/\n### records.config\nCONFIG b INT 2\n',
    );
    expect([...files.keys()]).toEqual(['records.config', 'remap.config']);
    expect(files.get('records.config')).toBe('CONFIG a INT 1\nCONFIG b INT 2\n\n');
    expect(files.get('remap.config')).toBe('map http://a/ http://b/\n');
  });

  it('rejects a file Traffic Server does not read', () => {
    expect(() => splitBundle('### remap.config\nmap a b\n### remap.yaml\nx\n')).toThrow('unknown Traffic Server file "remap.yaml" in bundle');
  });

  it('requires a remap.config section (ATS answers 404 to everything without one)', () => {
    expect(() => splitBundle('### records.config\nCONFIG a INT 1\n')).toThrow('no "### remap.config" section');
  });
});
