import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { offerInterruptedTransfers } from '../../src/commands/jobs';
import { remoteUri } from '../../src/comparison';
import { COMMANDS } from '../../src/constants';
import type { CompareReport, FolderPlan } from '../../src/fxp';
import type { PairConfig } from '../../src/siteConfig';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { isEntryNode } from '../../src/tree/nodes';
import { disk, put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { logFile, read, useExtension, waitFor } from './host';

/** Folder jobs in the extension against in-process servers: journal and resume, one-to-many, compare and sync, dry run. */
describe('folder jobs', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  const pair: PairConfig = { name: 'jobs pair', siteA: 'jobs a', siteB: 'jobs b', folderA: '/', folderB: '/', parallel: 1 };
  let a: FtpdSite;
  let b: FtpdSite;

  before(async () => {
    const fxp = extension();
    a = await startSite(fxp, 'jobs a', '127.0.0.36');
    b = await startSite(fxp, 'jobs b', '127.0.0.37', { record: true });
    sites.push(a, b);
  });

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await stopSites(fxp, sites, [pair.name]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function openPair(changes: Partial<PairConfig> = {}): Promise<void> {
    const fxp = extension();
    const config = { ...pair, ...changes };
    await fxp.settings.writePair('workspace', config.name, config);
    await waitFor('the pair settings', () => JSON.stringify(fxp.settings.pair(config.name)?.pair.exclude) === JSON.stringify(config.exclude) || undefined);
    await vscode.commands.executeCommand(COMMANDS.openSitePair, config.name);
  }

  it('keeps a journal of every transfer; after an interruption, "Resume Interrupted Transfers" finishes it without re-sending finished files', async () => {
    const fxp = extension();
    for (const job of fxp.journals.unfinished()) fxp.journals.discard(job.path);
    const small = randomBytes(20_000);
    const big = randomBytes(3 * 1024 * 1024);
    put(a, '/job/a-small.bin', small);
    put(a, '/job/b-big.bin', big);
    await openPair();
    a.server.faults.rateBytesPerSec = 512 * 1024;
    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/job', kind: 'dir', size: 0 }], to: 'B', folder: '/in' };
    const running = vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, request);
    const partial = join(b.root, 'in', 'job', 'b-big.bin');
    await waitFor('the big file half-way', () => existsSync(partial) && statSync(partial).size > 600_000, 30_000);
    assert.ok(fxp.journals.dir.startsWith(fxp.globalStorageUri.fsPath), fxp.journals.dir);
    assert.strictEqual(readdirSync(fxp.journals.dir).filter(f => f.endsWith('.fxpjob')).length, 1, 'the running job has a journal in global storage');
    assert.deepStrictEqual(fxp.journals.unfinished(), [], 'a running job is not offered for resuming');
    // The window goes away mid-transfer: the job stops where it is (as on a reload).
    await vscode.commands.executeCommand(COMMANDS.cancelTransfers);
    assert.strictEqual(await running, undefined);
    const stoppedAt = statSync(partial).size;
    assert.ok(stoppedAt < big.length);
    const [interrupted] = fxp.journals.unfinished();
    assert.ok(interrupted);
    assert.deepStrictEqual([interrupted.files, interrupted.remaining], [2, 1], 'the small file is done, the big one is not');
    assert.match(interrupted.description, /^jobs a:\/job -> jobs b:\/in\/job$/);

    a.server.faults.rateBytesPerSec = undefined;
    b.transcript.length = 0;
    // What the extension offers on start: "Resume Interrupted Transfers", then which one.
    fxp.prompts.answerWith(request => (request.kind === 'message' && /interrupted/.test(request.message) ? 'Resume Interrupted Transfers'
      : request.kind === 'pick' ? request.items.find(i => i.startsWith('jobs a:/job')) : undefined));
    await offerInterruptedTransfers(fxp);
    assert.ok(disk(b, '/in/job/b-big.bin').equals(big), 'the big file is complete and byte-exact');
    assert.ok(disk(b, '/in/job/a-small.bin').equals(small));
    const commands = b.transcript.filter(l => / > (STOR|APPE|REST) /.test(l));
    assert.ok(!commands.some(l => /a-small\.bin/.test(l)), `the finished file was not sent again: ${commands.join(' | ')}`);
    const rest = commands.map(l => / > REST (\d+)/.exec(l)).find(Boolean);
    assert.ok(rest && Number(rest[1]) > 0, `the big file continued from where it stopped (REST): ${commands.join(' | ')}`);
    assert.deepStrictEqual(fxp.journals.unfinished(), [], 'the finished job left no journal');
    assert.match(read(await logFile(fxp)), /Resuming jobs a:\/job -> jobs b:\/in\/job \(1 of 2 files left\)/);
  });

  it('"Copy to Several Sites…" copies one folder to two servers in one job and says where each destination\'s files came from', async () => {
    const fxp = extension();
    const c = await startSite(fxp, 'jobs c', '127.0.0.38');
    sites.push(c);
    const files = Object.fromEntries(['/many/one.bin', '/many/two.bin', '/many/sub/three.bin'].map(p => [p, randomBytes(40_000)]));
    for (const [path, data] of Object.entries(files)) put(a, path, data);
    await openPair();
    const node = (await fxp.trees.A.getChildren()).find(n => isEntryNode(n) && n.entry.name === 'many');
    assert.ok(node);
    fxp.prompts.answerWith(request => (request.kind === 'pick' && request.many ? ['jobs b', 'jobs c'] : request.kind === 'input' ? '/fan' : undefined));
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToSeveralSites, node);
    assert.ok(report);
    const pick = fxp.prompts.shown.find(r => r.kind === 'pick');
    assert.ok(pick?.kind === 'pick' && pick.items.includes('jobs b') && pick.items.includes('jobs c') && !pick.items.includes('jobs a'), 'the source is not offered');
    assert.deepStrictEqual(report.job.parts.map(p => p.destination), ['jobs b:/fan/many', 'jobs c:/fan/many']);
    for (const site of [b, c]) {
      for (const [path, data] of Object.entries(files)) assert.ok(disk(site, path.replace('/many', '/fan/many')).equals(data), `${site.name}${path}`);
    }
    for (const part of report.job.parts) {
      assert.strictEqual(Object.values(part.copiedFrom).reduce((n, k) => n + k, 0), 3, `${part.destination}: every file's origin is reported`);
    }
    assert.deepStrictEqual(report.copied.filter(f => f.via).map(f => f.via).filter(v => v !== 'jobs b' && v !== 'jobs c'), [], 'fed only by a destination');
    assert.match(read(await logFile(fxp)), /Copied 6 files \(.*\) from jobs a to jobs b, jobs c/);
  });

  it('"Compare Folders" decorates the differences in both views; "Sync A to B" copies them, leaving what is only (or newer) on B', async () => {
    const fxp = extension();
    const time = Math.floor(Date.now() / 1000) - 3600;
    put(a, '/cmp/same.txt', 'same', time);
    put(b, '/cmp/same.txt', 'same', time);
    put(a, '/cmp/changed.bin', randomBytes(500), time);
    put(b, '/cmp/changed.bin', randomBytes(300), time);
    put(a, '/cmp/only-a.txt', 'A', time);
    put(a, '/cmp/sub/deep.txt', 'deep', time);
    put(a, '/cmp/scratch.tmp', 'excluded', time);
    put(b, '/cmp/only-b.txt', 'B', time);
    await openPair({ folderA: '/cmp', folderB: '/cmp', exclude: ['*.tmp'] });
    fxp.prompts.answerWith(request => (request.kind === 'message' && request.modal ? 'Sync' : undefined));
    const report = await vscode.commands.executeCommand<CompareReport>(COMMANDS.compareFolders);
    assert.ok(report);
    const diff = Object.fromEntries(report.entries.filter(e => e.status !== 'same').map(e => [e.path, e.status]));
    assert.deepStrictEqual(diff, { 'changed.bin': 'size-differs', 'only-a.txt': 'only-in-a', 'only-b.txt': 'only-in-b', sub: 'only-in-a', 'sub/deep.txt': 'only-in-a' });
    const decoration = (side: 'A' | 'B', path: string) => fxp.comparison.provideFileDecoration(remoteUri(side, path));
    assert.strictEqual(decoration('A', '/cmp/only-a.txt')?.badge, 'A');
    assert.strictEqual(decoration('B', '/cmp/only-b.txt')?.badge, 'B');
    assert.strictEqual(decoration('A', '/cmp/changed.bin')?.badge, '≠');
    assert.match(decoration('B', '/cmp/changed.bin')?.tooltip ?? '', /Differs from Site A: 500 vs 300 bytes/);
    assert.strictEqual(decoration('A', '/cmp/same.txt'), undefined);
    const node = (await fxp.trees.A.getChildren()).find(n => isEntryNode(n) && n.entry.name === 'only-a.txt')!;
    assert.strictEqual(fxp.trees.A.getTreeItem(node).resourceUri?.toString(), remoteUri('A', '/cmp/only-a.txt').toString(), 'the tree item carries the decorated resource');
    assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /\| only-a\.txt \| only on A/);

    const synced = await vscode.commands.executeCommand<TransferReport>(COMMANDS.syncAToB);
    assert.ok(synced);
    const confirm = fxp.prompts.shown.find(r => r.kind === 'message' && r.modal);
    assert.match(confirm?.kind === 'message' ? `${confirm.message} ${confirm.detail}` : '', /Sync jobs a:\/cmp to jobs b:\/cmp\?.*Copies 3 files .* replacing 1 file that differs\. Nothing is deleted/s);
    assert.ok(disk(b, '/cmp/changed.bin').equals(disk(a, '/cmp/changed.bin')));
    assert.ok(disk(b, '/cmp/sub/deep.txt').equals(disk(a, '/cmp/sub/deep.txt')));
    assert.strictEqual(disk(b, '/cmp/only-b.txt').toString(), 'B', 'kept');
    assert.ok(!existsSync(join(b.root, 'cmp', 'scratch.tmp')), 'excluded');
    const after = fxp.comparison.report!;
    assert.deepStrictEqual(after.entries.filter(e => e.status !== 'same' && e.status !== 'newer-in-a' && e.status !== 'newer-in-b').map(e => e.path), ['only-b.txt'], 'compared again after the sync');
  });

  it('"Preview Transfer" writes the plan with the pair\'s exists-rule to the log and copies nothing', async () => {
    const fxp = extension();
    put(a, '/plan/new.bin', randomBytes(1000));
    put(a, '/plan/old.bin', randomBytes(1000));
    put(b, '/in/plan/old.bin', randomBytes(10));
    await openPair({ exists: 'skip', folderA: '/', folderB: '/in' });
    const node = (await fxp.trees.A.getChildren()).find(n => isEntryNode(n) && n.entry.name === 'plan')!;
    const plans = await vscode.commands.executeCommand<FolderPlan[]>(COMMANDS.previewTransfer, node);
    assert.ok(plans);
    assert.deepStrictEqual(plans[0]!.items.map(i => [i.path, i.action]), [['new.bin', 'copy'], ['old.bin', 'skip']]);
    assert.ok(!existsSync(join(b.root, 'in', 'plan', 'new.bin')), 'nothing copied');
    const log = read(await logFile(fxp));
    assert.match(log, /Preview \(dry run, nothing copied\): jobs a → jobs b:\/in; exists skip/);
    assert.match(log, /copy {4}new\.bin/);
    assert.match(log, /skip {4}old\.bin/);
  });
});
