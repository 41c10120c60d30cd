/**
 * Runs VS Code extension tests in a REAL extension host without desktop VS Code:
 * code-server (coder's build of the VS Code server + workbench, from npm) driven
 * by playwright-core with Debian's Chromium. See README.md in this folder.
 *
 * Node built-ins + playwright-core only.
 */
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { scanForSecrets } from './secretScan';

export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION || '4.100.3';
const INSTALL_SCRIPT_REL = path.join('.ci', 'install-vscode-test-deps.sh');
const DEFAULT_TIMEOUT_MS = 180_000;

export interface UiContext {
  /** `http://127.0.0.1:PORT` of the code-server instance. */
  baseUrl: string;
  /** Prints `[ui] ...` and records the line in the run's logs. */
  log: (s: string) => void;
  /** Saves a PNG of the page as `<screenshotsDir or run dir>/<name>.png`; returns the path. */
  screenshot: (name: string) => Promise<string>;
  /** Resolves with the first extension-host log line (existing or future) matching `pattern`. */
  waitForLog: (pattern: string | RegExp, timeoutMs?: number) => Promise<string>;
  /** Extension-host log lines seen so far (live array). */
  hostLogs: readonly string[];
  /** The per-run folder (user data, extensions, logs); removed after the run unless kept. */
  runDir: string;
}

export interface HostRunOptions {
  /** Absolute folder of the extension under test (package.json, `main` -> built bundle). */
  extensionPath?: string;
  /** Absolute path of a compiled suite module exporting `run(): Promise<void>`; the run ends with its exit code. */
  testsPath?: string;
  /** Absolute folder opened in the workbench. */
  workspace: string;
  /** Extra environment for code-server (reaches the extension host). */
  env?: Record<string, string>;
  /** Written to the run's user `settings.json` (over a few quiet defaults). */
  userSettings?: object;
  /** Folder for screenshots (`ctx.screenshot`, and `failure.png` when a run fails). */
  screenshotsDir?: string;
  /** Playwright script against the workbench page, run once the workbench is ready. */
  ui?: (page: Page, ctx: UiContext) => Promise<void>;
  /** Whole run, install excluded. Default: env VSCODE_TEST_TIMEOUT_MS or 180000. */
  timeoutMs?: number;
  /** .vsix files installed with `code-server --install-extension` into the run's extensions dir before start. */
  installExtensions?: string[];
  /** Print extension-host lines with this prefix (default `[ext-host] `); `false` = don't print. */
  logPrefix?: string | false;
  /** Keep the per-run folder (also env VSCODE_TEST_KEEP_RUN_DIR=1). */
  keepRunDir?: boolean;
  /** Chromium viewport (default 1400x900). */
  viewport?: { width: number; height: number };
  /** Workspace trust on, and the workspace left untrusted (Restricted Mode). Default: trust disabled, everything trusted. */
  untrustedWorkspace?: boolean;
  /**
   * Passwords that must appear in no file the run leaves (logs, settings, global storage with job journals, the
   * workspace), except the browser's own storage, where the web workbench keeps SecretStorage. A hit fails the run.
   */
  secrets?: string[];
}

export interface HostRunResult {
  exitCode: number;
  /** Extension-host console lines (from codeAutomationLog / the page console), plus `[ui]` lines. */
  logs: string[];
}

export type HostRunErrorCode =
  | 'OPTIONS'
  | 'INSTALL'
  | 'EXTENSION_INSTALL'
  | 'CODE_SERVER_START'
  | 'CODE_SERVER_EXIT'
  | 'BROWSER'
  | 'WORKBENCH'
  | 'UI'
  | 'TIMEOUT'
  | 'INTERRUPTED'
  | 'SECRETS';

export class HostRunError extends Error {
  constructor(
    readonly code: HostRunErrorCode,
    message: string,
    readonly logs: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HostRunError';
  }
}

// ------------------------------------------------------------ install / locate

