import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { FxpEngine, makeSite, type Site } from '../../../src/fxp';
import type { FileEvent } from '../../../src/fxp/folder';
import { startFtpd, type FtpdOptions, type FtpdServer } from '../../ftpd/server';
import type { TestServer } from '../../harness/servers';
import { putFile } from '../fixtures';

/** What these tests need of a server: where it is, how to log in, where its files are on disk. */
export type DiskServer = Pick<TestServer, 'id' | 'host' | 'port' | 'user' | 'password' | 'diskPath' | 'uid' | 'gid'>;

/** The in-process server (fault injection: throttling, connection limits, refusals) as a DiskServer. */
export async function inproc(id: string, host: string, options: Partial<FtpdOptions> = {}): Promise<DiskServer & { ftpd: FtpdServer; close(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), `fxp-${id}-`));
  const ftpd = await startFtpd({ host, port: 0, root, users: { tester: 'inproc-pw' }, allowFxp: true, ...options });
  return {
    id, host, port: ftpd.port, user: 'tester', password: 'inproc-pw', ftpd,
    uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
    diskPath: p => resolve(root, `.${resolve('/', p)}`),
    close: async () => {
      await ftpd.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** An engine with its own transcript, for servers the fixtures' engine has no password for. */
export function testEngine(servers: DiskServer[]): { engine: FxpEngine; log: string[] } {
  const log: string[] = [];
  const engine = new FxpEngine({
    logger: (_level, message) => log.push(message),
    password: async s => {
      const server = servers.find(x => x.id === s.name);
      if (!server) throw new Error(`test: no password for ${s.name}`);
      return server.password;
    },
    timeouts: { skewTimeoutMs: 5_000, preliminaryTimeoutMs: 10_000, abortGraceMs: 2_000, pollIntervalMs: 200, stallTimeoutMs: 10_000 },
  });
  return { engine, log };
}

/** Relative path -> content. */
export type Files = Record<string, Buffer>;

export function site(server: DiskServer, connectionLimit = 5): Site {
  return makeSite({ host: server.host, port: server.port, user: server.user, connectionLimit }, server.id);
}

export function writeTree(server: DiskServer, root: string, files: Files): void {
  for (const [rel, data] of Object.entries(files)) putFile(server as TestServer, `${root}/${rel}`, data);
}

/** `count` small random files spread over nested folders (10 top folders, 3 below each). */
export function smallFiles(count: number, bytes: number, prefix = ''): Files {
  const files: Files = {};
  for (let i = 0; i < count; i++) files[`${prefix}d${i % 10}/s${i % 3}/f${i}.txt`] = randomBytes(bytes);
  return files;
}

/** Every file below `root` on the server's disk: relative path -> content. */
export function diskTree(server: DiskServer, root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const base = server.diskPath(root);
  if (!existsSync(base)) return out;
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path).isDirectory()) walk(path, r);
      else out.set(r, readFileSync(path));
    }
  };
  walk(base, '');
  return out;
}

/** Names, sizes and modification times below `root`: what a dry run must leave alone. */
export function diskSnapshot(server: DiskServer, root: string): string[] {
  const base = server.diskPath(root);
  const lines: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      lines.push(`${rel}/${name} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(path, `${rel}/${name}`);
    }
  };
  if (existsSync(base)) walk(base, '');
  return lines;
}

export function assertSameTree(actual: Map<string, Buffer>, expected: Files): string[] {
  const problems: string[] = [];
  for (const [rel, data] of Object.entries(expected)) {
    const got = actual.get(rel);
    if (!got) problems.push(`missing ${rel}`);
    else if (!got.equals(data)) problems.push(`differs ${rel} (${got.length} vs ${data.length} bytes)`);
  }
  for (const rel of actual.keys()) if (!(rel in expected)) problems.push(`extra ${rel}`);
  return problems;
}

export function setTime(server: DiskServer, ftpPath: string, when: Date): void {
  utimesSync(server.diskPath(ftpPath), when, when);
}

/** Most files in flight at once, from the job's file events. */
export function concurrencyMeter(): { onFile: (e: FileEvent) => void; max: () => number } {
  const active = new Set<string>();
  let max = 0;
  return {
    onFile: e => {
      const key = `${e.destination}:${e.file.path}`;
      if (e.running) active.add(key);
      else active.delete(key);
      max = Math.max(max, active.size);
    },
    max: () => max,
  };
}

/** Commands one site received, from the engine's transcript ("site > CMD"). */
export function sent(log: string[], siteName: string, from = 0): string[] {
  const prefix = `${siteName} > `;
  return log.slice(from).filter(l => l.startsWith(prefix)).map(l => l.slice(prefix.length));
}

/** Resolves once the file on the server's disk has at least `bytes` (polled every 5 ms). */
export async function diskReaches(server: DiskServer, ftpPath: string, bytes: number, timeoutMs = 30_000): Promise<number> {
  const disk = server.diskPath(ftpPath);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const size = existsSync(disk) ? statSync(disk).size : 0;
    if (size >= bytes) return size;
    if (Date.now() > until) throw new Error(`test: ${ftpPath} stayed at ${size} bytes (waited for ${bytes})`);
    await new Promise(r => setTimeout(r, 5));
  }
}
