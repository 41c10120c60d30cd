import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { COMMANDS, CONTEXT_VALUES } from '../../src/constants';
import { isEntryNode, type SiteNode } from '../../src/tree/nodes';
import { makeDir, putFile } from './hostFixtures';
import { server, useExtension } from './host';

const names = (nodes: SiteNode[]) => nodes.map(n => (isEntryNode(n) ? `${n.entry.kind}:${n.entry.name}` : `${n.type}:${n.message}`));

describe('site tree', () => {
  const extension = useExtension();

  it('lists a real server folder lazily, folders first, with sizes and tooltips', async () => {
    const fxp = extension();
    const pure = server('pure-ftpd');
    putFile(pure, '/tree-test/b.bin', randomBytes(1234));
    putFile(pure, '/tree-test/a.txt', Buffer.from('hello'));
    putFile(pure, '/tree-test/sub/inner.bin', randomBytes(10));
    makeDir(pure, '/tree-test/zz-empty');
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'fxp pair');
    fxp.state.setFolder('A', '/tree-test');
    const top = await fxp.trees.A.getChildren();
    assert.deepStrictEqual(names(top), ['dir:sub', 'dir:zz-empty', 'file:a.txt', 'file:b.bin']);
    const b = top.find(n => isEntryNode(n) && n.entry.name === 'b.bin')!;
    const item = fxp.trees.A.getTreeItem(b);
    assert.strictEqual(item.contextValue, CONTEXT_VALUES.file);
    assert.match(String(item.description), /^1\.2 KB/);
    const tooltip = (item.tooltip as vscode.MarkdownString).value.replace(/\\/g, '').replace(/&nbsp;/g, ' ');
    assert.match(tooltip, /\*\*\/tree-test\/b\.bin\*\*/);
    assert.match(tooltip, /1,234 bytes/);
    assert.match(tooltip, /Permissions rw-r--r--/);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'file');
    const sub = top[0]!;
    const subItem = fxp.trees.A.getTreeItem(sub);
    assert.strictEqual(subItem.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.strictEqual((subItem.iconPath as vscode.ThemeIcon).id, 'folder');
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren(sub)), ['file:inner.bin']);
    assert.deepStrictEqual(fxp.views.A.description, 'pure-ftpd — /tree-test');
  });

  it('answers concurrent listings of one site (VS Code asks for several folders at once)', async () => {
    const fxp = extension();
    const pure = server('pure-ftpd');
    for (let i = 0; i < 6; i++) putFile(pure, `/conc/d${i}/f${i}.bin`, randomBytes(i + 1));
    fxp.state.setFolder('A', '/conc');
    const top = (await fxp.trees.A.getChildren()).filter(isEntryNode);
    assert.strictEqual(top.length, 6);
    const lists = await Promise.all(top.map(n => fxp.trees.A.getChildren(n)));
    assert.deepStrictEqual(lists.map(names), top.map((_, i) => [`file:f${i}.bin`]));
  });

  it('shows a listing error as an error node with the server\'s reason', async () => {
    const fxp = extension();
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'fxp pair');
    fxp.state.setFolder('B', '/no-such-folder');
    const children = await fxp.trees.B.getChildren();
    assert.strictEqual(children.length, 1);
    const node = children[0]!;
    assert.strictEqual(node.type, 'error');
    const item = fxp.trees.B.getTreeItem(node);
    assert.strictEqual(item.contextValue, CONTEXT_VALUES.error);
    assert.match(String(item.label), /^Cannot list \/no-such-folder: proftpd:/);
    assert.match(String(item.tooltip), /\b(450|550)\b/, 'the server reply is in the tooltip');
  });
});
