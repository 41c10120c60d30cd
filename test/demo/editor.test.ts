import * as assert from 'assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { findOnPath, openInDesktop } from '../../demo/editor';

describe('demo editor: desktop VS Code', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'fxp-demo-editor-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on the PATH, not a plain file', () => {
    writeFileSync(join(dir, 'plain'), '');
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    assert.strictEqual(findOnPath('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
    assert.strictEqual(findOnPath('plain', dir), undefined);
  });

  it('starts `code` in a new instance with both development extensions and the demo environment, and stops it', async () => {
    const record = join(dir, 'record');
    const code = join(dir, 'code');
    // A stand-in for `code`: records its arguments and environment, then waits like `code --wait`.
    writeFileSync(code, `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}.args\nenv > ${record}.env\nexec sleep 60\n`);
    chmodSync(code, 0o755);
    process.env.VSCODE_IPC_HOOK_CLI = '/tmp/vscode-ipc-of-the-calling-terminal.sock';
    let editor;
    try {
      editor = openInDesktop(code, { extension: '/x/fxp', helper: '/x/fxp/demo/helper', workspace: '/x/ws', env: { FXP_DEMO: '{"pair":"p"}' }, dir: join(dir, 'profile') });
    } finally {
      delete process.env.VSCODE_IPC_HOOK_CLI;
    }
    const until = Date.now() + 10_000;
    while (!existsSync(`${record}.env`) && Date.now() < until) await new Promise(r => setTimeout(r, 50));
    await new Promise(r => setTimeout(r, 100));
    const args = readFileSync(`${record}.args`, 'utf8').trim().split('\n');
    assert.deepStrictEqual(args, [
      '--new-window', '--wait', '--user-data-dir', join(dir, 'profile', 'user-data'), '--disable-workspace-trust',
      '--extensionDevelopmentPath=/x/fxp', '--extensionDevelopmentPath=/x/fxp/demo/helper', '/x/ws',
    ]);
    const env = readFileSync(`${record}.env`, 'utf8');
    assert.match(env, /^FXP_DEMO=\{"pair":"p"\}$/m);
    assert.doesNotMatch(env, /VSCODE_IPC_HOOK_CLI/, 'not handed to the VS Code of the calling terminal');
    const settings = JSON.parse(readFileSync(join(dir, 'profile', 'user-data', 'User', 'settings.json'), 'utf8'));
    assert.strictEqual(settings['security.workspace.trust.enabled'], false);
    let exited = false;
    void editor.exited.then(() => { exited = true; });
    await editor.stop();
    await editor.exited;
    assert.ok(exited);
  });
});
