import * as assert from 'assert';
import { describePlan, planFromTrees, summarize, type Tree } from '../../../../src/fxp/folder';

function tree(files: Record<string, number | [number, string]>, dirs: string[] = []): Tree {
  const t: Tree = { root: '/r', exists: true, files: new Map(), dirs: new Set(dirs), skipped: [] };
  for (const [path, v] of Object.entries(files)) {
    const [size, iso] = Array.isArray(v) ? v : [v, undefined];
    t.files.set(path, { path, size, modified: iso ? new Date(iso) : undefined });
  }
  return t;
}

describe('folder plan decisions', () => {
  const src = tree({ 'a.txt': 10, 'sub/b.bin': 20, 'sub/deep/c': 30, 'z.txt': 5 }, ['sub', 'sub/deep']);

  it('an empty destination: every file copied, every folder created parents first', () => {
    const plan = planFromTrees(src, tree({}), 'skip');
    assert.deepStrictEqual(plan.dirs, ['sub', 'sub/deep']);
    assert.ok(plan.items.every(i => i.action === 'copy' && i.target === i.path));
    assert.deepStrictEqual(plan.items.map(i => i.path), ['a.txt', 'sub/b.bin', 'sub/deep/c', 'z.txt']);
    assert.ok(plan.items.every(i => i.existing === undefined && i.restartAt === 0));
  });

  it('existing folders are not created again; existing files follow the rule', () => {
    const dst = tree({ 'a.txt': 4, 'sub/b.bin': 20 }, ['sub']);
    const plan = planFromTrees(src, dst, 'resume');
    assert.deepStrictEqual(plan.dirs, ['sub/deep']);
    const byPath = new Map(plan.items.map(i => [i.path, i]));
    assert.deepStrictEqual([byPath.get('a.txt')!.action, byPath.get('a.txt')!.restartAt, byPath.get('a.txt')!.existing], ['resume', 4, 4]);
    assert.strictEqual(byPath.get('sub/b.bin')!.action, 'skip');
    assert.strictEqual(byPath.get('z.txt')!.action, 'copy');
  });

  it('rename picks names free on both sides and among other renames', () => {
    const s = tree({ 'a.txt': 1, 'a (1).txt': 2 });
    const d = tree({ 'a.txt': 9, 'a (1).txt': 9, 'a (2).txt': 9 });
    const plan = planFromTrees(s, d, 'rename');
    const targets = plan.items.map(i => [i.path, i.target]);
    assert.deepStrictEqual(targets, [['a (1).txt', 'a (1) (1).txt'], ['a.txt', 'a (3).txt']]);
    assert.ok(plan.items.every(i => i.existing === undefined), 'a renamed copy lands on a new name');
  });

  it('a folder where the destination has a file (and vice versa) is a conflict, not a copy', () => {
    const dst = tree({ sub: 3 }, ['z.txt']);
    const plan = planFromTrees(src, dst, 'overwrite');
    const byPath = new Map(plan.items.map(i => [i.path, i]));
    assert.strictEqual(byPath.get('sub/b.bin')!.action, 'conflict');
    assert.strictEqual(byPath.get('sub/deep/c')!.action, 'conflict');
    assert.strictEqual(byPath.get('z.txt')!.action, 'conflict');
    assert.strictEqual(byPath.get('a.txt')!.action, 'copy');
    assert.deepStrictEqual(plan.dirs, [], 'nothing created under a conflicting name');
  });

  it('newer uses the listing times', () => {
    const s = tree({ old: [1, '2024-01-01T00:00:00Z'], fresh: [1, '2024-06-01T00:00:00Z'] });
    const d = tree({ old: [1, '2024-03-01T00:00:00Z'], fresh: [1, '2024-03-01T00:00:00Z'] });
    const plan = planFromTrees(s, d, 'newer');
    assert.deepStrictEqual(plan.items.map(i => [i.path, i.action]), [['fresh', 'copy'], ['old', 'skip']]);
  });

  it('the dry-run text and summary count files, bytes and actions', () => {
    const dst = tree({ 'a.txt': 10 }, ['sub']);
    const plan = { source: undefined as never, destination: undefined as never, rule: 'skip' as const, exclude: ['*.log'], skipped: [{ path: 'x.log', reason: 'skip pattern' }], ...planFromTrees(src, dst, 'skip') };
    const sum = summarize(plan);
    assert.deepStrictEqual([sum.files, sum.bytes, sum.send, sum.sendBytes, sum.byAction.skip, sum.dirs, sum.skipped], [4, 65, 3, 55, 1, 1, 1]);
    const text = describePlan(plan);
    assert.ok(text.includes('mkdir   sub/deep/'));
    assert.ok(text.some(l => /^skip\s+a\.txt/.test(l)));
    assert.ok(text.some(l => /^ignore\s+x\.log/.test(l)));
    assert.match(text[text.length - 1]!, /4 files, 65 B; 3 to send \(55 B\); 3 copy, 1 skip; 1 folders to create; 1 ignored/);
  });
});
