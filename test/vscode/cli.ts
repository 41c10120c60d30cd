#!/usr/bin/env node
/**
 * node out/test/vscode/cli.js --extension DIR --tests FILE --workspace DIR [options]
 *
 * Runs the extension's mocha suite in a real extension host and exits with its
 * code: 0 all passed, 1 tests failed (the suite's code), 2 the host could not
 * run them (install, start, timeout...), 64 bad usage.
 *
 * Host: --host or env FXP_TEST_HOST = code-server (default) | electron.
 */
import * as path from 'node:path';
import { HostRunError, runInCodeServer } from './runner';

const USAGE = `usage: cli.js --extension DIR --tests FILE --workspace DIR [options]
  --extension DIR          extension under test (package.json, built bundle)
  --tests FILE             compiled suite module exporting run(): Promise<void>
  --workspace DIR          folder opened in the workbench
  --screenshots DIR        where failure.png goes (code-server host)
  --install-extension VSIX install a .vsix first (repeatable; code-server host)
  --timeout MS             whole run (default 180000)
  --grep TEXT              only tests whose title matches (env MOCHA_GREP in the host)
  --env KEY=VALUE          extra environment for the extension host (repeatable)
  --host code-server|electron   default: env FXP_TEST_HOST or code-server
  --keep                   keep the per-run folder (code-server host)
  --secrets-env NAME       env NAME holds a JSON array of passwords that no file the run leaves may contain
                           (logs, settings, storage; code-server host): a hit fails the run
Relative paths are resolved against the current directory.`;

interface CliArgs {
  extension?: string;
  tests?: string;
  workspace?: string;
  screenshots?: string;
  installExtensions: string[];
  timeout?: number;
  env: Record<string, string>;
  host: string;
  keep: boolean;
  secrets?: string[];
}

class UsageError extends Error {}

function parse(argv: string[]): CliArgs {
  const out: CliArgs = { installExtensions: [], env: {}, host: process.env.FXP_TEST_HOST || 'code-server', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--extension': out.extension = path.resolve(value()); break;
      case '--tests': out.tests = path.resolve(value()); break;
      case '--workspace': out.workspace = path.resolve(value()); break;
      case '--screenshots': out.screenshots = path.resolve(value()); break;
      case '--install-extension': out.installExtensions.push(path.resolve(value())); break;
      case '--timeout': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0) throw new UsageError('--timeout needs a positive number of ms');
        out.timeout = n;
        break;
      }
      case '--grep': out.env.MOCHA_GREP = value(); break;
      case '--env': {
        const kv = value();
        const k = kv.indexOf('=');
        if (k <= 0) throw new UsageError(`--env needs KEY=VALUE, got ${kv}`);
        out.env[kv.slice(0, k)] = kv.slice(k + 1);
        break;
      }
      case '--host': out.host = value(); break;
      case '--keep': out.keep = true; break;
      case '--secrets-env': {
        const name = value();
        const list = JSON.parse(process.env[name] ?? 'null') as unknown;
        if (!Array.isArray(list) || !list.every(x => typeof x === 'string')) throw new UsageError(`--secrets-env: env ${name} is not a JSON array of strings`);
        out.secrets = list;
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${raw}`);
    }
  }
  if (!out.tests) throw new UsageError('--tests is required');
  if (!out.workspace) throw new UsageError('--workspace is required');
  if (!out.extension && out.installExtensions.length === 0) throw new UsageError('--extension (or --install-extension) is required');
  return out;
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 64;
    }
    throw err;
  }
  // Forward mocha knobs set on the command line's environment to the extension host.
  for (const k of ['MOCHA_GREP', 'MOCHA_TIMEOUT', 'MOCHA_INVERT', 'MOCHA_BAIL', 'FORCE_COLOR']) {
    const v = process.env[k];
    if (v !== undefined && args.env[k] === undefined) args.env[k] = v;
  }

  if (args.host === 'electron') {
    if (!args.extension) {
      process.stderr.write('--host electron needs --extension\n');
      return 64;
    }
    const { runInElectron } = await import('./electron');
    const { exitCode } = await runInElectron({
      extensionPath: args.extension,
      testsPath: args.tests as string,
      workspace: args.workspace as string,
      env: args.env,
    });
    return exitCode;
  }
  if (args.host !== 'code-server') {
    process.stderr.write(`unknown host "${args.host}" (code-server | electron)\n`);
    return 64;
  }
  const { exitCode } = await runInCodeServer({
    ...(args.extension ? { extensionPath: args.extension } : {}),
    testsPath: args.tests as string,
    workspace: args.workspace as string,
    env: args.env,
    ...(args.screenshots ? { screenshotsDir: args.screenshots } : {}),
    ...(args.timeout ? { timeoutMs: args.timeout } : {}),
    installExtensions: args.installExtensions,
    keepRunDir: args.keep,
    ...(args.secrets ? { secrets: args.secrets } : {}),
  });
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof HostRunError) process.stderr.write(`[vscode-test] ${err.code}: ${err.message}\n`);
    else process.stderr.write(`[vscode-test] ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = err instanceof HostRunError && err.code === 'INTERRUPTED' ? 130 : 2;
  },
);
