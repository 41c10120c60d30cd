import * as assert from 'assert';
import { outermostItems } from '../../src/selection';

describe('outermostItems (what a multi-selection copies)', () => {
  const item = (path: string, kind = 'file') => ({ path, kind });

  it('drops what is inside a selected folder, at any depth, and keeps the order', () => {
    const items = [item('/a/x.bin'), item('/a', 'dir'), item('/a/sub/y.bin'), item('/b.txt'), item('/a/sub', 'dir')];
    assert.deepStrictEqual(outermostItems(items).map(i => i.path), ['/a', '/b.txt']);
  });

  it('keeps siblings whose names only start like a selected folder, and drops exact repeats', () => {
    const items = [item('/a', 'dir'), item('/ab.txt'), item('/a-b', 'dir'), item('/ab.txt')];
    assert.deepStrictEqual(outermostItems(items).map(i => i.path), ['/a', '/ab.txt', '/a-b']);
  });

  it('keeps everything under the root when the root is not selected, and a root selection covers all', () => {
    assert.deepStrictEqual(outermostItems([item('/x'), item('/y', 'dir')]).map(i => i.path), ['/x', '/y']);
    assert.deepStrictEqual(outermostItems([item('/', 'dir'), item('/x')]).map(i => i.path), ['/']);
  });
});
