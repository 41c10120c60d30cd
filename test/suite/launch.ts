/**
 * npm run test:extension
 *
 * Starts real FTP servers (test/harness, needs root), writes a workspace naming them, and runs the
 * extension-host suite (test/suite/*.test.ts) in a real VS Code through test/vscode/cli.js
 * (code-server here; FXP_TEST_HOST=electron where desktop VS Code can be downloaded).
 * Extra arguments go to the CLI (e.g. --grep TEXT, --keep).
 */
import { spawn } from 'child_process';
import { rmSync } from 'fs';
import { join } from 'path';
import { startServers } from '../harness/servers';
import { SERVER_IDS, SERVERS_ENV, SUITE_PASSWORDS, serverInfo, writeWorkspace } from './hostFixtures';

const SECRETS_ENV = 'FXP_TEST_SECRETS';

async function main(): Promise<number> {
  const repo = join(__dirname, '..', '..', '..');
  const set = await startServers({ only: SERVER_IDS });
  const servers = set.servers.map(serverInfo);
  const workspace = writeWorkspace(servers, 'never');
  try {
    const child = spawn(process.execPath, [
      join(repo, 'out', 'test', 'vscode', 'cli.js'),
      '--extension', repo,
      '--tests', join(repo, 'out', 'test', 'suite', 'index.js'),
      '--workspace', workspace,
      '--screenshots', join(repo, 'test-results', 'extension'),
      '--timeout', '300000',
      '--env', `${SERVERS_ENV}=${JSON.stringify(servers)}`,
      '--secrets-env', SECRETS_ENV,
      ...process.argv.slice(2),
    ], { stdio: 'inherit', env: { ...process.env, [SECRETS_ENV]: JSON.stringify([...servers.map(s => s.password), ...SUITE_PASSWORDS]) } });
    return await new Promise<number>(resolve => child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 2))));
  } finally {
    await set.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(code => process.exit(code), err => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(2);
});