function findRepoRoot(): string | undefined {
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, INSTALL_SCRIPT_REL))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

export interface CodeServerInstall {
  /** code-server's `out/node/entry.js` (run with node 20). */
  entry: string;
  dir: string;
  version: string;
}

/** Returns the cached code-server, running `.ci/install-vscode-test-deps.sh` first if it is missing. */
export function ensureCodeServer(): CodeServerInstall {
  const root = findRepoRoot();
  const cacheRoot = process.env.VSCODE_TEST_CACHE || path.join(root ?? process.cwd(), '.vscode-test');
  const dir = path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = path.join(dir, '.install-complete');
  const complete = () => fs.existsSync(entry) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === CODE_SERVER_VERSION;
  if (complete()) return { entry, dir, version: CODE_SERVER_VERSION };
  if (!root) {
    throw new HostRunError('INSTALL', `code-server is not in ${dir} and ${INSTALL_SCRIPT_REL} was not found above ${__dirname} or ${process.cwd()}`);
  }
  const script = path.join(root, INSTALL_SCRIPT_REL);
  note(`code-server ${CODE_SERVER_VERSION} not cached: running ${script}`);
  const r = cp.spawnSync('bash', [script], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CODE_SERVER_VERSION, VSCODE_TEST_CACHE: cacheRoot },
  });
  if (r.status !== 0 || !complete()) {
    throw new HostRunError('INSTALL', `${script} failed (status ${r.status ?? r.signal ?? r.error?.message})`);
  }
  return { entry, dir, version: CODE_SERVER_VERSION };
}

// ------------------------------------------------------------------- helpers

function note(s: string): void {
  process.stderr.write(`[vscode-test] ${s}\n`);
}

