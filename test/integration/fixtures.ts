import { randomBytes } from 'crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
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

/** Phase timeouts of the engines that talk to the harness: seconds, not the servers' minutes. */
export const HARNESS_TIMEOUTS = { skewTimeoutMs: 5_000, preliminaryTimeoutMs: 10_000, abortGraceMs: 2_000, pollIntervalMs: 500, stallTimeoutMs: 5_000, tlsHandshakeTimeoutMs: 5_000 };

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
      timeouts: HARNESS_TIMEOUTS,
    });
  });
  after(async function () {
    this.timeout(60_000);
    world.engine?.close();
    await world.set?.stop();
  });
  return world;
}

/** A server as the engine sees it (a harness instance or an in-process one), with disk access for checks. */
export interface Peer {
  id: string;
  site: Site;
  password: string;
  put(path: string, data: Buffer): void;
  read(path: string): Buffer;
}

/** A harness instance as a peer named `name`; TLS sites trust the harness CA. */
export function harnessPeer(world: World, id: string, security: Site['security'], name = id): Peer {
  const s = world.set.get(id);
  const ca = security === 'none' ? undefined : [readFileSync(world.set.caFile, 'utf8')];
  return {
    id: name, password: s.password,
    site: makeSite({ host: s.host, port: s.port, user: s.user, security, ca }, name),
    put: (p, d) => putFile(s, p, d),
    read: p => readFileSync(s.diskPath(p)),
  };
}

/** The key and certificate the harness CA signed (SANs include 127.0.0.1), for in-process TLS servers. */
export function harnessTls(world: World): { key: Buffer; cert: Buffer; ca: string } {
  const dir = dirname(world.set.caFile);
  return { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')), ca: readFileSync(world.set.caFile, 'utf8') };
}

/** An in-process server on 127.0.0.1 as a peer: files go straight into its root. */
export function inprocPeer(id: string, port: number, root: string, login: { user: string; password: string }, security: Site['security'], ca?: string): Peer {
  return {
    id, password: login.password,
    site: makeSite({ host: '127.0.0.1', port, user: login.user, security, ca: ca ? [ca] : undefined }, id),
    put: (p, d) => writeFileSync(join(root, p), d),
    read: p => readFileSync(join(root, p)),
  };
}
