import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { FxpEngine } from '../../../src/fxp';
import { FolderJob, planFolderCopy } from '../../../src/fxp/folder';
import { useServers } from '../fixtures';
import { assertSameTree, diskReaches, diskTree, inproc, sent, site, smallFiles, testEngine, writeTree, type DiskServer, type Files } from './helpers';

const BIG = 6 << 20;

/**
 * The source is the in-process server throttled to 4 MB/s per transfer, so that the two large files are
 * still in flight when the destination (a real ProFTPD) is killed; everything checked is on ProFTPD's disk.
 */
describe('folder jobs survive a destination server crash', function () {
  this.timeout(180_000);
  const world = useServers(['proftpd']);
  let source: Awaited<ReturnType<typeof inproc>>;
  let engine: FxpEngine;
  let log: string[];
  let stateDir: string;
  const files: Files = { 'a/big1.bin': randomBytes(BIG), 'a/big2.bin': randomBytes(BIG), ...smallFiles(200, 2048, 'b/') };

  before(async () => {
    source = await inproc('crash-src', '127.0.0.33', { faults: { rateBytesPerSec: 4_000_000 } });
    writeTree(source, '/tree', files);
    ({ engine, log } = testEngine([source, world.set.get('proftpd')]));
    stateDir = mkdtempSync(join(tmpdir(), 'fxp-jobs-'));
  });
  after(async () => {
    engine?.close();
    await source?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const dst = (): DiskServer => world.set.get('proftpd');

  it('killed mid-job: the job ends with every failure reported; resumed from the journal, nothing complete is sent again and the partial file continues with REST', async () => {
    const journalPath = join(stateDir, 'crash.fxpjob');
    const plan = await planFolderCopy(engine, { site: site(source), path: '/tree' }, { site: site(dst()), path: '/crash' });
    const job = FolderJob.fromPlans(engine, [plan], { parallel: 4, retries: 0, journalPath });
    const running = job.run();
    await diskReaches(dst(), '/crash/a/big1.bin', 1 << 20);
    await world.set.kill('proftpd');
    const first = await running;

    assert.strictEqual(first.state, 'failed');
    const byPath = new Map(first.items.map(i => [i.path, i]));
    assert.strictEqual(byPath.get('a/big1.bin')!.state, 'failed', 'the large file was in flight');
    assert.ok(first.files.done > 0 && first.files.failed > 0, JSON.stringify(first.files));
    assert.strictEqual(first.files.done + first.files.failed, 202, 'every file ended done or failed, none left hanging');
    for (const f of first.failures) assert.ok(f.error && f.error.text.length > 0, `${f.path} failed without a reason`);

    await world.set.restart('proftpd');
    const partial = statSync(dst().diskPath('/crash/a/big1.bin')).size;
    assert.ok(partial > 0 && partial < BIG, `partial size ${partial}`);
    const doneBefore = first.items.filter(i => i.state === 'done').map(i => i.path);

    const from = log.length;
    const second = await FolderJob.resume(engine, journalPath, { retries: 2, backoffMs: 200 }).run();
    assert.strictEqual(second.state, 'done', JSON.stringify(second.failures, null, 1));
    assert.deepStrictEqual(assertSameTree(diskTree(dst(), '/crash'), files), []);

    const commands = sent(log, 'proftpd', from);
    const stored = commands.filter(c => /^(STOR|APPE) /.test(c)).map(c => c.replace(/^(STOR|APPE) \/crash\//, ''));
    for (const path of doneBefore) assert.ok(!stored.includes(path), `${path} was complete and was sent again`);
    // A file whose bytes all arrived before the crash (but not the 226) is found complete, verified, and not sent.
    const foundComplete = second.items.filter(i => i.verification === 'already complete').length;
    assert.strictEqual(new Set(stored).size, stored.length, 'a file was sent twice');
    assert.strictEqual(stored.length, 202 - doneBefore.length - foundComplete, 'each unfinished file is sent exactly once');
    assert.ok(commands.includes(`REST ${partial}`), `no REST ${partial} for the partial file:\n${commands.filter(c => /^REST|big1/.test(c)).join('\n')}`);
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    const doneBytes = doneBefore.reduce((n, p) => n + files[p]!.length, 0);
    assert.ok(second.bytes.sent <= total - doneBytes - partial, `sent ${second.bytes.sent}: more than what was missing`);
  });

  it('killed and restarted while the job runs: it waits with backoff, reconnects, and resumes the partial file with REST', async () => {
    const plan = await planFolderCopy(engine, { site: site(source), path: '/tree' }, { site: site(dst()), path: '/bounce' });
    const retries: string[] = [];
    const job = FolderJob.fromPlans(engine, [plan], { parallel: 4, retries: 8, backoffMs: 300, onFile: e => { if (e.file.attempts > 1) retries.push(e.file.path); } });
    const from = log.length;
    const running = job.run();
    await diskReaches(dst(), '/bounce/a/big1.bin', 1 << 20);
    await world.set.kill('proftpd');
    const partial = statSync(dst().diskPath('/bounce/a/big1.bin')).size;
    await world.set.restart('proftpd');
    const report = await running;
    assert.strictEqual(report.state, 'done', JSON.stringify(report.failures, null, 1));
    assert.ok(retries.includes('a/big1.bin'), 'the interrupted file was retried');
    assert.deepStrictEqual(assertSameTree(diskTree(dst(), '/bounce'), files), []);
    const commands = sent(log, 'proftpd', from);
    assert.ok(commands.some(c => /^REST [1-9]/.test(c)), 'no transfer was resumed');
    assert.ok(commands.includes(`REST ${partial}`) || partial === 0, `big1 was not resumed at ${partial}`);
  });
});
