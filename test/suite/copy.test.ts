import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { PairConfig } from '../../src/siteConfig';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { isEntryNode } from '../../src/tree/nodes';
import { diskPath, makeDir, putFile } from './hostFixtures';
import { logFile, read, server, useExtension, waitFor } from './host';

describe('Copy to Other Site', () => {
  const extension = useExtension();

  it('copies a file from Site A to Site B by FXP, byte-exact', async () => {
    const fxp = extension();
    const pure = server('pure-ftpd');
    const prof = server('proftpd');
    const data = randomBytes(300_000);
    putFile(pure, '/copy-test/payload.bin', data);
    makeDir(prof, '/copy-in');
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'fxp pair');
    fxp.state.setFolder('A', '/copy-test');
    fxp.state.setFolder('B', '/copy-in');
    const node = (await fxp.trees.A.getChildren()).find(n => isEntryNode(n) && n.entry.name === 'payload.bin');
    assert.ok(node);
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, node);
    assert.ok(report, 'the command completed');
    assert.strictEqual(report.copied.length, 1);
    assert.strictEqual(report.copied[0]!.mode, 'fxp');
    assert.ok(readFileSync(diskPath(prof, '/copy-in/payload.bin')).equals(data), 'byte-exact on Site B\'s disk');
    const log = read(await logFile(fxp));
    assert.match(log, /Copied pure-ftpd:\/copy-test\/payload\.bin -> proftpd:\/copy-in\/payload\.bin: fxp/);
  });

  it('copies a folder recursively through the drop path', async () => {
    const fxp = extension();
    const pure = server('pure-ftpd');
    const prof = server('proftpd');
    const files = { '/drop-src/folder/one.bin': randomBytes(5000), '/drop-src/folder/nested/two.bin': randomBytes(70_000) };
    for (const [path, data] of Object.entries(files)) putFile(pure, path, data);
    makeDir(prof, '/drop-in');
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'fxp pair');
    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/drop-src/folder', kind: 'dir', size: 0 }], to: 'B', folder: '/drop-in' };
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, request);
    assert.ok(report);
    assert.deepStrictEqual(report.copied.map(r => r.mode), ['fxp', 'fxp']);
    for (const [path, data] of Object.entries(files)) {
      assert.ok(readFileSync(diskPath(prof, path.replace('/drop-src', '/drop-in'))).equals(data), path);
    }
  });

  it('refuses to copy between servers that refuse FXP when the pair says relay "never", and says why', async () => {
    const fxp = extension();
    const refusing = server('vsftpd-nofxp');
    const pure = server('pure-ftpd');
    putFile(refusing, '/nofxp/file.bin', randomBytes(2000));
    makeDir(pure, '/nofxp-in');
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'refusing pair');
    assert.strictEqual(fxp.state.relayChoice(), 'never');
    fxp.state.setFolder('A', '/nofxp');
    fxp.state.setFolder('B', '/nofxp-in');
    const node = (await fxp.trees.A.getChildren()).find(n => isEntryNode(n) && n.entry.name === 'file.bin');
    assert.ok(node);
    const report = await vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, node);
    assert.strictEqual(report, undefined, 'the command failed');
    assert.strictEqual(existsSync(diskPath(pure, '/nofxp-in/file.bin')), false, 'nothing left on Site B');
    const log = await waitFor('the failure in the log', async () => {
      const text = read(await logFile(fxp));
      return /< fxp\.copyToOtherSite failed/.test(text) ? text : undefined;
    });
    assert.match(log, /fxp\.copyToOtherSite failed.*FXP from vsftpd-nofxp to pure-ftpd is not possible/);
    assert.match(log, /This pair's setting says relay "never"/);
  });

  it('relays through this machine when the pair says relay "always", byte-exact, and still tells the user', async () => {
    const fxp = extension();
    const refusing = server('vsftpd-nofxp');
    const pure = server('pure-ftpd');
    const data = randomBytes(150_000);
    putFile(refusing, '/always/file.bin', data);
    makeDir(pure, '/always-in');
    const pair: PairConfig = { name: 'always relay pair', siteA: 'vsftpd-nofxp', siteB: 'pure-ftpd', folderA: '/always', folderB: '/always-in', relay: 'always' };
    await fxp.settings.writePair('workspace', pair.name, pair);
    fxp.prompts.answerWith(() => undefined);
    try {
      await waitFor('the pair', () => fxp.settings.pair(pair.name));
      await vscode.commands.executeCommand(COMMANDS.openSitePair, pair.name);
      assert.strictEqual(fxp.state.relayChoice(), 'always');
      const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/always/file.bin', kind: 'file', size: data.length }], to: 'B', folder: '/always-in' };
      const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, request);
      assert.ok(report, 'the copy completed');
      assert.deepStrictEqual(report.copied.map(c => c.mode), ['relay']);
      assert.ok(readFileSync(diskPath(pure, '/always-in/file.bin')).equals(data), 'byte-exact on Site B\'s disk');
      assert.ok(!fxp.prompts.shown.some(r => r.kind === 'message' && r.modal), 'nothing was asked');
      const told = fxp.prompts.shown.find(r => r.kind === 'message' && /was refused, so this copy is relayed/.test(r.message));
      assert.match(told?.kind === 'message' ? told.message : '', /The data then flows through this machine: downloaded from vsftpd-nofxp and uploaded to pure-ftpd.*relay "always"/);
      const log = read(await logFile(fxp));
      assert.match(log, /\[warning\] FXP refused \(.*\); relaying through this machine \(pair setting relay: always\)/);
      assert.match(log, /Copied 1 file \(.*\) from vsftpd-nofxp to pure-ftpd: 1 relayed through this machine/);
    } finally {
      fxp.prompts.answerWith(undefined);
      await fxp.settings.writePair('workspace', pair.name, undefined);
    }
  });
});
