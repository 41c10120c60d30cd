import * as assert from 'assert';
import { parseArgs } from '../../../src/cli/main';
import { parseSiteUrl, redact } from '../../../src/cli/url';

describe('CLI URLs and flags', () => {
  it('parses ftp and ftps URLs with passwords and encoded paths', () => {
    const u = parseSiteUrl('ftps://bob:p%40ss@127.0.0.2:2121/dir/a%20b.bin');
    assert.strictEqual(u.site.security, 'explicit');
    assert.strictEqual(u.site.port, 2121);
    assert.strictEqual(u.site.user, 'bob');
    assert.strictEqual(u.password, 'p@ss');
    assert.strictEqual(u.path, '/dir/a b.bin');
    assert.strictEqual(parseSiteUrl('ftp://[::1]:21/x').site.host, '::1');
  });

  it('refuses other schemes and injected line breaks', () => {
    assert.throws(() => parseSiteUrl('http://h/x'), /Unsupported scheme/);
    assert.throws(() => parseSiteUrl('ftp://h/a%0D%0ADELE%20b'), /line break/);
    assert.throws(() => parseSiteUrl('not a url'), /not a URL/);
  });

  it('redacts passwords in URLs', () => {
    assert.strictEqual(redact('ftp://bob:secret@h/x'), 'ftp://bob:****@h/x');
  });

  it('parses flags and rejects bad ones', () => {
    const f = parseArgs(['cp', 'a', 'b', '--relay', 'never', '--json']);
    assert.deepStrictEqual([f.relay, f.json, f.positional], ['never', true, ['cp', 'a', 'b']]);
    assert.throws(() => parseArgs(['--relay', 'sometimes']), /never, auto or always/);
    assert.throws(() => parseArgs(['--bogus']), /Unknown option/);
  });
});
