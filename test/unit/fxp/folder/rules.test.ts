import * as assert from 'assert';
import { decide, freeName, parseExistsRule, type FileFacts } from '../../../../src/fxp/folder';
import { FxpError } from '../../../../src/fxp';

const at = (iso: string) => new Date(iso);

describe('exists-rules', () => {
  const src: FileFacts = { size: 100, modified: at('2024-05-01T10:00:00Z') };

  it('a file missing on the destination is always copied whole', () => {
    for (const rule of ['overwrite', 'skip', 'resume', 'newer', 'size-differs', 'rename'] as const) {
      assert.deepStrictEqual(decide(rule, src, undefined), { action: 'copy', restartAt: 0, reason: 'new file' });
    }
  });

  it('overwrite, skip and rename do not look at the files', () => {
    const dst = { size: 100, modified: src.modified };
    assert.strictEqual(decide('overwrite', src, dst).action, 'copy');
    assert.strictEqual(decide('skip', src, dst).action, 'skip');
    assert.strictEqual(decide('rename', src, dst).action, 'rename');
  });

  it('resume restarts at the destination size, skips a complete file, recopies a larger one', () => {
    assert.deepStrictEqual(decide('resume', src, { size: 40 }), { action: 'resume', restartAt: 40, reason: 'resume at 40 of 100 bytes' });
    assert.strictEqual(decide('resume', src, { size: 100 }).action, 'skip');
    assert.deepStrictEqual([decide('resume', src, { size: 150 }).action, decide('resume', src, { size: 150 }).restartAt], ['copy', 0]);
    assert.deepStrictEqual([decide('resume', src, { size: 0 }).action, decide('resume', src, { size: 0 }).restartAt], ['copy', 0]);
  });

  it('newer copies only a source newer beyond the tolerance', () => {
    assert.strictEqual(decide('newer', src, { size: 100, modified: at('2024-05-01T09:00:00Z') }).action, 'copy');
    assert.strictEqual(decide('newer', src, { size: 5, modified: at('2024-05-01T11:00:00Z') }).action, 'skip');
    assert.strictEqual(decide('newer', src, { size: 100, modified: at('2024-05-01T09:59:59.500Z') }).action, 'skip', 'within the 1 s tolerance');
  });

  it('newer without times falls back to comparing sizes, and says so', () => {
    const d = decide('newer', { size: 100 }, { size: 99, modified: at('2024-01-01T00:00:00Z') });
    assert.strictEqual(d.action, 'copy');
    assert.match(d.reason, /time unknown/);
    assert.strictEqual(decide('newer', { size: 100 }, { size: 100 }).action, 'skip');
  });

  it('size-differs copies only when sizes differ', () => {
    assert.strictEqual(decide('size-differs', src, { size: 101 }).action, 'copy');
    assert.strictEqual(decide('size-differs', src, { size: 100, modified: at('2000-01-01T00:00:00Z') }).action, 'skip');
  });

  it('a renamed copy gets the first free " (n)" name, before the extension', () => {
    assert.strictEqual(freeName('a.txt', new Set(['a.txt'])), 'a (1).txt');
    assert.strictEqual(freeName('a.txt', new Set(['a.txt', 'a (1).txt', 'a (2).txt'])), 'a (3).txt');
    assert.strictEqual(freeName('Makefile', new Set()), 'Makefile (1)');
    assert.strictEqual(freeName('.bashrc', new Set()), '.bashrc (1)');
    assert.strictEqual(freeName('x.tar.gz', new Set()), 'x.tar (1).gz');
  });

  it('parses rule names and refuses others', () => {
    assert.strictEqual(parseExistsRule('size-differs'), 'size-differs');
    assert.throws(() => parseExistsRule('clobber'), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT' && /overwrite, skip, resume/.test(e.message));
  });
});
