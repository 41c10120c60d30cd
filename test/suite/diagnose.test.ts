import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { DoctorReport } from '../../src/fxp';
import { api, rememberPasswords } from './host';

async function diagnosePair(name: string): Promise<DoctorReport> {
  const fxp = await api();
  await rememberPasswords(fxp);
  await vscode.commands.executeCommand(COMMANDS.openSitePair, name);
  const report = await vscode.commands.executeCommand<DoctorReport>(COMMANDS.diagnose);
  assert.ok(report, 'the command returned the report');
  return report;
}

describe('Diagnose Site Pair', () => {
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('finds FXP working in every direction between two FXP servers and shows the report', async () => {
    const report = await diagnosePair('fxp pair');
    assert.strictEqual(report.directions.length, 4);
    assert.deepStrictEqual(report.directions.filter(d => !d.ok).map(d => d.detail), []);
    const doc = vscode.window.activeTextEditor?.document;
    assert.strictEqual(doc?.languageId, 'markdown');
    assert.match(doc.getText(), /# FXP diagnosis: pure-ftpd ⇄ proftpd/);
    assert.match(doc.getText(), /## Data protection\n\n\*\*plain FTP\*\*[\s\S]*the two servers do not authenticate each other/);
  });

  it('names the refusing server and the reply when FXP cannot work', async () => {
    const report = await diagnosePair('refusing pair');
    const failed = report.directions.filter(d => !d.ok);
    assert.ok(failed.length >= 2, 'at least the directions with vsftpd-nofxp on the PORT side fail');
    assert.ok(failed.some(d => /vsftpd-nofxp/.test(d.detail) && /500 Illegal PORT command/.test(d.detail)), JSON.stringify(failed.map(d => d.detail)));
    assert.match(vscode.window.activeTextEditor!.document.getText(), /❌/);
  });
});
