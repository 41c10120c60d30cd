import { randomBytes } from 'crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { FxpEngine, makeSite, type Site } from '../../src/fxp';
import { startServers, type ServerSet, type TestServer } from '../harness/servers';

/** FXP-allowing instances of the plain matrix, and the refusing ones (ids from test/harness). */
export const FXP_IDS = ['pure-ftpd', 'pure-ftpd-2', 'proftpd', 'vsftpd', 'pyftpdlib'];
export const NOFXP_IDS = ['pure-ftpd-nofxp', 'proftpd-nofxp', 'vsftpd-nofxp', 'pyftpdlib-nofxp'];

export function siteFor(server: TestServer, security: Site['security'] = 'none'): Site {
  return makeSite({ host: server.host, port: server.port, user: server.user, security }, server.id);
}

/** Writes a file straight onto a server's disk, owned by its FTP user. */
export function putFile(server: TestServer, ftpPath: string, data: Buffer): void {
  const disk = server.diskPath(ftpPath);
  mkdirSync(dirname(disk), { recursive: true });
  writeFileSync(disk, data, { mode: 0o644 });
  chownSync(disk, server.uid, server.gid);
}

export function makeDir(server: TestServer, ftpPath: string): void {
  const disk = server.diskPath(ftpPath);
  mkdirSync(disk, { recursive: true, mode: 0o755 });
  chownSync(disk, server.uid, server.gid);
}

export function readDisk(server: TestServer, ftpPath: string): Buffer | undefined {
  const disk = server.diskPath(ftpPath);
  return existsSync(disk) ? readFileSync(disk) : undefined;
}

export function diskSize(server: TestServer, ftpPath: string): number | undefined {
  const disk = server.diskPath(ftpPath);
  return existsSync(disk) ? statSync(disk).size : undefined;
}

export function random(bytes: number): Buffer {
  return randomBytes(bytes);
}

export interface World {
  set: ServerSet;
  engine: FxpEngine;
  log: string[];
}

/** Starts the real servers once per file and an engine whose transcript is kept for assertions. */
export function useServers(only?: string[]): World {
  const world = {} as World;
  before(async function () {
    this.timeout(600_000);
    world.set = await startServers(only ? { only } : {});
    world.log = [];
    world.engine = new FxpEngine({
      logger: (_level, message) => world.log.push(message),
      password: async site => world.set.get(site.name).password,
      timeouts: { skewTimeoutMs: 5_000, preliminaryTimeoutMs: 10_000, abortGraceMs: 2_000, pollIntervalMs: 500, stallTimeoutMs: 5_000, tlsHandshakeTimeoutMs: 5_000 },
    });
  });
  after(async function () {
    this.timeout(60_000);
    world.engine?.close();
    await world.set?.stop();
  });
  return world;
}
