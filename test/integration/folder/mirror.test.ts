import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { rmSync } from 'fs';
import {
  compareFolders, copyToMany, FolderJob, mirrorFolder, summarize, syncPlan, type ExistsRule,
} from '../../../src/fxp/folder';
import { useServers } from '../fixtures';
import { assertSameTree, concurrencyMeter, diskSnapshot, diskTree, sent, setTime, site, smallFiles, writeTree, type Files } from './helpers';

describe('folder jobs between real servers', function () {
  this.timeout(180_000);
  const world = useServers(['pure-ftpd', 'proftpd', 'proftpd-tls13']);
  const servers = () => ({ src: world.set.get('pure-ftpd'), dst: world.set.get('proftpd') });

  it('1000 small files, nested folders and a few large files: complete, verified, 4 pairs at once (pure-ftpd -> proftpd)', async () => {
    const { src, dst } = servers();
    const files: Files = {
      ...smallFiles(1000, 4096),
      'big/one.bin': randomBytes(8 << 20), 'big/two.bin': randomBytes(16 << 20), 'big/three.bin': randomBytes(24 << 20),
      'empty.txt': Buffer.alloc(0),
    };
    writeTree(src, '/tree', files);
    const meter = concurrencyMeter();
    const progress: number[] = [];
    const started = Date.now();
    const { plans, report } = await mirrorFolder(world.engine, { site: site(src), path: '/tree' }, { site: site(dst), path: '/mirror/tree' }, {
      parallel: 4, onFile: meter.onFile, onProgress: p => progress.push(p.filesDone), progressIntervalMs: 200,
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(report, 'not a dry run');
    assert.deepStrictEqual(report.failures, []);
    assert.strictEqual(report.state, 'done');
    assert.strictEqual(report.files.done, 1004);
    assert.strictEqual(plans[0]!.dirs.length, 1 + 10 + 30, 'big/, d0..d9, d*/s0..s2');
    assert.ok(report.items.every(i => i.mode === 'fxp' && i.verification), 'every file went server to server and was verified');
    assert.strictEqual(meter.max(), 4, 'four FXP pairs at once, never more');
    assert.strictEqual(progress[progress.length - 1], 1004, 'the last progress report counts every file');
    assert.deepStrictEqual(assertSameTree(diskTree(dst, '/mirror/tree'), files), []);
    const bytes = Object.values(files).reduce((n, b) => n + b.length, 0);
    assert.strictEqual(report.bytes.sent, bytes);
    console.log(`      ${report.files.done} files, ${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s (plan + copy), ${report.parallel} pairs`);

    // Times were kept (MFMT): a compare by size and time finds nothing.
    const cmp = await compareFolders(world.engine, { site: site(src), path: '/tree' }, { site: site(dst), path: '/mirror/tree' });
    assert.strictEqual(cmp.counts.same, 1004, JSON.stringify(cmp.counts));
  });

  it('a dry run lists the plan and changes nothing', async () => {
    const { src, dst } = servers();
    writeTree(src, '/dry', { 'a.txt': randomBytes(100), 'sub/b.txt': randomBytes(200), 'sub/deeper/c.txt': randomBytes(300) });
    writeTree(dst, '/dry-dst', { 'a.txt': randomBytes(50) });
    const before = diskSnapshot(dst, '/');
    const { plans, report } = await copyToMany(world.engine, { site: site(src), path: '/dry' }, [{ site: site(dst), path: '/dry-dst' }], { dryRun: true, rule: 'skip' });
    assert.strictEqual(report, undefined);
    const sum = summarize(plans[0]!);
    assert.deepStrictEqual([sum.files, sum.send, sum.sendBytes, sum.byAction.skip, sum.dirs], [3, 2, 500, 1, 2]);
    assert.deepStrictEqual(diskSnapshot(dst, '/'), before, 'the destination changed');
  });

  describe('exists-rules, each proven on disk', () => {
    const SRC = { 'a.txt': randomBytes(1000), 'new.txt': randomBytes(10) };
    const OLD = randomBytes(500);

    async function run(rule: ExistsRule, prepare: (dstRoot: string) => void, extra: Files = {}) {
      const { src, dst } = servers();
      const root = `/rules-${rule}`;
      writeTree(src, `${root}/src`, { ...SRC, ...extra });
      prepare(`${root}/dst`);
      const from = world.log.length;
      const { report } = await mirrorFolder(world.engine, { site: site(src), path: `${root}/src` }, { site: site(dst), path: `${root}/dst` }, { rule, backoffMs: 100 });
      assert.deepStrictEqual(report!.failures, []);
      return { disk: diskTree(dst, `${root}/dst`), report: report!, commands: sent(world.log, 'proftpd', from) };
    }

    it('overwrite replaces the existing file', async () => {
      const { disk } = await run('overwrite', d => writeTree(servers().dst, d, { 'a.txt': OLD }));
      assert.ok(disk.get('a.txt')!.equals(SRC['a.txt']));
      assert.ok(disk.get('new.txt')!.equals(SRC['new.txt']));
    });

    it('skip keeps the existing file and copies the rest', async () => {
      const { disk, report } = await run('skip', d => writeTree(servers().dst, d, { 'a.txt': OLD }));
      assert.ok(disk.get('a.txt')!.equals(OLD));
      assert.ok(disk.get('new.txt')!.equals(SRC['new.txt']));
      assert.strictEqual(report.items.find(i => i.path === 'a.txt')!.state, 'skipped');
    });

    it('resume sends only the missing tail (REST), skips a complete file, recopies a longer one', async () => {
      const big = randomBytes(1 << 20);
      const done = randomBytes(3000);
      const shorter = randomBytes(100);
      const { disk, report, commands } = await run('resume', d => writeTree(servers().dst, d, {
        'big.bin': big.subarray(0, 300_000), 'done.bin': done, 'short.bin': randomBytes(5000),
      }), { 'big.bin': big, 'done.bin': done, 'short.bin': shorter });
      assert.ok(disk.get('big.bin')!.equals(big));
      assert.ok(disk.get('short.bin')!.equals(shorter));
      assert.ok(commands.includes('REST 300000'), commands.join('\n'));
      assert.ok(!commands.some(c => /^(STOR|APPE) .*done\.bin$/.test(c)), 'a complete file was sent again');
      assert.strictEqual(report.items.find(i => i.path === 'done.bin')!.state, 'skipped');
      assert.strictEqual(report.bytes.sent, (1 << 20) - 300_000 + 1000 + 10 + 100);
    });

    it('newer copies a source newer than the destination and keeps a destination that is newer', async () => {
      const { src } = servers();
      const stale = randomBytes(1000);
      const fresh = randomBytes(700);
      const { disk } = await run('newer', d => {
        const dst = servers().dst;
        writeTree(dst, d, { 'a.txt': stale, 'keep.txt': fresh });
        setTime(dst, `${d}/a.txt`, new Date('2020-01-01T00:00:00Z'));
        setTime(dst, `${d}/keep.txt`, new Date('2030-01-01T00:00:00Z'));
        writeTree(src, '/rules-newer/src', { 'keep.txt': randomBytes(700) });
        setTime(src, '/rules-newer/src/a.txt', new Date('2024-01-01T00:00:00Z'));
        setTime(src, '/rules-newer/src/keep.txt', new Date('2024-01-01T00:00:00Z'));
      });
      assert.ok(disk.get('a.txt')!.equals(SRC['a.txt']), 'the older destination file was not replaced');
      assert.ok(disk.get('keep.txt')!.equals(fresh), 'the newer destination file was replaced');
    });

    it('size-differs replaces only files whose size differs', async () => {
      const sameSize = randomBytes(1000);
      const { disk } = await run('size-differs', d => writeTree(servers().dst, d, { 'a.txt': sameSize, 'new.txt': randomBytes(3) }));
      assert.ok(disk.get('a.txt')!.equals(sameSize), 'same size: kept');
      assert.ok(disk.get('new.txt')!.equals(SRC['new.txt']), 'other size: replaced');
    });

    it('rename keeps the existing file and copies under a free name', async () => {
      const { disk, report } = await run('rename', d => writeTree(servers().dst, d, { 'a.txt': OLD, 'a (1).txt': OLD }));
      assert.ok(disk.get('a.txt')!.equals(OLD));
      assert.ok(disk.get('a (1).txt')!.equals(OLD));
      assert.ok(disk.get('a (2).txt')!.equals(SRC['a.txt']));
      assert.strictEqual(report.items.find(i => i.path === 'a.txt')!.target, 'a (2).txt');
    });
  });

  it('skip patterns leave files and whole folders out, and the plan says so', async () => {
    const { src, dst } = servers();
    writeTree(src, '/globs', { 'keep/x.txt': randomBytes(10), 'keep/x.tmp': randomBytes(10), 'cache/y.bin': randomBytes(10), 'top.tmp': randomBytes(10) });
    const { plans } = await mirrorFolder(world.engine, { site: site(src), path: '/globs' }, { site: site(dst), path: '/globs-dst' }, { exclude: ['*.tmp', 'cache/'] });
    assert.deepStrictEqual([...diskTree(dst, '/globs-dst').keys()], ['keep/x.txt']);
    assert.deepStrictEqual(plans[0]!.skipped.map(s => s.path).sort(), ['cache', 'keep/x.tmp', 'top.tmp']);
  });

  it('compare finds each kind of difference; "sync A to B" copies exactly those and leaves B equal', async () => {
    const { src, dst } = servers();
    const files = { 'same.txt': randomBytes(100), 'changed.txt': randomBytes(100), 'gone.txt': randomBytes(100), 'touched.txt': randomBytes(100), 'dir/in.txt': randomBytes(5) };
    writeTree(src, '/cmp', files);
    await mirrorFolder(world.engine, { site: site(src), path: '/cmp' }, { site: site(dst), path: '/cmp' });
    writeTree(dst, '/cmp', { 'changed.txt': randomBytes(101), 'extra.txt': randomBytes(1) });
    writeTree(src, '/cmp', { 'touched.txt': randomBytes(100) });
    setTime(src, '/cmp/touched.txt', new Date(Date.now() + 3600_000));
    const a = { site: site(src), path: '/cmp' };
    const b = { site: site(dst), path: '/cmp' };
    rmSync(dst.diskPath('/cmp/gone.txt'));

    const report = await compareFolders(world.engine, a, b);
    const status = Object.fromEntries(report.entries.map(e => [e.path, e.status]));
    assert.deepStrictEqual(status, {
      'changed.txt': 'size-differs', 'dir/in.txt': 'same', 'extra.txt': 'only-in-b', 'gone.txt': 'only-in-a', 'same.txt': 'same', 'touched.txt': 'newer-in-a',
    });

    const job = await FolderJob.fromPlans(world.engine, [syncPlan(report, a, b)]).run();
    assert.strictEqual(job.files.done, 3);
    const after = await compareFolders(world.engine, a, b);
    assert.deepStrictEqual(after.entries.filter(e => e.status !== 'same').map(e => `${e.path} ${e.status}`), ['extra.txt only-in-b']);
  });

  it('compare by a hash both servers compute finds same-size files with other contents (proftpd <-> proftpd-tls13)', async () => {
    const a = world.set.get('proftpd');
    const b = world.set.get('proftpd-tls13');
    const x = randomBytes(4000);
    writeTree(a, '/hash', { 'x.bin': x, 'y.bin': randomBytes(4000) });
    writeTree(b, '/hash', { 'x.bin': x, 'y.bin': randomBytes(4000) });
    const when = new Date('2024-01-01T00:00:00Z');
    for (const s of [a, b]) for (const f of ['x.bin', 'y.bin']) setTime(s, `/hash/${f}`, when);
    const plain = await compareFolders(world.engine, { site: site(a), path: '/hash' }, { site: site(b), path: '/hash' });
    assert.strictEqual(plain.counts.same, 2, 'by size and time they look equal');
    const hashed = await compareFolders(world.engine, { site: site(a), path: '/hash' }, { site: site(b), path: '/hash' }, { hash: true });
    assert.match(hashed.hash, /SHA|MD5|CRC/);
    assert.deepStrictEqual(hashed.entries.map(e => `${e.path} ${e.status}`), ['x.bin same', 'y.bin hash-differs']);
  });
});
