/**
 * Opens VS Code on the demo workspace with FXP and the demo helper loaded as development extensions:
 * desktop `code` when it is on the PATH, else code-server (VS Code in the browser, auth none on 127.0.0.1).
 */
import * as cp from 'child_process';
import { accessSync, constants, cpSync, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'fs';
import { delimiter, join } from 'path';
import {
  DEFAULT_USER_SETTINGS, baseEnv, codeServerEnv, ensureCodeServer, prepareRunDir, startCodeServer, stopTree, workbenchUrl,
} from '../test/vscode/runner';

export interface EditorOptions {
  /** The FXP checkout (package.json, dist/extension.js). */
  extension: string;
  /** The demo helper extension (demo/helper). */
  helper: string;
  workspace: string;
  /** Extra environment for VS Code (reaches the extension host). */
  env: Record<string, string>;
  /** A folder of its own for the editor's profile (replaced on each run). */
  dir: string;
}

export interface OpenEditor {
  kind: 'desktop' | 'browser';
  /** code-server: the URL to open in a browser. */
  url?: string;
  /** Settles when the editor ends by itself (window closed, code-server exited). */
  exited: Promise<void>;
  /** Stops the editor's processes (those this demo started, by process id). */
  stop(): Promise<void>;
}

/** Settings for the demo's own profile: quiet, no trust prompt (the workspace is the demo's), no chat side bar. */
export const DEMO_USER_SETTINGS = {
  ...DEFAULT_USER_SETTINGS,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** The first executable `name` on the PATH. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function exitOf(child: cp.ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Desktop VS Code in a new instance with a profile of its own (`--user-data-dir`), so the environment (the
 * demo's passwords) reaches its extension host, and `--wait`, so closing the window ends the demo.
 */
export function openInDesktop(code: string, o: EditorOptions): OpenEditor {
  rmSync(o.dir, { recursive: true, force: true });
  const userData = join(o.dir, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(DEMO_USER_SETTINGS, null, 2));
  const args = [
    '--new-window', '--wait', '--user-data-dir', userData, '--disable-workspace-trust',
    `--extensionDevelopmentPath=${o.extension}`, `--extensionDevelopmentPath=${o.helper}`, o.workspace,
  ];
  // baseEnv() drops VSCODE_* (from a VS Code terminal, `code` would hand the folder to that instance).
  const child = cp.spawn(code, args, { env: { ...baseEnv(), ...o.env }, detached: true, stdio: 'ignore', shell: process.platform === 'win32' });
  return { kind: 'desktop', exited: exitOf(child), stop: () => stopTree(child) };
}

/** code-server on 127.0.0.1 (a free port, auth none); the returned URL loads FXP and the helper. */
export async function openInCodeServer(o: EditorOptions): Promise<OpenEditor> {
  const install = ensureCodeServer();
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  const dirs = prepareRunDir(o.dir, DEMO_USER_SETTINGS);
  cpSync(o.helper, join(dirs.extensions, 'fxp-vscode.fxp-demo-helper-0.0.0'), { recursive: true });
  const log = createWriteStream(join(o.dir, 'code-server.log'));
  const server = await startCodeServer({
    install, runDir: o.dir, dirs, env: codeServerEnv(dirs, o.env), cwd: o.workspace, onOutput: d => log.write(d),
  });
  const exited = exitOf(server.child);
  void exited.then(() => log.end());
  return {
    kind: 'browser',
    url: workbenchUrl(server.baseUrl, o.workspace, [o.extension]),
    exited,
    stop: () => stopTree(server.child),
  };
}
