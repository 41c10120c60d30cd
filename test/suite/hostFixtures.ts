/**
 * Shared by the launchers of the extension-host suite and the UI test (both run in plain node, outside
 * VS Code): start real FTP servers, write a workspace whose settings name them, pass their details to the
 * extension host through the environment. No `vscode` here.
 */
import { chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import type { TestServer } from '../harness/servers';

/** What the extension host needs to know about one server (as JSON): never written to a settings file. */
export type ServerInfo = Pick<TestServer, 'id' | 'host' | 'port' | 'user' | 'password' | 'root' | 'uid' | 'gid' | 'fxp'>;

export const SERVERS_ENV = 'FXP_TEST_SERVERS';

/** The password of the suite's in-process servers (test/suite/ftpdSites.ts). */
export const IN_PROCESS_PASSWORD = 'in-process-secret';

/** Passwords the suite itself types (besides the servers'): none may be left in a file after the run but SecretStorage's. */
export const SUITE_PASSWORDS = [IN_PROCESS_PASSWORD, 'hunter2', 'verified-only-secret', 'plain-secret'];

/** Two FXP-allowing servers of different makes, and one that refuses FXP. */
export const FXP_PAIR = { name: 'fxp pair', siteA: 'pure-ftpd', siteB: 'proftpd' } as const;
export const REFUSING_PAIR = { name: 'refusing pair', siteA: 'vsftpd-nofxp', siteB: 'pure-ftpd' } as const;
export const SERVER_IDS = [FXP_PAIR.siteA, FXP_PAIR.siteB, REFUSING_PAIR.siteA];

export function serverInfo(s: ServerInfo): ServerInfo {
  return { id: s.id, host: s.host, port: s.port, user: s.user, password: s.password, root: s.root, uid: s.uid, gid: s.gid, fxp: s.fxp };
}

/** A workspace folder whose .vscode/settings.json holds the sites and pairs (and no password). */
export function writeWorkspace(
  servers: ServerInfo[], refusingRelay: 'ask' | 'always' | 'never', folders: { fxp?: [string, string]; refusing?: [string, string] } = {},
): string {
  const folder = mkdtempSync(join(tmpdir(), 'fxp-ws-'));
  mkdirSync(join(folder, '.vscode'));
  const settings = {
    'fxp.sites': servers.map(s => ({ name: s.id, host: s.host, port: s.port, user: s.user })),
    'fxp.sitePairs': [
      { ...FXP_PAIR, folderA: folders.fxp?.[0] ?? '/', folderB: folders.fxp?.[1] ?? '/' },
      { ...REFUSING_PAIR, folderA: folders.refusing?.[0] ?? '/', folderB: folders.refusing?.[1] ?? '/', relay: refusingRelay },
    ],
  };
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(join(folder, 'README.md'), '# FXP test workspace\n');
  return folder;
}

export function diskPath(server: ServerInfo, ftpPath: string): string {
  return join(server.root, ...ftpPath.split('/').filter(Boolean));
}

/** Writes a file onto a server's disk, owned by its FTP user (folders too). */
export function putFile(server: ServerInfo, ftpPath: string, data: Buffer): void {
  makeDir(server, dirname(ftpPath));
  const disk = diskPath(server, ftpPath);
  writeFileSync(disk, data, { mode: 0o644 });
  chownSync(disk, server.uid, server.gid);
}

export function makeDir(server: ServerInfo, ftpPath: string): void {
  let current = '';
  for (const part of ftpPath.split('/').filter(Boolean)) {
    current += `/${part}`;
    const disk = diskPath(server, current);
    mkdirSync(disk, { recursive: true, mode: 0o755 });
    chownSync(disk, server.uid, server.gid);
  }
}
