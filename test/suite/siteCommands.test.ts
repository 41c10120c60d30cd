import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS, EXTENSION_ID, VIEW_COMMANDS } from '../../src/constants';
import type { PromptRequest } from '../../src/prompts';
import type { ExtensionApi } from '../../src/services';
import type { PairConfig } from '../../src/siteConfig';
import type { TransferReport } from '../../src/transfers';
import { isEntryNode, type EntryNode, type SiteNode } from '../../src/tree/nodes';
import { startFtpd, type FtpdServer } from '../ftpd/server';
import { disk, put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { logFile, read, servers, useExtension, waitFor } from './host';
import { answer, failureOf, input, inTurn, message, passwordInput, pick } from './prompting';

const names = (nodes: SiteNode[]) => nodes.map(n => (isEntryNode(n) ? `${n.entry.kind}:${n.entry.name}` : `${n.type}:${n.message}`));

function settingsFile(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'a workspace folder is open');
  return join(folder, '.vscode', 'settings.json');
}

function rawWorkspace(key: 'sites' | 'sitePairs'): { name: string }[] {
  return (vscode.workspace.getConfiguration('fxp').inspect<{ name: string }[]>(key)?.workspaceValue ?? []);
}

/**
 * TreeView.reveal until VS Code shows its effect (the row expanded, or selected). Right after a refresh of the view
 * VS Code can be still registering the same rows: the reveal then rejects ("Element with id ... is already
 * registered", "Cannot resolve tree item"), or, when the workbench has not received the row yet, resolves having
 * done nothing (mainThreadTreeViews.reveal skips an unknown handle). Both are races inside VS Code, not in the tree.
 */
async function reveal(view: vscode.TreeView<SiteNode>, node: SiteNode, options: { select?: boolean; focus?: boolean; expand?: boolean }): Promise<void> {
  let expanded = false;
  const watch = view.onDidExpandElement(event => { if (event.element === node) expanded = true; });
  const shown = () => (!options.expand || expanded) && (!options.select || view.selection.includes(node));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await view.reveal(node, options);
        const until = Date.now() + 2_000;
        while (!shown() && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 50));
        if (shown()) return;
        if (attempt >= 10) assert.fail(`VS Code did not show the revealed row ${JSON.stringify(options)} after ${attempt} reveals`);
      } catch (err) {
        if (attempt >= 10 || !/already registered|Cannot resolve tree item/.test(String(err))) throw err;
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    }
  } finally {
    watch.dispose();
  }
}

async function child(fxp: ExtensionApi, side: 'A' | 'B', name: string, parent?: SiteNode): Promise<EntryNode> {
  const found = (await fxp.trees[side].getChildren(parent)).find((n): n is EntryNode => isEntryNode(n) && n.entry.name === name);
  assert.ok(found, `${name} is listed in Site ${side}`);
  return found;
}

