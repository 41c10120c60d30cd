/**
 * Helpers for the fault tests: in-process servers with their disks, engines with short timeouts whose
 * every transcript line and error is kept (for the secrets test), socket counting, time measuring and
 * a guard that keeps active data connections on loopback.
 */
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { FxpEngine, makeSite, type Site } from '../../src/fxp';
import type { Timeouts } from '../../src/fxp/copy';
import { startFtpd, type FaultAction, type FtpdOptions, type FtpdServer, type SessionInfo } from '../ftpd/server';
import { record } from './figures';

/** Short phase timeouts: every fault below must end within a few of these. */
export const FAST: Timeouts = {
  skewTimeoutMs: 2_000, preliminaryTimeoutMs: 2_000, abortGraceMs: 1_000, pollIntervalMs: 200, stallTimeoutMs: 2_000, tlsHandshakeTimeoutMs: 2_000,
};
export const COMMAND_TIMEOUT_MS = 2_000;
/** The servers' own idle timeout in the stall tests: a fault bounded by this instead of ours is a failure. */
export const SERVER_IDLE_MS = 60_000;

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** A distinctive password, registered for the secrets test. */
export function secret(tag: string): string {
  const password = `Pw-${tag}-${randomBytes(6).toString('hex')}`;
  record.secret(password);
  return password;
}

export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fxp-faults-${tag}-`));
  record.path(dir);
  return dir;
}

export interface Node {
  name: string;
  server: FtpdServer;
  root: string;
  user: string;
  password: string;
  site: Site;
  /** Every command line the server received, in order, with its session id. */
  commands: { session: number; cmd: string; arg: string }[];
  put(path: string, data: Buffer): void;
  read(path: string): Buffer | undefined;
  size(path: string): number | undefined;
  /** Commands of one verb, e.g. count('PASS'). */
  count(cmd: string): number;
  /** Replaces the test's fault hook (recording of commands stays). */
  onCommand(hook: ((cmd: string, arg: string, session: SessionInfo) => FaultAction | undefined | Promise<FaultAction | undefined>) | undefined): void;
  close(): Promise<void>;
}

export interface NodeOptions extends Partial<Omit<FtpdOptions, 'host' | 'root' | 'users'>> {
  site?: Partial<Site>;
  /** Keep every command in `commands` (default); false for long jobs, whose heap figures must be the engine's. */
  recordCommands?: boolean;
}

/**
 * An in-process server on its own loopback address. Commands are recorded; PORT/EPRT to anything but
 * 127.0.0.0/8 is answered "500" before the server could connect anywhere (this machine's test traffic
 * stays on loopback, whatever the engine forwards).
 */
export async function startNode(name: string, host: string, options: NodeOptions = {}): Promise<Node> {
  const root = tempDir(name);
  const user = 'fx';
  const password = secret(name);
  const commands: Node['commands'] = [];
  let hook: Parameters<Node['onCommand']>[0];
  const { site: siteOptions, faults: initialFaults, recordCommands = true, ...ftpdOptions } = options;
  const faults = initialFaults ?? {};
  const userHook = faults.onCommand;
  hook = userHook;
  faults.onCommand = async (cmd, arg, session) => {
    if (recordCommands) commands.push({ session: session.id, cmd, arg });
    if (cmd === 'PORT' || cmd === 'EPRT') {
      const target = cmd === 'PORT' ? arg.split(',').slice(0, 4).join('.') : arg.split(arg[0] ?? '|')[2] ?? '';
      if (!/^127\.\d+\.\d+\.\d+$/.test(target.trim())) return { kind: 'reply', text: `500 Test guard: no connections to ${target} from this machine.` };
    }
    return hook ? hook(cmd, arg, session) : undefined;
  };
  const server = await startFtpd({ host, port: 0, root, users: { [user]: password }, allowFxp: true, ...ftpdOptions, faults });
  const site = makeSite({ host, port: server.port, user, ...siteOptions }, name);
  const disk = (p: string) => join(root, p.replace(/^\/+/, ''));
  return {
    name, server, root, user, password, site, commands,
    put: (p, data) => { mkdirSync(dirname(disk(p)), { recursive: true }); writeFileSync(disk(p), data); },
    read: p => (existsSync(disk(p)) ? readFileSync(disk(p)) : undefined),
    size: p => (existsSync(disk(p)) ? statSync(disk(p)).size : undefined),
    count: cmd => commands.filter(c => c.cmd === cmd).length,
    onCommand: h => { hook = h; },
    close: async () => {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface TestEngine {
  engine: FxpEngine;
  log: string[];
}

/** An engine with short timeouts; its transcript goes to `log` and to the run's record. */
export function makeEngine(
  passwords: Map<string, string> | ((site: Site) => string),
  opts: { timeouts?: Partial<Timeouts>; commandTimeoutMs?: number; /** keep only warnings (long jobs); every line is still checked for secrets */ quiet?: boolean } = {},
): TestEngine {
  const log: string[] = [];
  const engine = new FxpEngine({
    logger: (level, message) => {
      const line = `${level}: ${message}`;
      if (opts.quiet) {
        record.scan(line);
        if (level === 'warn' || level === 'error') log.push(line);
        return;
      }
      log.push(line);
      record.text(line);
    },
    password: async site => {
      const p = typeof passwords === 'function' ? passwords(site) : passwords.get(site.name);
      if (p === undefined) throw new Error(`test: no password for ${site.name}`);
      return p;
    },
    timeouts: { ...FAST, ...opts.timeouts },
    commandTimeoutMs: opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
  });
  return { engine, log };
}

export function passwordsOf(...nodes: { name: string; password: string }[]): Map<string, string> {
  return new Map(nodes.map(n => [n.name, n.password]));
}

/** Sockets this process holds open (the engine's, and the in-process servers'). */
export function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Waits until `cond` holds (or `ms` passed); returns whether it held. */
export async function settle(cond: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export interface Timed<T> {
  ms: number;
  value?: T;
  error?: unknown;
}

/**
 * Runs `p` and measures it. A promise still pending after `limitMs` is reported as a hang
 * (error 'HUNG') and `onHang` is called so the test can release it (abort, close servers).
 */
export async function measure<T>(p: Promise<T>, limitMs = 30_000, onHang?: () => void): Promise<Timed<T>> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'HUNG'>(resolve => { timer = setTimeout(() => resolve('HUNG'), limitMs); });
  try {
    const outcome = await Promise.race([p.then(value => ({ value }), (error: unknown) => ({ error })), hang]);
    if (outcome === 'HUNG') {
      onHang?.();
      p.catch(() => undefined);
      return { ms: Date.now() - started, error: 'HUNG' };
    }
    if ('error' in outcome) record.error(outcome.error);
    return { ms: Date.now() - started, ...outcome };
  } finally {
    clearTimeout(timer);
  }
}

/** Random bytes for a file. */
export function data(bytes: number): Buffer {
  return randomBytes(bytes);
}

/**
 * Established TCP connections of this process to host:port (the engine's control connections to a
 * server, counted from /proc/net/tcp; in-process servers' own ends have that address as local, not remote).
 */
export function connectionsTo(host: string, port: number): number {
  const hex = host.split('.').map(o => Number(o).toString(16).toUpperCase().padStart(2, '0')).reverse().join('');
  const want = `${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[2] === want && f[3] === '01') n++;
  }
  return n;
}
