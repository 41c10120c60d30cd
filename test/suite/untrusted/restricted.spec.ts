import * as assert from 'assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/constants';
import type { ExtensionApi } from '../../../src/services';
import { isEntryNode } from '../../../src/tree/nodes';
import { startFtpd, type FtpdServer } from '../../ftpd/server';
import { api, logFile, waitFor } from '../host';
import { LURE_ENV, USER_SITE_PASSWORD } from './lure';

const PASSWORD = USER_SITE_PASSWORD;

interface Served { server: FtpdServer; root: string; accepted: number }

/** An in-process server that counts every connection it accepts (a connection that never logs in counts too). */
async function serve(host: string): Promise<Served> {
  const root = mkdtempSync(join(tmpdir(), 'fxp-restricted-'));
  writeFileSync(join(root, 'hello.txt'), 'hello\n');
  const served: Served = { server: undefined as unknown as FtpdServer, root, accepted: 0 };
  served.server = await startFtpd({
    host, port: 0, root, users: { u: PASSWORD }, allowFxp: true,
    log: line => { if (/\] connect from /.test(line)) served.accepted++; },
  });
  return served;
}

describe('an untrusted workspace (Restricted Mode)', () => {
  let fxp: ExtensionApi;
  const servers: Served[] = [];

  before(async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the workspace opened in Restricted Mode');
    fxp = await api();
  });

  after(async () => {
    fxp.state.set('A', undefined);
    fxp.state.set('B', undefined);
    fxp.prompts.answerWith(undefined);
    for (const s of servers) {
      await s.server.close();
      rmSync(s.root, { recursive: true, force: true });
    }
  });

  it('ignores the sites and pairs its settings name: no connection, even when a command names the pair', async () => {
    const lure = JSON.parse(process.env[LURE_ENV] ?? '{}') as { host?: string; port?: number };
    assert.ok(lure.host, `${LURE_ENV} is set by the launcher`);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder);
    assert.match(readFileSync(join(folder, '.vscode', 'settings.json'), 'utf8'), /"lure pair"/, 'the workspace names its own pair');
    await waitFor('the untrusted note', () => fxp.settings.ignoredUntrusted);
    assert.strictEqual(fxp.settings.site('lure'), undefined, 'the workspace site is not offered');
    assert.strictEqual(fxp.settings.pair('lure pair'), undefined, 'the workspace pair is not offered');

    const shown: string[] = [];
    fxp.prompts.answerWith(request => {
      if (request.kind === 'pick') shown.push(`pick: ${request.items.join(' | ')}`);
      return undefined;
    });
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'lure pair');
    await vscode.commands.executeCommand(COMMANDS.openSitePair);
    const log = await logFile(fxp);
    const error = await waitFor('the error in the log', () => /fxp\.openSitePair failed.*/.exec(readFileSync(log, 'utf8'))?.[0]);
    assert.match(error, /no site pair named "lure pair" in your user settings\. This workspace is not trusted.*ignored.*Manage Workspace Trust/);
    const pick = shown.find(m => m.startsWith('pick: '));
    assert.ok(pick, 'Open Site Pair… offered its list');
    assert.doesNotMatch(pick, /lure/, 'the list has no workspace pair');
    // The launcher counts the connections the workspace's server accepted: it fails the run on any.
  });

  it('still connects to sites of the user settings, by the user\'s action', async () => {
    const own = await serve('127.0.0.92');
    servers.push(own);
    await fxp.settings.writeSite('user', 'mine', { name: 'mine', host: own.server.host, port: own.server.port, user: 'u' });
    await fxp.settings.writePair('user', 'my pair', { name: 'my pair', siteA: 'mine', siteB: 'mine' });
    const entry = await waitFor('the user site', () => fxp.settings.site('mine'));
    assert.strictEqual(entry.origin, 'user');
    await fxp.passwords.store(entry.site, PASSWORD);
    try {
      assert.strictEqual(own.accepted, 0, 'nothing connects before the user opens the pair');
      await vscode.commands.executeCommand(COMMANDS.openSitePair, 'my pair');
      const names = (await fxp.trees.A.getChildren()).filter(isEntryNode).map(n => n.entry.name);
      assert.deepStrictEqual(names, ['hello.txt']);
      assert.ok(own.accepted > 0);
    } finally {
      fxp.state.set('A', undefined);
      fxp.state.set('B', undefined);
      fxp.engine.disconnect(entry.site);
      await fxp.passwords.forget(entry.site);
      await fxp.settings.writePair('user', 'my pair', undefined);
      await fxp.settings.writeSite('user', 'mine', undefined);
    }
  });
});