/** Add Site… against a real server it starts itself: nothing of it is in the settings before. */
describe('Add Site…', () => {
  const extension = useExtension();
  const password = `add-${randomBytes(6).toString('hex')}`;
  let root: string;
  let ftpd: FtpdServer;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fxp-add-'));
    mkdirSync(join(root, 'pub'));
    writeFileSync(join(root, 'pub', 'hello.txt'), 'hello from the added site\n');
    ftpd = await startFtpd({ host: '127.0.0.46', port: 0, root, users: { adder: password }, allowFxp: true });
  });

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    for (const side of ['A', 'B'] as const) if (fxp.state.get(side)?.site.name === 'added site') fxp.state.set(side, undefined);
    const entry = fxp.settings.site('added site');
    if (entry) {
      await fxp.passwords.forget(entry.site);
      await fxp.settings.writeSite('workspace', 'added site', undefined);
    }
    await ftpd.close();
    rmSync(root, { recursive: true, force: true });
  });

  function validAnswers(fxp: ExtensionApi, changes: { name?: string; host?: string; port?: string; user?: string } = {}): void {
    answer(fxp, [
      [input(/^Name of the site/), changes.name ?? 'added site'],
      [input(/^Host name or IP address/), changes.host ?? ftpd.host],
      [pick(/security/), 'none'],
      [input(/^Port$/), changes.port ?? String(ftpd.port)],
      [input(/^User name$/), changes.user ?? 'adder'],
      [message(/^Saved site "added site"/), 'Open in Site A'],
      [passwordInput, password],
      [pick(/remember the password/), 'Remember in VS Code\'s secret storage'],
    ]);
  }

  it('refuses a bad host, port 0 or 70000, an empty user and a taken name, each with its own message, and writes nothing', async () => {
    const fxp = extension();
    const cases: [Parameters<typeof validAnswers>[1], RegExp][] = [
      [{ host: 'ftp://ftp.example.com' }, /the answer "ftp:\/\/ftp\.example\.com" is invalid: Enter a host name or IP address, without ftp:\/\/ and without a port\.$/],
      [{ host: '1.2.3' }, /the answer "1\.2\.3" is invalid: Enter a host name or IP address/],
      [{ port: '0' }, /the answer "0" is invalid: A port is a whole number from 1 to 65535\.$/],
      [{ port: '70000' }, /the answer "70000" is invalid: A port is a whole number from 1 to 65535\.$/],
      [{ port: '21.5' }, /the answer "21\.5" is invalid: A port is a whole number/],
      [{ user: '' }, /the answer "" is invalid: A user name is needed \(anonymous for public servers\)\.$/],
      [{ user: '   ' }, /is invalid: A user name is needed/],
      [{ name: 'pure-ftpd' }, /the answer "pure-ftpd" is invalid: There is already a site named "pure-ftpd"\.$/],
      [{ name: ' ' }, /is invalid: A name is needed/],
    ];
    const before = JSON.stringify(rawWorkspace('sites'));
    for (const [changes, expected] of cases) {
      validAnswers(fxp, changes);
      const failure = await failureOf(fxp, COMMANDS.addSite, () => vscode.commands.executeCommand(COMMANDS.addSite));
      assert.match(failure, expected, JSON.stringify(changes));
      assert.strictEqual(fxp.prompts.shown.some(r => r.kind === 'message' && /^Saved site/.test(r.message)), false, 'nothing was saved');
    }
    assert.strictEqual(JSON.stringify(rawWorkspace('sites')), before, 'fxp.sites unchanged');
    assert.strictEqual(fxp.settings.site('added site'), undefined);
  });

  it('writes the site to the workspace settings without a password; "Open in Site A" asks for it, keeps it in SecretStorage and lists the server', async () => {
    const fxp = extension();
    validAnswers(fxp);
    const name = await vscode.commands.executeCommand<string>(COMMANDS.addSite);
    assert.strictEqual(name, 'added site');
    const entry = fxp.settings.site('added site');
    assert.ok(entry);
    assert.strictEqual(entry.origin, 'workspace');
    assert.deepStrictEqual(entry.config, { name: 'added site', host: ftpd.host, port: ftpd.port, user: 'adder', security: 'none' });
    const written = rawWorkspace('sites').find(s => s.name === 'added site');
    assert.deepStrictEqual(written, { name: 'added site', host: ftpd.host, port: ftpd.port, user: 'adder', security: 'none' }, 'the entry as written');
    const file = readFileSync(settingsFile(), 'utf8');
    assert.match(file, /"name": "added site"/);
    const security = fxp.prompts.shown.find(r => r.kind === 'pick' && /security/.test(r.title ?? ''));
    assert.ok(security?.kind === 'pick');
    assert.deepStrictEqual(security.items, ['$(lock) explicit TLS', '$(lock) implicit TLS', '$(unlock) none'], 'TLS first');
    assert.deepStrictEqual(security.descriptions, ['recommended', undefined, 'the password and data travel in clear']);
    // The "Open in Site A" answer connects: the password is asked once, then remembered.
    const state = await waitFor('Site A to show the added site', () => (fxp.state.get('A')?.site.name === 'added site' ? fxp.state.get('A') : undefined));
    assert.strictEqual(state.folder, '/');
    const asked = fxp.prompts.shown.filter(r => r.kind === 'input' && r.password);
    assert.strictEqual(asked.length, 1, 'the password was asked once');
    assert.match((asked[0] as Extract<PromptRequest, { kind: 'input' }>).prompt ?? '', new RegExp(`Password for ftp://adder@127\\.0\\.0\\.46:${ftpd.port}$`));
    assert.ok(await fxp.passwords.isStored(entry.site), 'kept in SecretStorage');
    assert.strictEqual(fxp.views.A.description, 'added site — /');
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['dir:pub']);
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren(await child(fxp, 'A', 'pub'))), ['file:hello.txt']);
    assert.ok(!readFileSync(settingsFile(), 'utf8').includes(password), 'no password in .vscode/settings.json');
    assert.ok(!read(await logFile(fxp)).includes(password), 'no password in the log');
  });

  it('offers explicit TLS first and writes it when picked (the settings\' own default stays "none")', async () => {
    const fxp = extension();
    answer(fxp, [
      [input(/^Name of the site/), 'tls site'],
      [input(/^Host name or IP address/), 'ftp.example.com'],
      [pick(/security/), 'explicit TLS'],
      [input(/^Port$/), '21'],
      [input(/^User name$/), 'me'],
    ]);
    try {
      assert.strictEqual(await vscode.commands.executeCommand<string>(COMMANDS.addSite), 'tls site');
      const entry = await waitFor('the new site', () => fxp.settings.site('tls site'));
      assert.deepStrictEqual(entry.config, { name: 'tls site', host: 'ftp.example.com', port: 21, user: 'me', security: 'explicit' });
      const port = fxp.prompts.shown.find(r => r.kind === 'input' && r.prompt === 'Port');
      assert.strictEqual(port?.kind === 'input' ? port.value : undefined, '21');
      const schema = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.configuration.properties['fxp.sites'].items.properties.security;
      assert.strictEqual(schema.default, 'none', 'an entry without "security" still means plain FTP');
    } finally {
      await fxp.settings.writeSite('workspace', 'tls site', undefined);
    }
  });
});

