import * as assert from 'assert';
import { compileGlob, skipMatcher } from '../../../../src/fxp/folder';
import { FxpError } from '../../../../src/fxp';

describe('folder skip patterns (globs)', () => {
  const skips = (patterns: string[], path: string, isDir = false) => skipMatcher(patterns)(path, isDir);

  it('a pattern without a slash matches the name at any depth', () => {
    assert.ok(skips(['*.tmp'], 'a.tmp'));
    assert.ok(skips(['*.tmp'], 'deep/er/a.tmp'));
    assert.ok(!skips(['*.tmp'], 'a.tmp.keep'));
    assert.ok(skips(['.git'], 'sub/.git', true));
  });

  it('* and ? stay inside one path component, ** crosses folders', () => {
    assert.ok(!skips(['logs/*'], 'logs/2024/a.log'));
    assert.ok(skips(['logs/*'], 'logs/a.log'));
    assert.ok(skips(['logs/**'], 'logs/2024/a.log'));
    assert.ok(skips(['**/cache/*.bin'], 'cache/x.bin'));
    assert.ok(skips(['**/cache/*.bin'], 'a/b/cache/x.bin'));
    assert.ok(skips(['file?.txt'], 'file1.txt'));
    assert.ok(!skips(['file?.txt'], 'file10.txt'));
  });

  it('a leading or inner slash anchors to the job root', () => {
    assert.ok(skips(['/build'], 'build', true));
    assert.ok(!skips(['/build'], 'src/build', true));
    assert.ok(!skips(['a/b'], 'x/a/b'));
  });

  it('a trailing slash matches folders only', () => {
    assert.ok(skips(['cache/'], 'x/cache', true));
    assert.ok(!skips(['cache/'], 'x/cache', false));
  });

  it('classes, negated classes and escapes', () => {
    assert.ok(skips(['[ab].txt'], 'a.txt'));
    assert.ok(!skips(['[ab].txt'], 'c.txt'));
    assert.ok(skips(['[!ab].txt'], 'c.txt'));
    assert.ok(!skips(['[!ab].txt'], 'a.txt'));
    assert.ok(skips(['\\*.txt'], '*.txt'));
    assert.ok(!skips(['\\*.txt'], 'x.txt'));
    assert.ok(skips(['a+b(1).txt'], 'a+b(1).txt'), 'regex characters are literal');
  });

  it('refuses empty and malformed patterns with INVALID_INPUT', () => {
    for (const bad of ['', '   ', '/', '[abc', 'x\\']) {
      assert.throws(() => compileGlob(bad), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT', bad);
    }
  });
});
