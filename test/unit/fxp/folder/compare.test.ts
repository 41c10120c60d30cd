import * as assert from 'assert';
import { compareTrees, countStatuses, syncPlan, type CompareReport, type Tree } from '../../../../src/fxp/folder';
import { makeSite } from '../../../../src/fxp';

function tree(files: Record<string, [number, string?]>, dirs: string[] = []): Tree {
  const t: Tree = { root: '/', exists: true, files: new Map(), dirs: new Set(dirs), skipped: [] };
  for (const [path, [size, iso]] of Object.entries(files)) t.files.set(path, { path, size, modified: iso ? new Date(iso) : undefined });
  return t;
}

describe('folder compare', () => {
  const T1 = '2024-01-01T00:00:00Z';
  const T2 = '2024-02-01T00:00:00Z';
  const a = tree({ same: [5, T1], size: [5, T1], anew: [5, T2], bnew: [5, T1], onlyA: [1], 'da/x': [2], notime: [3], clash: [1] }, ['da']);
  const b = tree({ same: [5, T1], size: [6, T1], anew: [5, T1], bnew: [5, T2], onlyB: [1], notime: [3, T1], 'clash/y': [1] }, ['db', 'clash']);

  it('classifies every path by size, then time', () => {
    const status = new Map(compareTrees(a, b).map(e => [e.path, e.status]));
    assert.deepStrictEqual(Object.fromEntries(status), {
      same: 'same', size: 'size-differs', anew: 'newer-in-a', bnew: 'newer-in-b', onlyA: 'only-in-a', onlyB: 'only-in-b',
      da: 'only-in-a', 'da/x': 'only-in-a', db: 'only-in-b', notime: 'same', clash: 'kind-differs', 'clash/y': 'only-in-b',
    });
  });

  it('counts statuses', () => {
    const counts = countStatuses(compareTrees(a, b));
    assert.deepStrictEqual([counts.same, counts['only-in-a'], counts['only-in-b'], counts['kind-differs']], [2, 3, 3, 1]);
  });

  it('"Sync A to B" copies only what is missing or differs and is not newer on B', () => {
    const entries = compareTrees(a, b);
    const report: CompareReport = { a: 'A:/', b: 'B:/', entries, counts: countStatuses(entries), hash: 'off' };
    const site = makeSite({ host: 'h' });
    const plan = syncPlan(report, { site, path: '/a' }, { site, path: '/b' });
    assert.deepStrictEqual(plan.items.map(i => i.path).sort(), ['anew', 'da/x', 'onlyA', 'size']);
    assert.deepStrictEqual(plan.dirs, ['da']);
    assert.ok(plan.items.every(i => i.action === 'copy'));
    assert.strictEqual(plan.items.find(i => i.path === 'size')!.existing, 6);
  });
});
