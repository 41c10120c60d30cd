import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMANDS, EXTENSION_ID } from '../../../src/constants';

describe('the installed .vsix', () => {
  it('is the copy from the .vsix, not a development checkout, and it activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    const checkout = process.env.FXP_CHECKOUT;
    assert.ok(checkout, 'FXP_CHECKOUT is set by the launcher');
    assert.ok(!ext.extensionPath.startsWith(checkout), `installed under the extensions folder, not the checkout: ${ext.extensionPath}`);
    assert.match(ext.extensionPath, /fxp-vscode\.fxp-vscode-\d+\.\d+\.\d+/);
    await ext.activate();
    assert.ok(ext.isActive);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepStrictEqual(Object.values(COMMANDS).filter(id => !registered.has(id)), []);
  });
});
