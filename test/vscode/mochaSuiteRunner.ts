/**
 * Runs a mocha suite inside a VS Code extension host (desktop via
 * @vscode/test-electron, or code-server via ./runner). Implements the `run()`
 * that `extensionTestsPath` modules export:
 *
 *   // out/test/integration/index.js
 *   import { runMochaSuite } from '../vscode/mochaSuiteRunner';
 *   export const run = () => runMochaSuite({ root: __dirname, files: '**\/*.test.js' });
 *
 * Node built-ins only (plus mocha itself, resolved from this file's location).
 * Environment knobs, read in the extension host: MOCHA_GREP, MOCHA_TIMEOUT,
 * MOCHA_INVERT=1, MOCHA_BAIL=1 (the CLI forwards them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

type MochaCtor = typeof import('mocha');
type MochaInstance = InstanceType<MochaCtor>;
type MochaOptions = NonNullable<ConstructorParameters<MochaCtor>[0]>;

export interface MochaSuiteOptions {
  /** Folder the patterns are relative to (usually `__dirname` of the suite's index.js). */
  root: string;
  /** Glob patterns relative to `root` (`*`, `**`, `?`, `{a,b}`) or absolute file paths. */
  files: string | readonly string[];
  /** Per-test timeout in ms. Default: env MOCHA_TIMEOUT or 20000. */
  timeout?: number;
  /** Only run tests whose full title matches. Default: env MOCHA_GREP. */
  grep?: string | RegExp;
  ui?: 'bdd' | 'tdd';
  /** ANSI colours in the reporter output. Default: env FORCE_COLOR set and not 0. */
  color?: boolean;
  reporter?: string;
  retries?: number;
  /** Anything else for `new Mocha(...)`; wins over the fields above. */
  mochaOptions?: MochaOptions;
  /** Fail when no file matches (default true: a wrong glob must not look like a pass). */
  failIfNoFiles?: boolean;
}

export class MochaSuiteError extends Error {
  constructor(
    readonly code: 'TESTS_FAILED' | 'NO_TEST_FILES',
    message: string,
    readonly failures = 0,
  ) {
    super(message);
    this.name = 'MochaSuiteError';
  }
}

/**
 * mocha 11+ is ESM ("type": "module"). On node >= 20.19 / 22.12 `require()` of
 * it works and gives a namespace with `default`; on older extension hosts
 * (e.g. Electron with node 20.18) fall back to a real dynamic import().
 */
async function loadMocha(): Promise<MochaCtor> {
  type Mod = { default?: MochaCtor; Mocha?: MochaCtor } | MochaCtor;
  let mod: Mod;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('mocha') as Mod;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    // tsc would turn `import()` into `require()` under module=commonjs.
    const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<Mod>;
    mod = await dynamicImport(pathToFileURL(require.resolve('mocha')).href);
  }
  const ctor = typeof mod === 'function' ? mod : (mod.default ?? mod.Mocha);
  if (typeof ctor !== 'function') {
    throw new Error('could not load the Mocha constructor from the "mocha" package');
  }
  return ctor;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export async function runMochaSuite(opts: MochaSuiteOptions): Promise<void> {
  const Mocha = await loadMocha();
  const grep = opts.grep ?? (process.env.MOCHA_GREP || undefined);
  const mochaOpts: MochaOptions = {
    ui: opts.ui ?? 'bdd',
    timeout: opts.timeout ?? envNumber('MOCHA_TIMEOUT') ?? 20_000,
    color: opts.color ?? (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0'),
    reporter: opts.reporter ?? 'spec',
    retries: opts.retries ?? 0,
    ...(grep !== undefined ? { grep } : {}),
    ...(process.env.MOCHA_INVERT === '1' ? { invert: true } : {}),
    ...(process.env.MOCHA_BAIL === '1' ? { bail: true } : {}),
    ...opts.mochaOptions,
  };
  const mocha: MochaInstance = new Mocha(mochaOpts);
  if (!mochaOpts.color) plainSymbols(Mocha);

  const files = findFiles(opts.root, typeof opts.files === 'string' ? [opts.files] : opts.files);
  if (files.length === 0 && opts.failIfNoFiles !== false) {
    throw new MochaSuiteError('NO_TEST_FILES', `no test files matched ${JSON.stringify(opts.files)} under ${opts.root}`);
  }
  for (const f of files) mocha.addFile(f);

  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run((n) => resolve(n));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  if (failures > 0) {
    throw new MochaSuiteError('TESTS_FAILED', `${failures} test${failures === 1 ? '' : 's'} failed`, failures);
  }
}

/** mocha 12 takes ✔/✖ from log-symbols, coloured whenever supports-color says so (e.g. CI=true), whatever `color` is. */
function plainSymbols(Mocha: MochaCtor): void {
  const base = (Mocha as unknown as { reporters?: { Base?: { symbols?: Record<string, unknown> } } }).reporters?.Base;
  const symbols = base?.symbols;
  if (!symbols) return;
  for (const [k, v] of Object.entries(symbols)) {
    if (typeof v === 'string') symbols[k] = v.replace(/\u001b\[[0-9;]*m/g, '');
  }
}

// ------------------------------------------------------------------ tiny glob

/** Files under `root` matching any pattern, sorted; absolute paths pass through if they exist. */
export function findFiles(root: string, patterns: readonly string[]): string[] {
  const found = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (path.isAbsolute(p) && !/[*?{]/.test(p)) {
      if (fs.existsSync(p)) found.add(path.normalize(p));
      continue;
    }
    const rel = path.isAbsolute(p) ? path.relative(root, p) : p;
    globs.push(globToRegExp(rel.split(path.sep).join('/')));
  }
  if (globs.length > 0) {
    for (const rel of walk(root, '')) {
      if (globs.some((g) => g.test(rel))) found.add(path.join(root, rel));
    }
  }
  return [...found].sort();
}

function* walk(root: string, rel: string): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, child);
    else if (e.isFile() || e.isSymbolicLink()) yield child;
  }
}

/** `**` any depth (incl. none), `*` and `?` within a segment, `{a,b}` alternatives. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') re += '[^/]';
    else if (c === '{') { re += '(?:'; inBraces++; }
    else if (c === '}' && inBraces > 0) { re += ')'; inBraces--; }
    else if (c === ',' && inBraces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
