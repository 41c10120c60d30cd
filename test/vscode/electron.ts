/**
 * The same mocha suite under desktop VS Code via @vscode/test-electron, for
 * machines that can download VS Code (update.code.visualstudio.com). It cannot
 * here; ./runner (code-server) is the default host.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ElectronRunOptions {
  extensionPath: string;
  testsPath: string;
  workspace: string;
  env?: Record<string, string>;
  userSettings?: object;
  /** VS Code version to download (default: env VSCODE_TEST_VERSION or 'stable'). */
  version?: string;
  /** Use an already downloaded/installed VS Code binary instead. */
  vscodeExecutablePath?: string;
}

export async function runInElectron(opts: ElectronRunOptions): Promise<{ exitCode: number }> {
  // Loaded lazily so that the code-server path never needs it.
  const { runTests, TestRunFailedError } = await import('@vscode/test-electron');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-electron-'));
  const userData = path.join(runDir, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, ...(opts.userSettings ?? {}) }, null, 2),
  );
  try {
    const exitCode = await runTests({
      ...(opts.vscodeExecutablePath
        ? { vscodeExecutablePath: opts.vscodeExecutablePath }
        : { version: opts.version ?? process.env.VSCODE_TEST_VERSION ?? 'stable' }),
      extensionDevelopmentPath: opts.extensionPath,
      extensionTestsPath: opts.testsPath,
      extensionTestsEnv: opts.env ?? {},
      launchArgs: [
        opts.workspace,
        '--user-data-dir', userData,
        '--extensions-dir', path.join(runDir, 'extensions'),
        '--disable-workspace-trust',
        '--disable-telemetry',
        '--disable-updates',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        '--no-sandbox',
      ],
    });
    return { exitCode };
  } catch (err) {
    // runTests rejects when VS Code exits non-zero (a failing suite): report the code.
    if (err instanceof TestRunFailedError) return { exitCode: err.code ?? 1 };
    throw err;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
  }
}
