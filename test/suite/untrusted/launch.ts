/**
 * Part of npm test: opens a workspace in Restricted Mode (workspace trust on, never granted) and runs
 * restricted.spec.js in its extension host. A cloned repository's settings must never make FXP connect.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startFtpd } from '../../ftpd/server';
import { runInCodeServer } from '../../vscode/runner';
import { LURE_ENV, LURE_PASSWORD, USER_SITE_PASSWORD } from './lure';

async function main(): Promise<number> {
  const repo = join(__dirname, '..', '..', '..', '..');
  const workspace = mkdtempSync(join(tmpdir(), 'fxp-untrusted-ws-'));
  const root = mkdtempSync(join(tmpdir(), 'fxp-lure-'));
  // The workspace's settings name a server of its own, as a cloned repository could: it must never be contacted.
  let accepted = 0;
  const lure = await startFtpd({
    host: '127.0.0.91', port: 0, root, users: { u: LURE_PASSWORD }, allowFxp: true,
    log: line => { if (/\] connect from /.test(line)) accepted++; },
  });
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
    'fxp.sites': [{ name: 'lure', host: lure.host, port: lure.port, user: 'u' }],
    'fxp.sitePairs': [{ name: 'lure pair', siteA: 'lure', siteB: 'lure' }],
  }, null, 2));
  try {
    const { exitCode } = await runInCodeServer({
      env: { [LURE_ENV]: JSON.stringify({ host: lure.host, port: lure.port }) },
      extensionPath: repo,
      testsPath: join(__dirname, 'index.js'),
      workspace,
      untrustedWorkspace: true,
      secrets: [LURE_PASSWORD, USER_SITE_PASSWORD],
      screenshotsDir: join(repo, 'test-results', 'untrusted'),
      timeoutMs: 180_000,
    });
    if (accepted > 0) {
      process.stderr.write(`the untrusted workspace's own server was contacted ${accepted} time(s)\n`);
      return 1;
    }
    process.stdout.write('[untrusted] the workspace\'s own server was never contacted\n');
    return exitCode;
  } finally {
    await lure.close();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(code => process.exit(code), err => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(2);
});
