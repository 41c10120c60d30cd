import * as assert from 'assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { findUnfinishedJobs, Journal, newJob, parseJournal, type FolderPlan, type JobOptionsRecord } from '../../../../src/fxp/folder';
import { FxpError, makeSite } from '../../../../src/fxp';

const options: JobOptionsRecord = { parallel: 4, retries: 3, relay: 'auto', partials: 'keep', preserveTimes: true };

function plan(): FolderPlan {
  return {
    source: { site: makeSite({ host: '127.0.0.1', user: 'u' }, 'A'), path: '/src' },
    destination: { site: makeSite({ host: '127.0.0.2', user: 'u' }, 'B'), path: '/dst' },
    rule: 'resume', exclude: ['*.tmp'], dirs: ['d'], skipped: [{ path: 'x.tmp', reason: 'skip pattern' }],
    items: [
      { path: 'a', target: 'a', size: 10, action: 'copy', restartAt: 0, reason: 'new file' },
      { path: 'd/b', target: 'd/b', size: 20, action: 'resume', restartAt: 5, reason: 'resume at 5 of 20 bytes', existing: 5 },
      { path: 'c', target: 'c', size: 30, action: 'skip', restartAt: 0, reason: 'already complete', existing: 30 },
      { path: 'e', target: 'e', size: 1, action: 'conflict', restartAt: 0, reason: 'a folder of that name is on the destination' },
    ],
  };
}

describe('job journal', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fxp-journal-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a new job settles skips and conflicts; everything else is pending', () => {
    const job = newJob('j1', [plan()], options, new Date('2024-01-01T00:00:00Z'));
    assert.deepStrictEqual(job.parts[0]!.files.map(f => f.state), ['pending', 'pending', 'skipped', 'failed']);
    assert.strictEqual(job.parts[0]!.files[3]!.error?.code, 'EXISTS');
    assert.strictEqual(job.created, '2024-01-01T00:00:00.000Z');
  });

  it('round-trips: events appended, replayed on open, compacted into one line', () => {
    const path = join(dir, 'j.fxpjob');
    const journal = Journal.create(path, newJob('j2', [plan()], options));
    journal.record({ t: 'file', p: 0, i: 0, s: 'started', a: 1 });
    journal.record({ t: 'file', p: 0, i: 0, s: 'done', a: 1, b: 10, m: 'fxp', v: 'SIZE match' });
    journal.record({ t: 'file', p: 0, i: 1, s: 'started', a: 1 });
    const err = new FxpError('CONNECTION_LOST', 'gone', { site: 'B', command: 'STOR /dst/d/b' });
    journal.record({ t: 'file', p: 0, i: 1, s: 'failed', a: 1, b: 12, e: { code: err.code, message: err.message, site: 'B', text: err.describe() } });
    journal.record({ t: 'job', s: 'failed' });
    journal.close();
    assert.strictEqual(readFileSync(path, 'utf8').trim().split('\n').length, 6);

    const reopened = Journal.open(path);
    const files = reopened.job.parts[0]!.files;
    assert.deepStrictEqual(files.map(f => f.state), ['done', 'failed', 'skipped', 'failed']);
    assert.deepStrictEqual([files[0]!.bytes, files[0]!.mode, files[0]!.verification], [10, 'fxp', 'SIZE match']);
    assert.deepStrictEqual([files[1]!.bytes, files[1]!.error?.code, files[1]!.restartAt, files[1]!.existing], [12, 'CONNECTION_LOST', 5, 5]);
    assert.strictEqual(reopened.job.state, 'failed');
    assert.strictEqual(reopened.job.parts[0]!.source.site.name, 'A');
    assert.strictEqual(readFileSync(path, 'utf8').trim().split('\n').length, 1, 'opening compacts the journal');
    reopened.close();
  });

  it('a torn last line (crash mid-write) is ignored; a torn middle line is an error', () => {
    const head = JSON.stringify(newJob('j3', [plan()], options));
    const done = JSON.stringify({ t: 'file', p: 0, i: 0, s: 'done', b: 10 });
    assert.strictEqual(parseJournal(`${head}\n${done}\n{"t":"file","p":0,"i":1,"s":"do`).parts[0]!.files[1]!.state, 'pending');
    assert.throws(() => parseJournal(`${head}\n{"t":"fi\n${done}\n`), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT');
  });

  it('refuses what is not a journal', () => {
    for (const text of ['', 'hello', '{"format":"other"}', JSON.stringify({ format: 'fxp-job', version: 2, parts: [] })]) {
      assert.throws(() => parseJournal(text), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT', text);
    }
  });

  it('never stores a password', () => {
    const path = join(dir, 'p.fxpjob');
    Journal.create(path, newJob('j4', [plan()], options)).close();
    assert.ok(!/password/i.test(readFileSync(path, 'utf8')));
  });

  it('finds unfinished jobs in a folder, newest first, ignoring finished ones and strangers', () => {
    const a = Journal.create(join(dir, 'a.fxpjob'), newJob('ja', [plan()], options));
    a.record({ t: 'job', s: 'interrupted' });
    a.close();
    const b = Journal.create(join(dir, 'b.fxpjob'), newJob('jb', [plan()], options));
    b.record({ t: 'job', s: 'done' });
    b.close();
    writeFileSync(join(dir, 'c.fxpjob'), 'not json');
    appendFileSync(join(dir, 'notes.txt'), 'x');
    const found = findUnfinishedJobs(dir);
    assert.deepStrictEqual(found.map(f => [f.id, f.state, f.files, f.remaining]), [['ja', 'interrupted', 4, 3]]);
    assert.match(found[0]!.description, /^A:\/src -> B:\/dst$/);
  });
});