function assertAbsolute(name: string, p: string | undefined, kind: 'dir' | 'file' | 'any'): void {
  if (p === undefined) return;
  if (!path.isAbsolute(p)) throw new HostRunError('OPTIONS', `${name} must be absolute: ${p}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new HostRunError('OPTIONS', `${name} does not exist: ${p}`);
  }
  if (kind === 'dir' && !st.isDirectory()) throw new HostRunError('OPTIONS', `${name} is not a folder: ${p}`);
  if (kind === 'file' && !st.isFile()) throw new HostRunError('OPTIONS', `${name} is not a file: ${p}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** For races: a timer that never keeps the process alive after the race is decided. */
const sleepUnref = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** vscode-remote URI for an absolute server path, authority = the page's host. */
export function remoteUri(authority: string, p: string): string {
  const encoded = p.split('/').map((seg) => encodeURIComponent(seg)).join('/');
  return `vscode-remote://${authority}${encoded}`;
}

/** Identity of a process (pid + start time) so a recycled pid is never signalled. */
interface ProcId {
  pid: number;
  start: string;
}

function procStat(pid: number): { ppid: number; pgrp: number; start: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0]=state, [1]=ppid, [2]=pgrp, ... [19]=starttime
    return { ppid: Number(rest[1]), pgrp: Number(rest[2]), start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** All live descendants of `root` (by parent pid), found through /proc. */
function descendants(root: number): ProcId[] {
  const children = new Map<number, number[]>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const starts = new Map<number, string>();
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const pid = Number(n);
    const st = procStat(pid);
    if (!st) continue;
    starts.set(pid, st.start);
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: ProcId[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push({ pid: c, start: starts.get(c) ?? '' });
      queue.push(c);
    }
  }
  return out;
}

function groupAlive(pgid: number): boolean {
  try {
    return fs.readdirSync('/proc').some((n) => /^\d+$/.test(n) && procStat(Number(n))?.pgrp === pgid);
  } catch {
    return false;
  }
}

function signalIfSame(id: ProcId, sig: NodeJS.Signals): void {
  const st = procStat(id.pid);
  if (!st || st.start !== id.start) return;
  try {
    process.kill(id.pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Stops a process started with `detached: true` (setsid: its own session and
 * process group): SIGTERM to the group and to every descendant that left the
 * group, SIGKILL after `graceMs`.
 */
export async function stopTree(child: cp.ChildProcess, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const self = procStat(pid);
  const tree: ProcId[] = [...(self ? [{ pid, start: self.start }] : []), ...descendants(pid)];
  const exited = child.exitCode !== null || child.signalCode !== null;
  // A pid is not reused while a group with that id exists; with no member left, signal nothing.
  if (exited && !groupAlive(pid)) return;
  const exitPromise = exited ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* group gone */
  }
  for (const id of tree) signalIfSame(id, 'SIGTERM');
  await Promise.race([exitPromise, sleepUnref(graceMs)]);
  // Give children a moment to follow their parent out.
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline && tree.some((id) => procStat(id.pid)?.start === id.start)) await sleep(50);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* group gone */
  }
  for (const id of tree) signalIfSame(id, 'SIGKILL');
}

export function killTreeSync(child: cp.ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if ((child.exitCode !== null || child.signalCode !== null) && !groupAlive(pid)) return;
  const tree = descendants(pid);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  for (const id of tree) signalIfSame(id, 'SIGKILL');
}

/** Environment for code-server: the caller's, minus variables that would tie it to another VS Code. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS' || k === 'TERM_PROGRAM') continue;
    env[k] = v;
  }
  return env;
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => !!p,
  );
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new HostRunError('BROWSER', `Chromium not found (tried ${candidates.join(', ')}); run .ci/install-vscode-test-deps.sh or set CHROMIUM_PATH`);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
  '--password-store=basic',
  '--force-device-scale-factor=1',
];

export const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
};

/**
 * codeAutomationLog(type, args): `args` is the console call's argument list
 * (format string first, as in `console.log('%d passing', 3)`).
 */
function formatLogArgs(args: unknown): string {
  if (Array.isArray(args)) return util.format(...(args as unknown[]));
  if (typeof args === 'string') return args;
  return safeJson(args);
}

/**
 * The workbench's own log lines arrive on the same channel as the extension
 * host's console; these known ones are kept out of the printed output (they
 * stay in the browser console log of the run).
 */
const WORKBENCH_NOISE = [
  /^Resolv(?:ing|ed) connection token \(/,
  /^Creating a socket \(renderer-/,
  /^Ignoring fetching additional builtin extensions from gallery/,
  /^\[Service Worker\] /,
  /^ChatSessionStore: /,
];

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A settle-once promise with its controls. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void; settled: () => boolean } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  let done = false;
  const promise = new Promise<T>((res, rej) => {
    resolve = (v) => {
      if (!done) {
        done = true;
        res(v);
      }
    };
    reject = (e) => {
      if (!done) {
        done = true;
        rej(e);
      }
    };
  });
  promise.catch(() => undefined); // observed by whoever races it
  return { promise, resolve, reject, settled: () => done };
}

// ------------------------------------------------- building blocks (also used by the demo)

/** The folders of one code-server run below `runDir`. */
export interface RunDirs {
  userData: string;
  extensions: string;
  home: string;
  xdgConfig: string;
  xdgData: string;
  xdgCache: string;
  xdgRuntime: string;
  tmp: string;
  browserProfile: string;
}

/** Creates the run's folders and its user `settings.json` (quiet defaults + `userSettings`). */
export function prepareRunDir(runDir: string, userSettings?: object): RunDirs {
  const dirs: RunDirs = {
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    home: path.join(runDir, 'home'),
    xdgConfig: path.join(runDir, 'xdg-config'),
    xdgData: path.join(runDir, 'xdg-data'),
    xdgCache: path.join(runDir, 'xdg-cache'),
    xdgRuntime: path.join(runDir, 'xdg-runtime'),
    tmp: path.join(runDir, 'tmp'),
    browserProfile: path.join(runDir, 'chromium-profile'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(userSettings ?? {}) }, null, 2),
  );
  return dirs;
}

/** code-server's environment: the caller's (minus VS Code's own variables), home and XDG folders in the run. */
export function codeServerEnv(dirs: RunDirs, extra?: Record<string, string>): Record<string, string> {
  return {
    ...baseEnv(),
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    XDG_RUNTIME_DIR: dirs.xdgRuntime,
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{}',
    ...(extra ?? {}),
  };
}

export interface StartedCodeServer {
  child: cp.ChildProcess;
  port: number;
  /** `127.0.0.1:PORT`: the authority of `vscode-remote://` URIs. */
  authority: string;
  baseUrl: string;
  /** The last few KB of its output. */
  recentOutput: () => string;
}

export interface StartCodeServerOptions {
  install: CodeServerInstall;
  runDir: string;
  dirs: RunDirs;
  env: Record<string, string>;
  cwd: string;
  /** Each chunk of stdout/stderr. */
  onOutput?: (d: Buffer) => void;
  /** Called with each spawned process at once (for exit hooks). */
  onSpawn?: (child: cp.ChildProcess) => void;
  /** Races each wait (e.g. against a deadline); default: none. */
  race?: <T>(p: Promise<T>) => Promise<T>;
  /** Leave workspace trust on (default: `--disable-workspace-trust`). */
  workspaceTrust?: boolean;
}

/**
 * Starts code-server (auth none, on 127.0.0.1 and a free port; `detached`: its own process group, stop it
 * with `stopTree`) and waits until `/healthz` answers. Retries another port on `EADDRINUSE`.
 */
export async function startCodeServer(o: StartCodeServerOptions): Promise<StartedCodeServer> {
  const race = o.race ?? (<T>(p: Promise<T>) => p);
  const nodeBin = process.env.CODE_SERVER_NODE || process.execPath;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const cfg = path.join(o.runDir, 'config.yaml');
    fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const args = [
      o.install.entry,
      '--config', cfg,
      '--user-data-dir', o.dirs.userData,
      '--extensions-dir', o.dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--locale', 'en',
    ];
    const child = cp.spawn(nodeBin, args, {
      cwd: o.cwd,
      env: o.env,
      detached: true, // setsid(): own session + process group, stopped as a group
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    o.onSpawn?.(child);
    let recent = '';
    const onData = (d: Buffer) => {
      o.onOutput?.(d);
      recent = (recent + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exitedEarly = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
    const healthy = (async () => {
      while (child.exitCode === null && child.signalCode === null) {
        if ((await httpStatus(`http://127.0.0.1:${port}/healthz`, 1000)) === 200) return true;
        await sleep(100);
      }
      return false;
    })();
    let ok = false;
    try {
      ok = await race(Promise.race([healthy, exitedEarly.then(() => false)]));
    } catch (err) {
      await stopTree(child, 1000);
      throw err;
    }
    if (ok) {
      const authority = `127.0.0.1:${port}`;
      return { child, port, authority, baseUrl: `http://${authority}`, recentOutput: () => recent };
    }
    await stopTree(child, 1000);
    if (attempt >= 3 || !/EADDRINUSE/.test(recent)) {
      throw new HostRunError('CODE_SERVER_START', `code-server did not start:\n${recent.slice(-3000)}`);
    }
  }
}

/** The workbench URL: the folder, and development extensions / a test module as `vscode-remote://` URIs in the payload. */
export function workbenchUrl(baseUrl: string, workspace: string, extensionPaths: string[], testsPath?: string): string {
  const authority = new URL(baseUrl).host;
  const payload: Array<[string, string]> = extensionPaths.map((p) => ['extensionDevelopmentPath', remoteUri(authority, p)]);
  if (testsPath) payload.push(['extensionTestsPath', remoteUri(authority, testsPath)]);
  const query = new URLSearchParams({ folder: workspace });
  if (payload.length) query.set('payload', JSON.stringify(payload));
  return `${baseUrl}/?${query.toString()}`;
}

/** Debian's Chromium through Playwright: headless, a fresh profile in the run, no signal handlers of its own. */
export function launchChromium(
  dirs: Pick<RunDirs, 'browserProfile' | 'xdgRuntime' | 'tmp'>, viewport = { width: 1400, height: 900 },
): Promise<BrowserContext> {
  const browserHome = dirs.browserProfile;
  return chromium.launchPersistentContext(path.join(browserHome, 'profile'), {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: {
      ...baseEnv(),
      HOME: browserHome,
      XDG_CONFIG_HOME: path.join(browserHome, 'config'),
      XDG_CACHE_HOME: path.join(browserHome, 'cache'),
      XDG_DATA_HOME: path.join(browserHome, 'data'),
      XDG_RUNTIME_DIR: dirs.xdgRuntime,
      TMPDIR: dirs.tmp,
    },
    timeout: 60_000,
    // The caller's own SIGINT/SIGTERM handling cleans up everything in order.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

// ------------------------------------------------------------------ the run

/** Trust on, no trust prompt at start: a workspace never trusted before opens in Restricted Mode. */
const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

export async function runInCodeServer(opts: HostRunOptions): Promise<HostRunResult> {
  assertAbsolute('workspace', opts.workspace, 'dir');
  assertAbsolute('extensionPath', opts.extensionPath, 'dir');
  assertAbsolute('testsPath', opts.testsPath, 'any');
  for (const vsix of opts.installExtensions ?? []) assertAbsolute('installExtensions[]', vsix, 'file');
  if (opts.extensionPath && !fs.existsSync(path.join(opts.extensionPath, 'package.json'))) {
    throw new HostRunError('OPTIONS', `extensionPath has no package.json: ${opts.extensionPath}`);
  }
  if (!opts.testsPath && !opts.ui) throw new HostRunError('OPTIONS', 'give testsPath, ui, or both');
  if (!opts.extensionPath && !opts.installExtensions?.length) {
    throw new HostRunError('OPTIONS', 'give extensionPath or installExtensions');
  }

  const install = ensureCodeServer();
  const timeoutMs = opts.timeoutMs ?? (Number(process.env.VSCODE_TEST_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS);
  const started = Date.now();
  const logs: string[] = [];
  const prefix = opts.logPrefix === undefined ? '[ext-host] ' : opts.logPrefix;
  const logWaiters: Array<{ re: RegExp; resolve: (s: string) => void }> = [];
  const hostLog = (line: string) => {
    logs.push(line);
    if (prefix !== false) process.stdout.write(`${prefix}${line}\n`);
    for (let i = logWaiters.length - 1; i >= 0; i--) {
      const w = logWaiters[i];
      if (w && w.re.test(line)) {
        logWaiters.splice(i, 1);
        w.resolve(line);
      }
    }
  };

  // ---- per-run folder
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-'));
  const dirs = prepareRunDir(runDir, opts.untrustedWorkspace ? { ...UNTRUSTED_SETTINGS, ...opts.userSettings } : opts.userSettings);
  /** Created on first use; inside the run dir (so removed with it) unless screenshotsDir is given. */
  const screenshotsDir = opts.screenshotsDir ?? path.join(runDir, 'screenshots');
  const serverLogPath = path.join(runDir, 'code-server.log');
  const serverLog = fs.createWriteStream(serverLogPath);
  const browserLogPath = path.join(runDir, 'browser-console.log');
  const browserLog = fs.createWriteStream(browserLogPath);
  const verbose = process.env.VSCODE_TEST_VERBOSE === '1';

  const serverEnv = codeServerEnv(dirs, opts.env);
  const nodeBin = process.env.CODE_SERVER_NODE || process.execPath;
  const commonArgs = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

  // ---- cleanup stack and interruption
  const cleanups: Array<() => Promise<void> | void> = [];
  let server: cp.ChildProcess | undefined;
  const onExit = () => {
    if (server) killTreeSync(server);
  };
  process.on('exit', onExit);
  const interrupted = deferred<never>();
  const onSignal = (sig: NodeJS.Signals) => interrupted.reject(new HostRunError('INTERRUPTED', `interrupted by ${sig}`, logs));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const deadline = deferred<never>();
  const timer = setTimeout(
    () => deadline.reject(new HostRunError('TIMEOUT', `timed out after ${timeoutMs} ms`, logs)),
    timeoutMs,
  );
  /** Races `p` against the deadline, an interruption and (once started) code-server exiting. */
  const serverExit = deferred<never>();
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, deadline.promise, interrupted.promise, serverExit.promise]);

  let page: Page | undefined;
  let failed = true;
  try {
    // ---- extensions from .vsix
    if (opts.installExtensions?.length) {
      const args = [install.entry, ...commonArgs];
      for (const vsix of opts.installExtensions) args.push('--install-extension', vsix);
      const installer = runToEnd(nodeBin, args, serverEnv);
      cleanups.push(() => stopTree(installer.child, 1000));
      const out = await guard(installer.done);
      serverLog.write(`$ code-server --install-extension ...\n${out.output}\n`);
      if (out.code !== 0) {
        throw new HostRunError('EXTENSION_INSTALL', `code-server --install-extension exited with ${out.code}:\n${out.output}`, logs);
      }
      for (const line of out.output.split('\n')) if (line.trim()) note(`install-extension: ${line.trim()}`);
    }

    // ---- code-server
    cleanups.push(async () => {
      if (server) await stopTree(server);
    });
    const cs = await startCodeServer({
      install, runDir, dirs, env: serverEnv, cwd: opts.workspace, race: guard, workspaceTrust: opts.untrustedWorkspace,
      onSpawn: (child) => (server = child),
      onOutput: (d) => {
        serverLog.write(d);
        if (verbose) process.stderr.write(d);
      },
    });
    cs.child.once('exit', (code, sig) => {
      serverExit.reject(new HostRunError('CODE_SERVER_EXIT', `code-server exited (${code ?? sig}) during the run; see ${serverLogPath}\n${cs.recentOutput().slice(-2000)}`, logs));
    });
    const { baseUrl } = cs;
    note(`code-server ${install.version} on ${baseUrl} (pid ${cs.child.pid}), run dir ${runDir}`);

    // ---- stub development extension (vsix-only test runs: VS Code loads tests only with a dev extension)
    let devPath = opts.extensionPath;
    if (!devPath && opts.testsPath) {
      devPath = path.join(runDir, 'stub-extension');
      fs.mkdirSync(devPath);
      fs.writeFileSync(
        path.join(devPath, 'package.json'),
        JSON.stringify({ name: 'vscode-test-stub', publisher: 'vscode-test', version: '0.0.0', engines: { vscode: '*' } }),
      );
    }

    // ---- browser
    let context: BrowserContext;
    const launching = launchChromium(dirs, opts.viewport);
    launching.catch(() => undefined); // observed below; never an unhandled rejection
    // Registered before awaiting: a browser that comes up after a timeout is closed too.
    cleanups.push(() =>
      Promise.race([launching.then((c) => c.close()), sleepUnref(15_000)]).catch(() => undefined),
    );
    try {
      context = await guard(launching);
    } catch (err) {
      if (err instanceof HostRunError) throw err;
      throw new HostRunError('BROWSER', `Chromium did not start: ${(err as Error).message}`, logs, { cause: err });
    }
    const p = context.pages()[0] ?? (await context.newPage());
    page = p;

    const exitCode = deferred<number>();
    await p.exposeBinding('codeAutomationExit', (_src, code: unknown) => {
      const n = Number(code);
      exitCode.resolve(Number.isInteger(n) ? n : 1);
    });
    await p.exposeBinding('codeAutomationLog', (_src, type: unknown, args: unknown) => {
      const text = formatLogArgs(args);
      if (WORKBENCH_NOISE.some((re) => re.test(text))) {
        browserLog.write(`[workbench ${String(type)}] ${text}\n`);
        return;
      }
      const level = type === 'info' || type === 'log' || type === undefined ? '' : `[${String(type)}] `;
      for (const line of text.split(/\r?\n/)) hostLog(level + line);
    });
    const pageGone = deferred<never>();
    p.on('crash', () => pageGone.reject(new HostRunError('BROWSER', 'the workbench page crashed', logs)));
    // Without a test payload, VS Code forwards the extension host's console to the
    // page console as console.<level>('%c[Extension Host] %c' + fmt, css, css, ...args).
    let consoleChain = Promise.resolve();
    p.on('console', (msg) => {
      const text = msg.text();
      browserLog.write(`[${msg.type()}] ${text}\n`);
      if (verbose) process.stderr.write(`[browser] ${text}\n`);
      if (opts.testsPath || !text.startsWith('%c[Extension Host] ')) return;
      const level = msg.type() === 'log' || msg.type() === 'info' ? '' : `[${msg.type()}] `;
      consoleChain = consoleChain.then(async () => {
        const values = await Promise.all(msg.args().map((h) => h.jsonValue().catch(() => '[unserializable]')));
        const first = typeof values[0] === 'string' ? values[0] : text;
        const cssArgs = (first.match(/%c/g) ?? []).length;
        const fmt = first
          .replace(/^%c\[Extension Host\] %c/, '')
          .replace(/ %c\(at [^]*\)$/, '')
          .replace(/%c/g, '');
        const line = util.format(fmt, ...(values.slice(1 + cssArgs) as unknown[]));
        for (const l of line.split(/\r?\n/)) hostLog(level + l);
      });
    });
    p.on('pageerror', (err) => browserLog.write(`[pageerror] ${err.stack ?? err.message}\n`));

    const url = workbenchUrl(baseUrl, opts.workspace, devPath ? [devPath] : [], opts.testsPath);

    try {
      await guard(p.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 }));
    } catch (err) {
      if (err instanceof HostRunError) throw err;
      throw new HostRunError('WORKBENCH', `could not open ${url}: ${(err as Error).message}`, logs, { cause: err });
    }

    const screenshot = async (name: string): Promise<string> => {
      fs.mkdirSync(screenshotsDir, { recursive: true });
      const file = path.join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
      await p.screenshot({ path: file });
      return file;
    };

    // ---- ui script (after the workbench is ready) and/or the test exit code
    const uiLog = (s: string) => {
      logs.push(`[ui] ${s}`);
      process.stdout.write(`[ui] ${s}\n`);
    };
    const waitForLog = (pattern: string | RegExp, waitMs = 30_000): Promise<string> => {
      const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
      const hit = logs.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise<string>((resolve, reject) => {
        const w = { re, resolve: (s: string) => { clearTimeout(t); resolve(s); } };
        const t = setTimeout(() => {
          const i = logWaiters.indexOf(w);
          if (i >= 0) logWaiters.splice(i, 1);
          reject(new Error(`no extension-host log line matched ${re} within ${waitMs} ms`));
        }, waitMs);
        logWaiters.push(w);
      });
    };

    let uiDone: Promise<void> | undefined;
    if (opts.ui) {
      const ui = opts.ui;
      uiDone = (async () => {
        try {
          await waitForWorkbench(p, Math.max(1000, timeoutMs - (Date.now() - started)));
        } catch (err) {
          throw new HostRunError('WORKBENCH', `the workbench did not become ready: ${(err as Error).message}`, logs, { cause: err });
        }
        try {
          await ui(p, { baseUrl, log: uiLog, screenshot, waitForLog, hostLogs: logs, runDir });
        } catch (err) {
          throw new HostRunError('UI', `ui script failed: ${(err as Error).message}`, logs, { cause: err });
        }
      })();
      uiDone.catch(() => undefined);
    }

    const races = [deadline.promise, interrupted.promise, serverExit.promise, pageGone.promise];
    let code = 0;
    if (opts.testsPath) {
      // A failing ui script ends a combined run at once; a finished one just waits for the tests.
      const uiFailure = uiDone ? uiDone.then(() => new Promise<never>(() => undefined)) : new Promise<never>(() => undefined);
      code = await Promise.race([exitCode.promise, uiFailure, ...races]);
      if (uiDone) await Promise.race([uiDone, ...races]);
    } else if (uiDone) {
      await Promise.race([uiDone, ...races]);
    }
    failed = code !== 0;
    if (failed && opts.screenshotsDir && !p.isClosed()) {
      await Promise.race([screenshot('failure').catch(() => undefined), sleepUnref(5000)]);
    }
    note(`finished with exit code ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { exitCode: code, logs };
  } catch (err) {
    if (page && !page.isClosed()) {
      try {
        fs.mkdirSync(screenshotsDir, { recursive: true });
        const file = path.join(screenshotsDir, 'failure.png');
        await Promise.race([page.screenshot({ path: file }), sleepUnref(5000)]);
        if (fs.existsSync(file)) note(`screenshot of the failure: ${file}`);
      } catch {
        /* best effort */
      }
    }
    const tail = readTail(serverLogPath, 1500);
    if (tail && !(err instanceof HostRunError && (err.code === 'UI' || err.code === 'OPTIONS'))) {
      note(`code-server log tail (${serverLogPath}):\n${tail}`);
    }
    if (err instanceof HostRunError) throw err;
    throw new HostRunError('WORKBENCH', (err as Error)?.message ?? String(err), logs, { cause: err });
  } finally {
    clearTimeout(timer);
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        note(`cleanup: ${(err as Error).message}`);
      }
    }
    server = undefined;
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await new Promise<void>((r) => serverLog.end(() => r()));
    await new Promise<void>((r) => browserLog.end(() => r()));
    const leaked = opts.secrets?.length ? checkSecrets(runDir, dirs, opts.workspace, opts.secrets, note) : undefined;
    const keep = opts.keepRunDir || process.env.VSCODE_TEST_KEEP_RUN_DIR === '1' || leaked !== undefined;
    if (keep) note(`kept run dir ${runDir}${failed || leaked ? ' (run failed)' : ''}`);
    else fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    if (leaked) throw leaked;
  }
}

/** Scans what the run left for the passwords; the error to fail the run with, if any is found. */
function checkSecrets(runDir: string, dirs: RunDirs, workspace: string, secrets: string[], note: (s: string) => void): HostRunError | undefined {
  const scan = scanForSecrets([runDir, workspace], secrets, file => file.startsWith(dirs.browserProfile + path.sep));
  note(`secrets: ${secrets.length} passwords, ${scan.files} files (${(scan.bytes / 1048576).toFixed(1)} MiB) of logs, settings and storage: ${scan.hits.length} hits`);
  if (scan.hits.length === 0) return undefined;
  const where = scan.hits.map(h => `password #${h.secret + 1} in ${path.relative(runDir, h.file)}`).join('; ');
  return new HostRunError('SECRETS', `a password was found outside SecretStorage: ${where}`);
}

/** The workbench is usable: activity bar, status bar and the explorer/sidebar are on screen. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench .part.activitybar', { state: 'visible', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { state: 'visible', timeout: timeoutMs });
}

function readTail(file: string, chars: number): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-chars).trim();
  } catch {
    return '';
  }
}

function runToEnd(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): { child: cp.ChildProcess; done: Promise<{ code: number; output: string }> } {
  const child = cp.spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const done = new Promise<{ code: number; output: string }>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), output: output.trim() }));
  });
  return { child, done };
}
