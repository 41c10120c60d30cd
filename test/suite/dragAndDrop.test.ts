import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS, MIME, treeMime, VIEWS } from '../../src/constants';
import type { TransferReport } from '../../src/transfers';
import { isEntryNode, type EntryNode, type SiteNode } from '../../src/tree/nodes';
import { disk, put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { logFile, read, useExtension, waitFor } from './host';

/** What a drag of several items carries, and what VS Code hands the drop (with the tree's own item). */
describe('multi-select drag and drop', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  let a: FtpdSite;
  let b: FtpdSite;
  const files: Record<string, Buffer> = {};

  before(async () => {
    const fxp = extension();
    a = await startSite(fxp, 'dnd a', '127.0.0.48');
    b = await startSite(fxp, 'dnd b', '127.0.0.49');
    sites.push(a, b);
    files['/src/one.bin'] = randomBytes(150_000);
    files['/src/two.txt'] = Buffer.from('two\n');
    files['/src/dir/nested/three.bin'] = randomBytes(40_000);
    files['/src/dir/four.bin'] = randomBytes(7);
    for (const [path, data] of Object.entries(files)) put(a, path, data);
    put(a, '/src/not-selected.bin', randomBytes(10));
  });

  beforeEach(() => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
  });

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await stopSites(fxp, sites);
  });

  /** Opens the two sites (no saved pair) on fresh folders; the selection: two files and a folder of Site A. */
  async function open(target: string): Promise<EntryNode[]> {
    const fxp = extension();
    put(b, `${target}/.keep`, '');
    fxp.state.openPair(undefined, { site: a.site, folder: '/src' }, { site: b.site, folder: target });
    const top = (await fxp.trees.A.getChildren()).filter(isEntryNode);
    const selection = ['one.bin', 'two.txt', 'dir'].map(name => top.find(n => n.entry.name === name)!);
    assert.ok(selection.every(Boolean));
    return selection;
  }

  function assertCopied(folder: string): void {
    for (const [path, data] of Object.entries(files)) {
      const copy = path.replace('/src', folder);
      assert.ok(disk(b, copy).equals(data), `${copy} byte-exact`);
    }
    assert.strictEqual(existsSync(join(b.root, folder, 'not-selected.bin')), false, 'only the selection');
  }

  /** Lines in the log so far (the file ends with a line break). */
  const logLines = async (fxp: ReturnType<typeof extension>) => read(await logFile(fxp)).split('\n').length - 1;

  /** Waits for a log line after `mark` (the log file is written asynchronously). */
  async function logged(fxp: ReturnType<typeof extension>, mark: number, pattern: RegExp): Promise<string> {
    return waitFor(`${pattern} in the log`, async () => read(await logFile(fxp)).split('\n').slice(mark).find(l => pattern.test(l)));
  }

  /** VS Code's own item next to ours in a drag from Site A: the tree's handles of the dragged rows. */
  const treeItem = (selection: EntryNode[]) => new vscode.DataTransferItem({ id: VIEWS.A, itemHandles: selection.map(n => `1/A:${n.path}`) });

  /** Drops onto Site B and waits for the copy of the whole selection into `folder`. */
  async function dropAndExpectCopy(onto: SiteNode | undefined, transfer: vscode.DataTransfer, folder: string, expectLogged: RegExp[] = []): Promise<void> {
    const fxp = extension();
    const mark = await logLines(fxp);
    await fxp.dragAndDrop.handleDrop(onto, transfer, new vscode.CancellationTokenSource().token);
    for (const pattern of expectLogged) await logged(fxp, mark, pattern);
    await logged(fxp, mark, /Copied 4 files \(.*\) from dnd a to dnd b: 4 by FXP/);
    assertCopied(folder);
  }

  it('a drag of two files and a folder carries all three; the drop onto a folder of the other view copies each', async () => {
    const fxp = extension();
    put(b, '/in1/target/.keep', '');
    const selection = await open('/in1');
    const folder = (await fxp.trees.B.getChildren()).find((n): n is EntryNode => isEntryNode(n) && n.entry.name === 'target');
    assert.ok(folder, 'the target folder is listed in Site B');

    const transfer = new vscode.DataTransfer();
    fxp.dragAndDrop.handleDrag(selection, transfer);
    const carried = JSON.parse(await transfer.get(MIME.items)!.asString());
    assert.deepStrictEqual(carried, {
      side: 'A',
      items: [
        { path: '/src/one.bin', kind: 'file', size: 150_000 },
        { path: '/src/two.txt', kind: 'file', size: 4 },
        { path: '/src/dir', kind: 'dir', size: selection[2]!.entry.size },
      ],
    });
    // VS Code adds its own tree item next to ours.
    transfer.set(treeMime(VIEWS.A), treeItem(selection));
    await dropAndExpectCopy(folder, transfer, '/in1/target');
  });

  it('a drop whose own item arrived empty (the real-UI quirk) copies each item through the tree\'s handles, onto empty space', async () => {
    const selection = await open('/in2');
    const transfer = new vscode.DataTransfer();
    transfer.set(MIME.items, new vscode.DataTransferItem(''));
    transfer.set(treeMime(VIEWS.A), treeItem(selection));
    await dropAndExpectCopy(undefined, transfer, '/in2', [/Drop: 3 item\(s\) from Site A onto Site B \/in2$/]);
  });

  it('a payload given as an object (not a string) is read too; a drop back onto the view it came from copies nothing', async () => {
    const fxp = extension();
    const selection = await open('/in3');
    const items = selection.map(n => ({ path: n.path, kind: n.entry.kind, size: n.entry.size }));
    const same = new vscode.DataTransfer();
    same.set(MIME.items, new vscode.DataTransferItem({ side: 'A', items }));
    const mark = await logLines(fxp);
    await fxp.dragAndDrop.handleDrop(selection[2], same, new vscode.CancellationTokenSource().token);
    await logged(fxp, mark, /Drop onto the view it came from \(Site A\) ignored/);
    assert.strictEqual(existsSync(join(b.root, 'in3', 'one.bin')), false, 'nothing copied');

    const onto: SiteNode = (await fxp.trees.B.getChildren())[0]!;
    const transfer = new vscode.DataTransfer();
    transfer.set(MIME.items, new vscode.DataTransferItem({ side: 'A', items }));
    await dropAndExpectCopy(onto, transfer, '/in3');
  });

  it('"Copy to Other Site" with several selected nodes copies each of them', async () => {
    const fxp = extension();
    const selection = await open('/in4');
    // A context-menu click: the clicked node, then the whole selection.
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, selection[1], selection);
    assert.ok(report, 'the copy completed');
    assert.deepStrictEqual(report.copied.map(c => c.mode), ['fxp', 'fxp', 'fxp', 'fxp']);
    assert.deepStrictEqual(report.failed, []);
    assertCopied('/in4');
  });

  it('a folder selected with a file inside it copies that file once, as part of the folder', async () => {
    const fxp = extension();
    const [, , dir] = await open('/in5');
    const inside = (await fxp.trees.A.getChildren(dir)).filter(isEntryNode).find(n => n.entry.name === 'four.bin');
    assert.ok(inside);
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, inside, [inside, dir]);
    assert.ok(report, 'the copy completed');
    assert.deepStrictEqual(report.copied.map(c => c.target).sort(), ['/in5/dir/four.bin', '/in5/dir/nested/three.bin']);
    assert.ok(disk(b, '/in5/dir/four.bin').equals(files['/src/dir/four.bin']!));
    assert.strictEqual(existsSync(join(b.root, 'in5', 'four.bin')), false, 'not copied a second time beside the folder');
  });
});
