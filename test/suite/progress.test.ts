import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, statSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { JobSnapshot } from '../../src/jobs';
import type { PromptRequest } from '../../src/prompts';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { disk, put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { logFile, read, useExtension, waitFor } from './host';
import { answer, message, pick } from './prompting';

const KB = 1024;

/** The progress notification, the status bar item, cancelling from the notification, and "Cancel a File…", on throttled in-process servers. */
describe('progress and cancelling', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  let a: FtpdSite;
  let b: FtpdSite;

  before(async () => {
    const fxp = extension();
    a = await startSite(fxp, 'progress a', '127.0.0.51', { record: true });
    b = await startSite(fxp, 'progress b', '127.0.0.52', { record: true });
    sites.push(a, b);
  });

  beforeEach(() => {
    const fxp = extension();
    fxp.state.openPair(undefined, { site: a.site, folder: '/' }, { site: b.site, folder: '/' });
    a.transcript.length = 0;
    b.transcript.length = 0;
  });

  afterEach(() => {
    a.server.faults.rateBytesPerSec = undefined;
    extension().prompts.answerWith(undefined);
  });

  after(async () => {
    const fxp = extension();
    for (const job of fxp.journals.unfinished().filter(j => j.description.startsWith('progress a:'))) fxp.journals.discard(job.path);
    await stopSites(fxp, sites);
  });

  const copy = (request: CopyRequest) => vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, request);
  const aborted = (site: FtpdSite) => site.transcript.some(line => /\] > ABOR\b/.test(line));

  it('shows files done/total, bytes, speed and time left while a copy runs, and the running count in the status bar until it ends', async () => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
    const files = { '/two/first.bin': randomBytes(600 * KB), '/two/second.bin': randomBytes(600 * KB) };
    for (const [path, data] of Object.entries(files)) put(a, path, data);
    a.server.faults.rateBytesPerSec = 300 * KB;
    // One file after the other, so that "1/2 files" is seen between them.
    await fxp.settings.writePair('workspace', 'progress pair', { name: 'progress pair', siteA: a.name, siteB: b.name, folderA: '/', folderB: '/', parallel: 1 });
    await waitFor('the pair', () => fxp.settings.pair('progress pair'));
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'progress pair');
    try {
      const running = copy({ kind: 'copyRequest', from: 'A', items: [{ path: '/two', kind: 'dir', size: 0 }], to: 'B', folder: '/in' });
      let ended = false;
      void running.then(() => (ended = true));
      const messages = new Set<string>();
      const statuses = new Set<string>();
      let job: JobSnapshot | undefined;
      while (!ended) {
        const [first] = fxp.jobs.list();
        if (first) {
          job = first;
          if (first.message) messages.add(first.message);
          const status = fxp.jobs.statusItem;
          if (status.visible) statuses.add(`${status.text} | ${status.tooltip}`);
        }
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      const report = await running;
      assert.ok(report, 'the copy completed');
      for (const [path, data] of Object.entries(files)) assert.ok(disk(b, path.replace('/two', '/in/two')).equals(data), path);
      assert.strictEqual(job?.title, 'FXP: progress a → progress b');
      const seen = [...messages];
      const figures = /^(\d)\/2 files · [\d.]+ (B|KB|MB) of 1\.2 MB · [\d.]+ (KB|MB)\/s · [^·]+ left · \/two\/(first|second)\.bin$/;
      assert.ok(seen.some(m => figures.test(m) && m.startsWith('0/2')), `files, bytes, speed, time left and the file of the first copy: ${seen.join(' | ')}`);
      assert.ok(seen.some(m => figures.test(m) && m.startsWith('1/2') && m.endsWith('second.bin')), `one file done, the second running: ${seen.join(' | ')}`);
      assert.ok([...statuses].some(s => s.startsWith('$(sync~spin) FXP: 1 transfer | FXP: progress a → progress b: ')), [...statuses].join(' | '));
      assert.deepStrictEqual(fxp.jobs.statusItem, { visible: false, text: '', tooltip: '' }, 'the status bar item is gone');
      assert.deepStrictEqual(fxp.jobs.list(), []);
    } finally {
      await stopSites(fxp, [], ['progress pair']);
    }
  });

  it('the Cancel of the progress notification (its CancellationToken) sends ABOR to both servers and ends the copy', async () => {
    const fxp = extension();
    const shown: PromptRequest[] = [];
    fxp.prompts.answerWith(request => {
      shown.push(request);
      return undefined;
    });
    const size = 4 * 1024 * KB;
    put(a, '/cancel-me.bin', randomBytes(size));
    a.server.faults.rateBytesPerSec = 256 * KB;
    const running = copy({ kind: 'copyRequest', from: 'A', items: [{ path: '/cancel-me.bin', kind: 'file', size }], to: 'B', folder: '/' });
    const destination = join(b.root, 'cancel-me.bin');
    await waitFor('bytes arriving on Site B', () => existsSync(destination) && statSync(destination).size > 0);
    const [job] = fxp.jobs.list();
    assert.ok(job);
    assert.strictEqual(fxp.jobs.cancelFromNotification(job), true);
    assert.strictEqual(await running, undefined, 'the copy ended without a report');
    assert.ok(aborted(a), `ABOR on the source: ${a.transcript.join(' | ')}`);
    assert.ok(aborted(b), `ABOR on the destination: ${b.transcript.join(' | ')}`);
    assert.ok(statSync(destination).size < size, 'stopped before the end');
    assert.deepStrictEqual(fxp.jobs.statusItem.visible, false);
    const offer = await waitFor('the offer to delete the incomplete file', () => shown.find(r => r.kind === 'message' && /^Transfer cancelled\./.test(r.message)));
    assert.match(offer.kind === 'message' ? offer.message : '', /progress b keeps the incomplete \/cancel-me\.bin \(.+\); "Resume Interrupted Transfers" or copying it again continues it\./);
    assert.strictEqual(fxp.jobs.cancelFromNotification(job), false, 'a finished job has nothing to cancel');
  });

  it('"Cancel a File…" stops one file of a running folder copy on both servers; the others are copied and the report lists it as cancelled', async () => {
    const fxp = extension();
    const files = { '/three/one.bin': randomBytes(900 * KB), '/three/two.bin': randomBytes(900 * KB), '/three/three.bin': randomBytes(900 * KB) };
    for (const [path, data] of Object.entries(files)) put(a, path, data);
    a.server.faults.rateBytesPerSec = 200 * KB;
    answer(fxp, [
      [pick(/Cancel a File/), ['/three/two.bin']],
      [message(/was cancelled: \/three\/two\.bin/), 'Delete Incomplete File'],
    ]);
    const running = copy({ kind: 'copyRequest', from: 'A', items: [{ path: '/three', kind: 'dir', size: 0 }], to: 'B', folder: '/in' });
    await waitFor('the three files being copied', () => fxp.jobs.activeFiles().filter(f => f.file.bytes > 0).length === 3, 30_000);
    a.transcript.length = 0;
    b.transcript.length = 0;
    const cancelled = await vscode.commands.executeCommand<number>(COMMANDS.cancelFile);
    assert.strictEqual(cancelled, 1);
    const picked = fxp.prompts.shown.find(r => r.kind === 'pick');
    assert.ok(picked?.kind === 'pick' && picked.many);
    assert.deepStrictEqual([...picked.items].sort(), ['/three/one.bin', '/three/three.bin', '/three/two.bin'], 'every file being copied, in every running job');
    const row = picked.descriptions[picked.items.indexOf('/three/two.bin')] ?? '';
    assert.match(row, /^→ progress b:\/in\/three\/two\.bin · [\d.]+ KB of 900 KB$/, 'destination and bytes so far');

    const report = await running;
    assert.ok(report, 'the job went on and finished');
    assert.deepStrictEqual(report.cancelled.map(f => [f.path, f.site.name, f.target]), [['/three/two.bin', 'progress b', '/in/three/two.bin']]);
    assert.deepStrictEqual(report.copied.map(f => f.path).sort(), ['/three/one.bin', '/three/three.bin']);
    assert.strictEqual(report.job.state, 'done', 'a file cancelled by choice does not make the job unfinished');
    for (const path of ['/three/one.bin', '/three/three.bin']) assert.ok(disk(b, path.replace('/three', '/in/three')).equals(files[path as keyof typeof files]), `${path} byte-exact`);
    assert.ok(aborted(a), `the source saw ABOR: ${a.transcript.join(' | ')}`);
    assert.ok(aborted(b), `the destination saw ABOR: ${b.transcript.join(' | ')}`);
    assert.strictEqual(a.transcript.filter(l => /\] > ABOR\b/.test(l)).length, 1, 'one transfer aborted on the source, the others went on');
    // The incomplete file: the same keep-or-delete choice as a cancelled job; "Delete" removes it.
    const partial = join(b.root, 'in', 'three', 'two.bin');
    await waitFor('the incomplete file deleted', () => !existsSync(partial));
    const log = read(await logFile(fxp));
    assert.match(log, /Cancel a File: \/three\/two\.bin → progress b:\/in\/three\/two\.bin cancelled at [\d.]+ KB/);
    assert.match(log, /Copied 2 files \(.*\) from progress a to progress b: 2 by FXP; cancelled 1 in /);
    assert.match(log, /Cancelled \(your choice\): \/three\/two\.bin → progress b:\/in\/three\/two\.bin, [\d.]+ KB left there/);
    assert.match(log, /Deleted the incomplete progress b:\/in\/three\/two\.bin/);
  });

  it('"Cancel a File…" with nothing running says so', async () => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
    assert.strictEqual(await vscode.commands.executeCommand<number>(COMMANDS.cancelFile), 0);
    assert.ok(fxp.prompts.shown.some(r => r.kind === 'message' && /no file is being copied right now/.test(r.message)));
  });
});
