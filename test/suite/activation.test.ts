import * as assert from 'assert';
import * as vscode from 'vscode';
import { CONTAINER, EXTENSION_ID, SIDES, VIEWS } from '../../src/constants';
import { api, waitFor } from './host';

describe('activation', () => {
  it('activates and hands back its services', async () => {
    const fxp = await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    assert.deepStrictEqual(Object.keys(fxp.trees).sort(), ['A', 'B']);
    assert.strictEqual(fxp.trees.A.side, 'A');
    assert.strictEqual(fxp.trees.B.side, 'B');
    assert.notStrictEqual(fxp.trees.A, fxp.trees.B);
    assert.strictEqual(fxp.trees.A.constructor, fxp.trees.B.constructor, 'one provider class, instantiated twice');
  });

  it('registers every command package.json contributes', async () => {
    await api();
    const contributed: { command: string }[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 18);
    assert.deepStrictEqual(contributed.map(c => c.command).filter(id => !registered.has(id)), []);
  });

  it('shows the FXP container with both site views, empty until a pair is opened', async () => {
    const fxp = await api();
    await vscode.commands.executeCommand(`workbench.view.extension.${CONTAINER}`);
    for (const side of SIDES) {
      await waitFor(`${VIEWS[side]} to be visible`, () => fxp.views[side].visible);
      if (!fxp.state.get(side)) assert.deepStrictEqual(await fxp.trees[side].getChildren(), [], 'empty, so the welcome shows');
    }
  });
});
