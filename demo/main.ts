/**
 * npm run demo [-- --browser | --desktop | --headless] [--size MB] [--rate MBps] [--verbose]
 *
 * Two FTP servers of this project on loopback, a workspace naming them as a site pair, and VS Code opened on
 * it with FXP loaded: desktop `code` when it is on the PATH, else code-server in the browser (the URL is
 * printed). Ctrl-C stops everything the demo started. scripts/demo.mjs builds first and runs this.
 */
import { existsSync } from 'fs';
import { dirname, join } from 'path';
import { startDemoServers, type DemoServers, type DemoOptions } from './demo';
import { findOnPath, openInCodeServer, openInDesktop, type OpenEditor } from './editor';

export interface StartDemoOptions extends Partial<DemoOptions> {
  /** The FXP checkout; default: found above this file. */
  repo?: string;
  /** `auto`: desktop when `code` is on the PATH, else the browser. */
  editor?: 'auto' | 'desktop' | 'browser';
}

export interface Demo {
  servers: DemoServers;
  editor: OpenEditor;
  /** Stops the editor, then the servers. */
  stop(): Promise<void>;
}

/** The checkout: the first folder above `from` whose package.json is FXP's. */
export function findRepo(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'demo', 'helper', 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no FXP checkout above ${from}`);
  }
}

export async function startDemo(opts: StartDemoOptions = {}): Promise<Demo> {
  const repo = opts.repo ?? findRepo();
  const dir = opts.dir ?? join(repo, '.demo');
  if (!existsSync(join(repo, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const servers = await startDemoServers({ ...opts, dir, icon: join(repo, 'media', 'icon.png') });
  try {
    const code = opts.editor === 'browser' ? undefined : findOnPath(process.platform === 'win32' ? 'code.cmd' : 'code');
    if (opts.editor === 'desktop' && !code) throw new Error('`code` is not on the PATH (VS Code: "Shell Command: Install \'code\' command in PATH")');
    const editorOptions = { extension: repo, helper: join(repo, 'demo', 'helper'), workspace: servers.workspace, env: servers.env };
    const editor = code
      ? openInDesktop(code, { ...editorOptions, dir: join(dir, 'vscode-desktop') })
      : await openInCodeServer({ ...editorOptions, dir: join(dir, 'code-server') });
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= editor.stop().finally(() => servers.stop()));
    return { servers, editor, stop };
  } catch (err) {
    await servers.stop();
    throw err;
  }
}

const USAGE = `usage: npm run demo [-- --browser | --desktop | --headless] [--size MB] [--rate MBps] [--verbose]
  --browser    VS Code in the browser (code-server) even when \`code\` is on the PATH
  --desktop    desktop VS Code (\`code\` on the PATH)
  --headless   like --browser, prints only the URL line (for scripts and tests)
  --size MB    size of the big sample file (default 300)
  --rate MBps  throttle the demo servers so progress is visible (default 40; 0 = full speed)
  --verbose    print the servers' FTP transcript`;

function parseArgs(argv: string[]): StartDemoOptions & { headless: boolean; verbose: boolean } {
  const out: StartDemoOptions & { headless: boolean; verbose: boolean } = { editor: 'auto', headless: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const number = () => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${argv[i - 1]} wants a number`);
      return n;
    };
    switch (argv[i]) {
      case '--browser': out.editor = 'browser'; break;
      case '--desktop': out.editor = 'desktop'; break;
      case '--headless': out.editor = 'browser'; out.headless = true; break;
      case '--size': out.bigFileMB = number(); break;
      case '--rate': out.rateMBps = number(); break;
      case '--verbose': out.verbose = true; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0);
      default: throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  return out;
}

function describe(demo: Demo): string {
  const { sites, workspace, bigFile } = demo.servers;
  const lines = [
    '',
    'FXP demo',
    ...sites.map((s, i) => `  Site ${'AB'[i]}: ${s.name}  ftp://${s.user}@${s.host}:${s.port}/  (password ${s.password}, served from ${s.root})`),
    `  workspace: ${workspace}`,
    '',
  ];
  if (demo.editor.kind === 'browser') {
    lines.push('Open this URL in your browser (VS Code in the browser, code-server, on this machine only):', '', `  ${demo.editor.url}`, '');
    lines.push('  (from another machine: ssh -L PORT:127.0.0.1:PORT this-host, with the port of the URL)', '');
  } else {
    lines.push('VS Code opens in a new window (its own profile in .demo/vscode-desktop). Closing it ends the demo.', '');
  }
  lines.push(`Drag releases/${bigFile} from Site A onto Site B. The CLI works too:`);
  const [a, b] = sites;
  lines.push(`  FXP_PASSWORD=${a.password} node dist/cli.js ls ftp://${a.user}@${a.host}:${a.port}/releases/`);
  lines.push(`  FXP_SRC_PASSWORD=${a.password} FXP_DST_PASSWORD=${b.password} node dist/cli.js cp ftp://${a.user}@${a.host}:${a.port}/notes.txt ftp://${b.user}@${b.host}:${b.port}/incoming/`);
  lines.push('', 'Ctrl-C stops the demo (servers and editor).', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const transcript = args.verbose ? (line: string) => process.stderr.write(`[ftpd] ${line}\n`) : undefined;
  const demo = await startDemo({ ...args, transcript });
  let finished = false;
  const finish = async (why: string, code: number) => {
    if (finished) return;
    finished = true;
    process.stderr.write(`\n${why}: stopping the demo servers and the editor…\n`);
    await demo.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void finish('Ctrl-C', 0));
  process.on('SIGTERM', () => void finish('SIGTERM', 0));
  process.on('SIGHUP', () => void finish('SIGHUP', 0));
  if (args.headless) process.stdout.write(`DEMO_URL=${demo.editor.url}\n`);
  else process.stdout.write(describe(demo));
  await demo.editor.exited;
  await finish(demo.editor.kind === 'desktop' ? 'VS Code closed' : 'code-server exited', demo.editor.kind === 'desktop' ? 0 : 1);
}

if (require.main === module) {
  main().catch(err => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
