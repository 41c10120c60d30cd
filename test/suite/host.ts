/** Helpers for tests running inside the extension host. */
import * as assert from 'assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import type { ExtensionApi } from '../../src/services';
import { SERVERS_ENV, type ServerInfo } from './hostFixtures';

export async function api(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.activate();
}

export function servers(): ServerInfo[] {
  const raw = process.env[SERVERS_ENV];
  assert.ok(raw, `${SERVERS_ENV} is set by test/suite/launch.ts`);
  return JSON.parse(raw) as ServerInfo[];
}

export function server(id: string): ServerInfo {
  const found = servers().find(s => s.id === id);
  assert.ok(found, `server ${id} was started`);
  return found;
}

/** For a describe block: the activated extension, with every test server's password remembered. */
export function useExtension(): () => ExtensionApi {
  let fxp: ExtensionApi | undefined;
  before(async () => {
    fxp = await api();
    await rememberPasswords(fxp);
  });
  return () => {
    assert.ok(fxp, 'the before hook ran');
    return fxp;
  };
}

/** Keeps every test server's password in SecretStorage, as the "remember" answer to the prompt does. */
export async function rememberPasswords(fxp: ExtensionApi): Promise<void> {
  for (const s of servers()) {
    const entry = fxp.settings.site(s.id);
    assert.ok(entry, `site ${s.id} is in the workspace settings`);
    await fxp.passwords.store(entry.site, s.password);
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

function walk(dir: string, depth = 6): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    const stat = statSync(path);
    return stat.isDirectory() ? walk(path, depth - 1) : [path];
  });
}

/** The FXP log channel's file: somewhere below the extension host's log folder. */
export async function logFile(fxp: ExtensionApi): Promise<string> {
  const logsRoot = join(fxp.logUri.fsPath, '..', '..');
  return waitFor('the FXP log file', () => walk(logsRoot).find(f => /FXP\.log$/.test(f)));
}

/** The settings.json files VS Code writes for this window: the workspace's and the user's. */
export function settingsFiles(fxp: ExtensionApi): string[] {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(workspace, 'a workspace folder is open');
  // globalStorageUri is <user data>/User/globalStorage/<extension id>
  const files = [join(workspace, '.vscode', 'settings.json'), join(fxp.globalStorageUri.fsPath, '..', '..', 'settings.json')];
  for (const file of files) assert.ok(existsSync(file), `${file} exists`);
  return files;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
