import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { copyToMany, FolderJob, planFolderCopies } from '../../../src/fxp/folder';
import { useServers } from '../fixtures';
import { assertSameTree, diskTree, sent, site, smallFiles, writeTree, type Files } from './helpers';

describe('one source, many destinations', function () {
  this.timeout(180_000);
  const world = useServers(['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib']);
  const DESTINATIONS = ['proftpd', 'vsftpd', 'pyftpdlib'];

  it('copies a folder to three servers, each its own FXP stream; a source with one free pair is helped by destinations that already have the files', async () => {
    const src = world.set.get('pure-ftpd');
    const files: Files = { ...smallFiles(60, 2048), 'm/one.bin': randomBytes(1 << 20), 'm/two.bin': randomBytes(1 << 20) };
    writeTree(src, '/fan', files);
    const from = world.log.length;
    const { report } = await copyToMany(
      world.engine,
      // Two connections: one pair at a time from the source, one connection left for browsing.
      { site: site(src, 2), path: '/fan' },
      DESTINATIONS.map(id => ({ site: site(world.set.get(id), 4), path: '/fan-copy' })),
      { parallel: 2 },
    );
    assert.ok(report);
    assert.strictEqual(report.state, 'done', JSON.stringify(report.failures, null, 1));
    assert.strictEqual(report.files.done, 62 * 3);
    for (const id of DESTINATIONS) assert.deepStrictEqual(assertSameTree(diskTree(world.set.get(id), '/fan-copy'), files), [], id);

    const fed = report.parts.flatMap(p => Object.entries(p.copiedFrom).filter(([from]) => from !== 'pure-ftpd').map(([from, n]) => ({ to: p.destination, from, n })));
    assert.ok(fed.length > 0, `every file came from the source: ${JSON.stringify(report.parts.map(p => p.copiedFrom))}`);
    for (const { from: feeder } of fed) {
      assert.ok(sent(world.log, feeder, from).some(c => c.startsWith('RETR /fan-copy/')), `${feeder} is reported as a source but sent nothing`);
    }
    for (const part of report.parts) {
      assert.strictEqual(Object.values(part.copiedFrom).reduce((a, b) => a + b, 0), 62, `${part.destination}: ${JSON.stringify(part.copiedFrom)}`);
    }
    assert.ok(report.items.every(i => i.mode === 'fxp'), 'a copy went through this machine');
    console.log(`      ${report.parts.map(p => `${p.destination} <- ${Object.entries(p.copiedFrom).map(([s, n]) => `${s} ${n}`).join(', ')}`).join('; ')}`);
  });

  it('copies one file to several servers (fxp cp SRC DST1 DST2 ...)', async () => {
    const src = world.set.get('pure-ftpd');
    const data = randomBytes(300_000);
    writeTree(src, '/single', { 'file.bin': data });
    const { report } = await copyToMany(world.engine, { site: site(src), path: '/single/file.bin' },
      DESTINATIONS.map(id => ({ site: site(world.set.get(id)), path: `/single-copy/${id}.bin` })), { file: true });
    assert.strictEqual(report!.state, 'done');
    for (const id of DESTINATIONS) assert.ok(diskTree(world.set.get(id), '/single-copy').get(`${id}.bin`)?.equals(data), id);
  });

  it('never feeds a file from a copy of a different source folder, even with the same name and size', async () => {
    const src = world.set.get('pure-ftpd');
    const x: Files = { 'same.bin': randomBytes(50_000), 'sub/also.bin': randomBytes(4096) };
    const y: Files = { 'same.bin': randomBytes(50_000), 'sub/also.bin': randomBytes(4096) };
    writeTree(src, '/feed-x', x);
    writeTree(src, '/feed-y', y);
    const destinations = ['proftpd', 'vsftpd'];
    const plans = [
      ...await planFolderCopies(world.engine, { site: site(src, 2), path: '/feed-x' }, destinations.map(id => ({ site: site(world.set.get(id), 4), path: '/feed-x' }))),
      ...await planFolderCopies(world.engine, { site: site(src, 2), path: '/feed-y' }, destinations.map(id => ({ site: site(world.set.get(id), 4), path: '/feed-y' }))),
    ];
    const report = await FolderJob.fromPlans(world.engine, plans, { parallel: 2 }).run();
    assert.strictEqual(report.state, 'done', JSON.stringify(report.failures, null, 1));
    for (const id of destinations) {
      assert.deepStrictEqual(assertSameTree(diskTree(world.set.get(id), '/feed-x'), x), [], `${id} /feed-x`);
      assert.deepStrictEqual(assertSameTree(diskTree(world.set.get(id), '/feed-y'), y), [], `${id} /feed-y`);
    }
  });
});
