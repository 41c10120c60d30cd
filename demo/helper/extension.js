// Loaded next to FXP only by `npm run demo` (desktop: a second --extensionDevelopmentPath; code-server: copied
// into the demo profile's extensions folder, as its web workbench takes one development path); never in the .vsix.
// Reads the demo's sites and passwords from the environment variable FXP_DEMO (set by the demo for the VS Code
// process it starts), removes the variable, hands the passwords to FXP for this session only (they are not
// stored in the secret storage or any file), opens the demo pair and shows DEMO.md.
'use strict';
const vscode = require('vscode');

const FXP_ID = 'fxp-vscode.fxp-vscode';

exports.activate = async function activate() {
  const raw = process.env.FXP_DEMO;
  if (!raw) return;
  delete process.env.FXP_DEMO;
  const demo = JSON.parse(raw);
  const fxp = vscode.extensions.getExtension(FXP_ID);
  if (!fxp) throw new Error(`${FXP_ID} is not loaded`);
  const api = await fxp.activate();
  for (const site of demo.sites) {
    api.passwords.useForSession({ ...site, security: 'none' }, site.password);
  }
  console.log(`FXP demo: passwords of ${demo.sites.map(s => s.name).join(', ')} pre-filled for this session`);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (demo.open && folder) {
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(folder.uri, demo.open)).then(undefined, () => undefined);
  }
  await vscode.commands.executeCommand('fxp.openSitePair', demo.pair);
  console.log(`FXP demo: opened "${demo.pair}"`);
};

exports.deactivate = function deactivate() {};