describe('site commands', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  const pair: PairConfig = { name: 'cmd pair', siteA: 'cmd a', siteB: 'cmd b', folderA: '/', folderB: '/', exclude: ['*.tmp'] };
  let a: FtpdSite;
  let b: FtpdSite;

  before(async () => {
    const fxp = extension();
    a = await startSite(fxp, 'cmd a', '127.0.0.44', { record: true });
    b = await startSite(fxp, 'cmd b', '127.0.0.45', { record: true });
    sites.push(a, b);
    await fxp.settings.writePair('workspace', pair.name, pair);
    await waitFor('the pair', () => fxp.settings.pair(pair.name));
  });

  afterEach(() => extension().prompts.answerWith(undefined));

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await stopSites(fxp, sites, [pair.name, 'c pair']);
  });

  async function openPair(): Promise<void> {
    const fxp = extension();
    await vscode.commands.executeCommand(COMMANDS.openSitePair, pair.name);
    assert.strictEqual(fxp.state.pairName, pair.name);
  }

  it('Edit Site… renames a site open in a view: its pair follows (no moment without it), the view and the open pair stay', async () => {
    const fxp = extension();
    await openPair();
    put(a, '/edit/here.txt', 'x');
    const problems: string[][] = [];
    const pairsSeen: boolean[] = [];
    const watch = fxp.settings.onDidChange(() => {
      problems.push([...fxp.settings.problems]);
      pairsSeen.push(fxp.settings.pair(pair.name) !== undefined);
    });
    try {
      answer(fxp, [
        [pick(/^FXP: Edit Site "cmd a"/), inTurn('name', 'connectionLimit', 'Save')],
        [input(/^Name$/), 'cmd a renamed'],
        [input(/^Most control connections/), '3'],
      ]);
      await vscode.commands.executeCommand(COMMANDS.editSite, 'cmd a');
    } finally {
      watch.dispose();
    }
    assert.strictEqual(fxp.settings.site('cmd a'), undefined, 'the old name is gone');
    const renamed = fxp.settings.site('cmd a renamed');
    assert.ok(renamed);
    assert.deepStrictEqual(renamed.config, { name: 'cmd a renamed', host: a.server.host, port: a.server.port, user: 'u', connectionLimit: 3 });
    const order = rawWorkspace('sites').map(s => s.name);
    assert.ok(order.indexOf('cmd a renamed') >= 0 && order.indexOf('cmd a renamed') === order.indexOf('cmd b') - 1, `renamed in place: ${order.join(', ')}`);
    assert.deepStrictEqual(rawWorkspace('sitePairs').find(p => p.name === pair.name), { ...pair, siteA: 'cmd a renamed' }, 'the pair names the new name, as written before');
    assert.deepStrictEqual(fxp.settings.problems, []);
    assert.deepStrictEqual(problems.filter(p => p.length), [], 'no reload ever saw an invalid pair');
    assert.ok(pairsSeen.every(Boolean), 'the pair was never dropped');
    assert.strictEqual(fxp.state.get('A')?.site.name, 'cmd a renamed');
    assert.strictEqual(fxp.state.get('A')?.site.connectionLimit, 3);
    assert.strictEqual(fxp.state.pairName, pair.name, 'the open pair stays open');
    assert.strictEqual(fxp.views.A.description, 'cmd a renamed — /');
    assert.ok(!readFileSync(settingsFile(), 'utf8').includes('in-process-secret'), 'no password in the settings');
    fxp.state.setFolder('A', '/edit');
    assert.deepStrictEqual((await fxp.trees.A.getChildren()).map(n => isEntryNode(n) && n.entry.name), ['here.txt'], 'lists with the renamed site (its stored password)');

    // And back, changing nothing else: the connection limit is kept.
    answer(fxp, [
      [pick(/^FXP: Edit Site "cmd a renamed"/), inTurn('name', 'Save')],
      [input(/^Name$/), 'cmd a'],
    ]);
    await vscode.commands.executeCommand(COMMANDS.editSite, 'A');
    assert.deepStrictEqual(fxp.settings.site('cmd a')?.config, { name: 'cmd a', host: a.server.host, port: a.server.port, user: 'u', connectionLimit: 3 });
    assert.strictEqual(fxp.settings.pair(pair.name)?.pair.siteA, 'cmd a');
    assert.strictEqual(fxp.state.get('A')?.site.name, 'cmd a');
  });

  it('Edit Site… refuses an empty user and a name taken by another site, and keeps the entry as it was', async () => {
    const fxp = extension();
    const before = JSON.stringify(rawWorkspace('sites'));
    // Each script picks one field, then Escape: an answer that passed validation cannot loop.
    answer(fxp, [[pick(/^FXP: Edit Site "cmd b"/), inTurn('user', undefined)], [input(/^User$/), '']]);
    assert.match(await failureOf(fxp, COMMANDS.editSite, () => vscode.commands.executeCommand(COMMANDS.editSite, 'cmd b')), /is invalid: A user name is needed/);
    answer(fxp, [[pick(/^FXP: Edit Site "cmd b"/), inTurn('name', undefined)], [input(/^Name$/), 'cmd a']]);
    assert.match(await failureOf(fxp, COMMANDS.editSite, () => vscode.commands.executeCommand(COMMANDS.editSite, 'cmd b')), /is invalid: There is already a site named "cmd a"\./);
    answer(fxp, [[pick(/^FXP: Edit Site "cmd b"/), inTurn('port', undefined)], [input(/^Port$/), '0']]);
    assert.match(await failureOf(fxp, COMMANDS.editSite, () => vscode.commands.executeCommand(COMMANDS.editSite, 'cmd b')), /is invalid: A port is a whole number from 1 to 65535\./);
    assert.strictEqual(JSON.stringify(rawWorkspace('sites')), before);
  });

  it('Disconnect closes the view\'s connections on the server and empties the view; Connect logs in again and lists', async () => {
    const fxp = extension();
    await openPair();
    put(a, '/conn/file.bin', randomBytes(100));
    fxp.state.setFolder('A', '/conn');
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['file:file.bin']);
    await fxp.trees.B.getChildren();
    assert.ok(a.server.connections() > 0 && b.server.connections() > 0, 'both sites connected');

    await vscode.commands.executeCommand(VIEW_COMMANDS.A.disconnect);
    assert.strictEqual(fxp.state.get('A'), undefined);
    assert.strictEqual(fxp.views.A.description, undefined);
    assert.deepStrictEqual(await fxp.trees.A.getChildren(), []);
    await waitFor('Site A\'s server to see its connections closed', () => a.server.connections() === 0);
    assert.ok(b.server.connections() > 0, 'Site B stays connected');
    assert.strictEqual(fxp.state.pairName, undefined, 'the pair is no longer open');

    const mark = a.transcript.length;
    answer(fxp, [[pick(/^FXP \| Site to show in Site A/), 'cmd a']]);
    await vscode.commands.executeCommand(VIEW_COMMANDS.A.connect);
    assert.strictEqual(fxp.state.get('A')?.site.name, 'cmd a');
    assert.strictEqual(fxp.state.get('A')?.folder, '/', 'the server\'s home folder');
    assert.strictEqual(fxp.views.A.description, 'cmd a — /');
    assert.ok(names(await fxp.trees.A.getChildren()).includes('dir:conn'), 'lists the home folder');
    assert.ok(a.transcript.slice(mark).some(l => /> USER u$/.test(l)), 'logged in again');
    assert.ok(a.server.connections() > 0);

    // The palette commands ask which view.
    answer(fxp, [[pick(/Disconnect which view/), 'Site B']]);
    await vscode.commands.executeCommand(COMMANDS.disconnect);
    assert.strictEqual(fxp.state.get('B'), undefined);
    assert.ok(fxp.state.get('A'), 'Site A stays');
    await waitFor('Site B\'s server to see its connections closed', () => b.server.connections() === 0);
    answer(fxp, [[pick(/^FXP \| Which view\?/), 'Site B'], [pick(/Site to show in Site B/), 'cmd b']]);
    await vscode.commands.executeCommand(COMMANDS.connect);
    assert.strictEqual(fxp.state.get('B')?.site.name, 'cmd b');
    await fxp.trees.B.getChildren();
    assert.ok(b.server.connections() > 0);
  });

  it('Swap Sites exchanges the views (sites and folders); a copy afterwards goes the other way', async () => {
    const fxp = extension();
    await openPair();
    const data = randomBytes(120_000);
    put(b, '/swap-b/from-b.bin', data);
    put(a, '/swap-a/keep.txt', 'a');
    fxp.state.setFolder('A', '/swap-a');
    fxp.state.setFolder('B', '/swap-b');
    await vscode.commands.executeCommand(COMMANDS.swapSites);
    assert.deepStrictEqual([fxp.state.get('A')?.site.name, fxp.state.get('A')?.folder], ['cmd b', '/swap-b']);
    assert.deepStrictEqual([fxp.state.get('B')?.site.name, fxp.state.get('B')?.folder], ['cmd a', '/swap-a']);
    assert.strictEqual(fxp.views.A.description, 'cmd b — /swap-b');
    assert.strictEqual(fxp.views.B.description, 'cmd a — /swap-a');
    assert.deepStrictEqual(names(await fxp.trees.B.getChildren()), ['file:keep.txt']);
    const node = await child(fxp, 'A', 'from-b.bin');
    assert.strictEqual(node.side, 'A');
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, node);
    assert.ok(report, 'the copy completed');
    assert.strictEqual(report.copied.length, 1);
    assert.ok(disk(a, '/swap-a/from-b.bin').equals(data), 'copied from cmd b to cmd a, byte-exact');
    assert.deepStrictEqual(names(await fxp.trees.B.getChildren()), ['file:from-b.bin', 'file:keep.txt']);
    await vscode.commands.executeCommand(COMMANDS.swapSites);
    assert.deepStrictEqual([fxp.state.get('A')?.site.name, fxp.state.get('B')?.site.name], ['cmd a', 'cmd b'], 'and back');
  });

  it('Refresh re-lists in the real view: a whole view, one folder (not its parent), a file\'s folder', async function () {
    const fxp = extension();
    await openPair();
    put(a, '/refresh/sub/inner.bin', randomBytes(10));
    put(a, '/refresh/top.bin', randomBytes(10));
    await vscode.commands.executeCommand('workbench.view.extension.fxp');
    await waitFor('Site A to be visible', () => fxp.views.A.visible);
    const listings = (folder: string, from: number) => a.transcript.slice(from).filter(l => new RegExp(`> (MLSD|LIST)( -a)? ${folder}$`).test(l)).length;
    let mark = a.transcript.length;
    fxp.state.setFolder('A', '/refresh');
    await waitFor('VS Code to list /refresh', () => listings('/refresh', mark) > 0);
    const fired: (SiteNode | undefined)[] = [];
    const watch = fxp.trees.A.onDidChangeTreeData(node => fired.push(node ?? undefined));
    try {
      // The whole view: the title bar's Refresh.
      put(a, '/refresh/new.bin', randomBytes(3));
      mark = a.transcript.length;
      await vscode.commands.executeCommand(VIEW_COMMANDS.A.refresh);
      assert.deepStrictEqual(fired, [undefined]);
      await waitFor('VS Code to list /refresh again', () => listings('/refresh', mark) > 0);
      assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['dir:sub', 'file:new.bin', 'file:top.bin']);

      // One folder: expanded in the view first, then refreshed from its context menu.
      const sub = await child(fxp, 'A', 'sub');
      mark = a.transcript.length;
      await reveal(fxp.views.A, sub, { expand: true });
      await waitFor('VS Code to list /refresh/sub', () => listings('/refresh/sub', mark) > 0);
      put(a, '/refresh/sub/added.bin', randomBytes(3));
      fired.length = 0;
      mark = a.transcript.length;
      await vscode.commands.executeCommand(COMMANDS.refresh, sub, [sub]);
      assert.strictEqual(fired.length, 1);
      assert.strictEqual(fired[0], sub, 'the folder\'s own node (VS Code refreshes by identity)');
      await waitFor('VS Code to list /refresh/sub again', () => listings('/refresh/sub', mark) > 0);
      await new Promise(resolve => setTimeout(resolve, 300));
      assert.strictEqual(listings('/refresh', mark), 0, 'its parent is not listed again');
      assert.deepStrictEqual(names(await fxp.trees.A.getChildren(sub)), ['file:added.bin', 'file:inner.bin']);

      // A file: its folder.
      const inner = await child(fxp, 'A', 'inner.bin', sub);
      fired.length = 0;
      await vscode.commands.executeCommand(COMMANDS.refresh, inner);
      assert.deepStrictEqual(fired, [sub]);
      // A top-level file: the whole view.
      fired.length = 0;
      await vscode.commands.executeCommand(COMMANDS.refresh, await child(fxp, 'A', 'top.bin'));
      assert.deepStrictEqual(fired, [undefined]);

      // The inline Refresh of a "Cannot list" row: that view only, and the folder lists once it exists.
      fxp.state.setFolder('A', '/refresh/later');
      const [error] = await fxp.trees.A.getChildren();
      assert.ok(error && error.type === 'error', 'an error row');
      put(a, '/refresh/later/now.bin', randomBytes(1));
      fired.length = 0;
      const firedB: unknown[] = [];
      const watchB = fxp.trees.B.onDidChangeTreeData(node => firedB.push(node));
      try {
        await vscode.commands.executeCommand(COMMANDS.refresh, error);
      } finally {
        watchB.dispose();
      }
      assert.deepStrictEqual(fired, [undefined], 'Site A re-lists its folder');
      assert.deepStrictEqual(firedB, [], 'Site B is left alone');
      assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['file:now.bin']);
    } finally {
      watch.dispose();
    }
  });

  it('New Folder…, Rename… and Delete… change the server\'s disk; invalid names and "Cancel" change nothing', async () => {
    const fxp = extension();
    await openPair();
    const data = randomBytes(4321);
    put(a, '/files/doc.bin', data);
    put(a, '/files/old/inside.txt', 'inside');
    fxp.state.setFolder('A', '/files');
    const old = await child(fxp, 'A', 'old');

    // From the palette: in the folder of what is selected.
    const selected = await child(fxp, 'A', 'doc.bin');
    await reveal(fxp.views.A, selected, { select: true, focus: false });
    await waitFor('the selection', () => fxp.views.A.selection.length === 1 && fxp.views.A.selection[0] === selected);
    answer(fxp, [[input(/^In \/files$/), 'made']]);
    assert.strictEqual(await vscode.commands.executeCommand(COMMANDS.newFolder), '/files/made');
    assert.ok(existsSync(join(a.root, 'files', 'made')));
    answer(fxp, [[input(/^In \/files\/old$/), 'nested']]);
    assert.strictEqual(await vscode.commands.executeCommand(COMMANDS.newFolder, old), '/files/old/nested', 'in a clicked folder');
    assert.ok(existsSync(join(a.root, 'files', 'old', 'nested')));
    answer(fxp, [[input(/^In /), '..']]);
    assert.match(await failureOf(fxp, COMMANDS.newFolder, () => vscode.commands.executeCommand(COMMANDS.newFolder, 'A')), /is invalid: A name cannot be "\." or "\.\."/);

    const doc = await child(fxp, 'A', 'doc.bin');
    answer(fxp, [[input(/^\/files\/doc\.bin$/), 'renamed.bin']]);
    await vscode.commands.executeCommand(COMMANDS.rename, doc);
    assert.strictEqual(existsSync(join(a.root, 'files', 'doc.bin')), false);
    assert.ok(disk(a, '/files/renamed.bin').equals(data), 'same bytes under the new name');
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['dir:made', 'dir:old', 'file:renamed.bin']);

    const renamed = await child(fxp, 'A', 'renamed.bin');
    const folder = await child(fxp, 'A', 'old');
    answer(fxp, [[message(/^Delete 2 items from cmd a\?$/), undefined]]);
    await vscode.commands.executeCommand(COMMANDS.delete, renamed, [renamed, folder]);
    const asked = fxp.prompts.shown.find(r => r.kind === 'message');
    assert.ok(asked && asked.kind === 'message' && asked.modal, 'asked in a modal');
    assert.match(asked.detail ?? '', /\/files\/renamed\.bin\n\/files\/old\/ \(and everything in it\)/);
    assert.ok(existsSync(join(a.root, 'files', 'renamed.bin')) && existsSync(join(a.root, 'files', 'old', 'inside.txt')), 'Cancel deletes nothing');
    answer(fxp, [[message(/^Delete 2 items from cmd a\?$/), 'Delete']]);
    await vscode.commands.executeCommand(COMMANDS.delete, renamed, [renamed, folder]);
    assert.strictEqual(existsSync(join(a.root, 'files', 'renamed.bin')), false);
    assert.strictEqual(existsSync(join(a.root, 'files', 'old')), false, 'the folder and everything in it');
    assert.deepStrictEqual(names(await fxp.trees.A.getChildren()), ['dir:made']);
  });

  it('Remove Site names the pairs using it and the views showing it; "Cancel" keeps all, confirming removes the site with its pairs', async () => {
    const fxp = extension();
    const c = await startSite(fxp, 'cmd c', '127.0.0.47');
    sites.push(c);
    const cPair: PairConfig = { name: 'c pair', siteA: 'cmd c', siteB: 'cmd b', folderA: '/', folderB: '/' };
    await fxp.settings.writePair('workspace', cPair.name, cPair);
    await waitFor('the pair', () => fxp.settings.pair(cPair.name));
    await vscode.commands.executeCommand(COMMANDS.openSitePair, cPair.name);
    await fxp.trees.A.getChildren();
    assert.ok(c.server.connections() > 0);

    answer(fxp, [[message(/^Remove site "cmd c"\?$/), undefined]]);
    await vscode.commands.executeCommand(COMMANDS.removeSite, 'cmd c');
    const asked = fxp.prompts.shown.find(r => r.kind === 'message');
    assert.ok(asked && asked.kind === 'message');
    assert.ok(asked.modal);
    assert.match(asked.detail ?? '', /used by the site pair "c pair" \(fxp\.sitePairs\): that pair is removed too, with its settings\./);
    assert.match(asked.detail ?? '', /Site A shows it now and will be closed\./);
    assert.match(asked.detail ?? '', /password stays in VS Code's secret storage unless you choose "Remove Site and Its Pair, Forget Password"/);
    assert.deepStrictEqual(asked.actions, ['Remove Site and Its Pair', 'Remove Site and Its Pair, Forget Password']);
    assert.ok(fxp.settings.site('cmd c') && fxp.settings.pair('c pair'), 'Cancel keeps the site and the pair');
    assert.strictEqual(fxp.state.get('A')?.site.name, 'cmd c', 'and the view');

    const problems: string[] = [];
    const watch = fxp.settings.onDidChange(() => problems.push(...fxp.settings.problems));
    answer(fxp, [[message(/^Remove site "cmd c"\?$/), 'Remove Site and Its Pair']]);
    try {
      await vscode.commands.executeCommand(COMMANDS.removeSite, 'cmd c');
    } finally {
      watch.dispose();
    }
    assert.strictEqual(fxp.settings.site('cmd c'), undefined);
    assert.strictEqual(fxp.settings.pair('c pair'), undefined);
    assert.ok(!rawWorkspace('sites').some(s => s.name === 'cmd c') && !rawWorkspace('sitePairs').some(p => p.name === 'c pair'));
    assert.ok(!readFileSync(settingsFile(), 'utf8').includes('cmd c'), 'gone from .vscode/settings.json');
    assert.deepStrictEqual(problems, [], 'no moment with a pair naming a missing site');
    assert.strictEqual(fxp.state.get('A'), undefined, 'Site A is closed');
    assert.strictEqual(fxp.views.A.description, undefined);
    assert.strictEqual(fxp.state.get('B')?.site.name, 'cmd b', 'Site B stays');
    await waitFor('cmd c\'s server to see its connections closed', () => c.server.connections() === 0);
    assert.ok(await fxp.passwords.isStored(c.site), 'the password stays unless asked');
    assert.ok(fxp.settings.pair(pair.name), 'the other pair is untouched');
  });

  it('Remove Site, Forget Password forgets it; a site sharing its login keeps the password and its connections', async () => {
    const fxp = extension();
    // "cmd b twin" logs in exactly like cmd b (same user, host, port).
    await fxp.settings.writeSite('workspace', 'cmd b twin', { name: 'cmd b twin', host: b.server.host, port: b.server.port, user: 'u' });
    const twin = await waitFor('the twin', () => fxp.settings.site('cmd b twin'));
    await openPair();
    await fxp.trees.B.getChildren();
    assert.ok(b.server.connections() > 0);
    answer(fxp, [[message(/^Remove site "cmd b twin"\?$/), 'Remove Site']]);
    await vscode.commands.executeCommand(COMMANDS.removeSite, 'cmd b twin');
    const asked = fxp.prompts.shown.find(r => r.kind === 'message');
    assert.ok(asked && asked.kind === 'message');
    assert.deepStrictEqual(asked.actions, ['Remove Site'], 'no "Forget Password": another site logs in with it');
    assert.match(asked.detail ?? '', /Its password stays in VS Code's secret storage: "cmd b" logs in with it too\./);
    assert.strictEqual(fxp.settings.site('cmd b twin'), undefined);
    assert.ok(await fxp.passwords.isStored(twin.site), 'cmd b\'s password stays');
    await new Promise(resolve => setTimeout(resolve, 200));
    assert.ok(b.server.connections() > 0, 'cmd b\'s connections stay open');
    assert.strictEqual(fxp.state.get('B')?.site.name, 'cmd b');

    const d = await startSite(fxp, 'cmd d', '127.0.0.47');
    sites.push(d);
    answer(fxp, [[message(/^Remove site "cmd d"\?$/), 'Remove Site, Forget Password']]);
    await vscode.commands.executeCommand(COMMANDS.removeSite, 'cmd d');
    assert.strictEqual(fxp.settings.site('cmd d'), undefined);
    assert.strictEqual(await fxp.passwords.isStored(d.site), false, 'forgotten');
    for (const s of servers()) assert.ok(!readFileSync(settingsFile(), 'utf8').includes(s.password));
  });
});
