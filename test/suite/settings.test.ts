import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import { api, servers, waitFor } from './host';

describe('settings', () => {
  it('reads the sites and pairs of the workspace settings', async () => {
    const fxp = await api();
    assert.deepStrictEqual(fxp.settings.problems, []);
    assert.deepStrictEqual(fxp.settings.sites.map(s => s.site.name).sort(), servers().map(s => s.id).sort());
    const pair = fxp.settings.pair('fxp pair');
    assert.ok(pair);
    assert.strictEqual(pair.origin, 'workspace');
    assert.strictEqual(fxp.settings.site(pair.pair.siteA)!.site.host, servers().find(s => s.id === pair.pair.siteA)!.host);
  });

  it('explains every invalid entry by setting, entry and field, and keeps the valid ones', async function () {
    const fxp = await api();
    const config = vscode.workspace.getConfiguration('fxp');
    const original = config.inspect<unknown[]>('sites')!.workspaceValue as unknown[];
    const invalid = [
      ...original,
      { name: 'bad port', host: '127.0.0.9', port: 70000 },
      { name: 'no host' },
      { name: 'leaky', host: '127.0.0.9', password: 'hunter2' },
    ];
    try {
      await config.update('sites', invalid, vscode.ConfigurationTarget.Workspace);
      const problems = await waitFor('the problems to be reported', () => fxp.settings.problems.length === 3 ? fxp.settings.problems : undefined);
      assert.match(problems[0]!, /^fxp\.sites\[\d\] \("bad port"\) in workspace settings: "port" 70000 is not a port number/);
      assert.match(problems[1]!, /\("no host"\) in workspace settings: "host" is missing/);
      assert.match(problems[2]!, /\("leaky"\) in workspace settings: "password" does not belong in settings/);
      assert.ok(problems.every(p => !p.includes('hunter2')), 'the password itself is not repeated');
      assert.strictEqual(fxp.settings.sites.length, original.length, 'valid sites still load');
    } finally {
      await config.update('sites', original, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the problems to clear', () => fxp.settings.problems.length === 0);
  });

  it('writes a site through the one settings module and reads it back', async () => {
    const fxp = await api();
    await fxp.settings.writeSite('workspace', 'temp site', { name: 'temp site', host: 'ftp.example.com', port: 2100 });
    try {
      const entry = await waitFor('the new site', () => fxp.settings.site('temp site'));
      assert.deepStrictEqual([entry.site.host, entry.site.port, entry.site.user, entry.origin], ['ftp.example.com', 2100, 'anonymous', 'workspace']);
      const raw = vscode.workspace.getConfiguration('fxp').inspect<{ name: string }[]>('sites')!.workspaceValue!;
      assert.ok(raw.some(s => s.name === 'temp site'));
    } finally {
      await fxp.settings.writeSite('workspace', 'temp site', undefined);
    }
    assert.strictEqual(fxp.settings.site('temp site'), undefined);
  });
});

describe('Save Site Pair to Workspace', () => {
  it('saves the open sites and folders as a pair in the workspace settings, without passwords', async () => {
    const fxp = await api();
    const a = fxp.settings.site('pure-ftpd')!;
    const b = fxp.settings.site('proftpd')!;
    fxp.state.openPair(undefined, { site: a.site, folder: '/x' }, { site: b.site, folder: '/y' });
    let saved = false;
    const saving = Promise.resolve(vscode.commands.executeCommand(COMMANDS.saveSitePair)).then(() => { saved = true; });
    // The name prompt comes prefilled with "A ⇄ B": accept it as a user pressing Enter would (until it is there).
    await waitFor('the name prompt to be accepted', async () => {
      if (!saved) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return saved || undefined;
    });
    await saving;
    try {
      const entry = await waitFor('the saved pair', () => fxp.settings.pair('pure-ftpd ⇄ proftpd'));
      assert.deepStrictEqual(entry.pair, { name: 'pure-ftpd ⇄ proftpd', siteA: 'pure-ftpd', siteB: 'proftpd', folderA: '/x', folderB: '/y', relay: 'ask' });
      assert.strictEqual(entry.origin, 'workspace');
      assert.strictEqual(fxp.state.pairName, 'pure-ftpd ⇄ proftpd');
      const file = readFileSync(join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.vscode', 'settings.json'), 'utf8');
      assert.match(file, /"folderA": "\/x"/);
      for (const s of servers()) assert.ok(!file.includes(s.password));
    } finally {
      await fxp.settings.writePair('workspace', 'pure-ftpd ⇄ proftpd', undefined);
    }
  });
});
