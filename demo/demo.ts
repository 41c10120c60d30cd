/**
 * The demo's world: two in-process FTP servers (test/ftpd) on two loopback addresses, FXP allowed, with
 * sample folders and one big file, and a workspace whose `.vscode/settings.json` names them as a site pair.
 * Passwords are random per run and never written to a file: they reach VS Code only through the
 * environment of the process the demo starts (see helper/extension.js). No `vscode` here.
 */
import { randomBytes } from 'crypto';
import { mkdirSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'fs';
import { createServer } from 'net';
import { dirname, join } from 'path';
import { startFtpd, type FtpdServer } from '../test/ftpd/server';

export const DEMO_USER = 'demo';
export const DEMO_PAIR = 'Demo: Site A ⇄ Site B';
/** The environment variable the helper extension reads: JSON {@link DemoEnv}. */
export const DEMO_ENV = 'FXP_DEMO';

export interface DemoSite {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The folder served as `/`. */
  root: string;
}

/** What the helper extension gets (through {@link DEMO_ENV}). */
export interface DemoEnv {
  pair: string;
  sites: Array<Pick<DemoSite, 'name' | 'host' | 'port' | 'user' | 'password'>>;
  /** Opened in the editor (markdown preview), relative to the workspace. */
  open?: string;
}

export interface DemoOptions {
  /** Where sites, workspace and the editor's profile go (git-ignored). */
  dir: string;
  /** Size of the big sample file in MB (sparse: costs no disk on Site A). Default 300. */
  bigFileMB?: number;
  /** Throttle each server's data connections to this many MB/s so progress is visible; 0 = full speed. Default 40. */
  rateMBps?: number;
  /** The server's protocol transcript, one line each. */
  transcript?: (line: string) => void;
}

export interface DemoServers {
  sites: [DemoSite, DemoSite];
  /** The folder opened in VS Code. */
  workspace: string;
  /** The name of the big file in Site A's `/releases`. */
  bigFile: string;
  /** Environment for the VS Code process (passwords for the helper extension). */
  env: Record<string, string>;
  /** Where a site's FTP path is on disk. */
  diskPath(site: DemoSite, ftpPath: string): string;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;

/** 127.0.0.2 and 127.0.0.3 where the system routes all of 127/8 to loopback (Linux), else 127.0.0.1 twice. */
export async function loopbackHosts(): Promise<[string, string]> {
  const usable = (host: string) => new Promise<boolean>(resolve => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, host, () => probe.close(() => resolve(true)));
  });
  return (await usable('127.0.0.2')) && (await usable('127.0.0.3')) ? ['127.0.0.2', '127.0.0.3'] : ['127.0.0.1', '127.0.0.1'];
}

function put(root: string, ftpPath: string, data: Buffer | string): void {
  const file = join(root, ftpPath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

/** A file of `bytes` zero bytes that takes no disk space until written. */
function sparseFile(file: string, bytes: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** Sample folders: Site A has something to send, Site B a little of its own. */
function fillSites(a: string, b: string, bigFile: string, bigBytes: number, icon: string | undefined): void {
  sparseFile(join(a, 'releases', bigFile), bigBytes);
  put(a, 'releases/RELEASE-NOTES.txt', `FXP demo release\n\n${bigFile}: ${bigBytes / MB} MB of zeros (a sparse file), to watch the progress of a server-to-server copy.\n`);
  for (let i = 1; i <= 6; i++) put(a, `photos/2024-summer/IMG_${String(i).padStart(4, '0')}.jpg`, randomBytes(150_000 + i * 40_000));
  put(a, 'photos/2024-summer/captions.txt', 'IMG_0001 harbour at dawn\nIMG_0002 ferry\nIMG_0003 lighthouse\n');
  put(a, 'website/index.html', '<!doctype html>\n<title>Demo site</title>\n<h1>Served from Site A</h1>\n<img src="img/logo.png" alt="">\n');
  put(a, 'website/style.css', 'body { font-family: sans-serif; margin: 2rem; }\n');
  if (icon && existsSync(icon)) {
    mkdirSync(join(a, 'website', 'img'), { recursive: true });
    copyFileSync(icon, join(a, 'website', 'img', 'logo.png'));
  }
  put(a, 'notes.txt', 'Drag me onto Site B.\n');
  mkdirSync(join(b, 'incoming'), { recursive: true });
  put(b, 'backup/2023-website.tar.gz', randomBytes(2 * MB));
  put(b, 'welcome.txt', 'This is Site B. Files dragged here from Site A go server to server (FXP).\n');
}

function demoReadme(sites: [DemoSite, DemoSite], bigFile: string): string {
  const [a, b] = sites;
  return `# FXP demo

Two FTP servers run on this machine for the demo (the project's in-process server, FXP allowed):

| view | site | address |
|---|---|---|
| Site A | \`${a.name}\` | \`ftp://${a.user}@${a.host}:${a.port}\` |
| Site B | \`${b.name}\` | \`ftp://${b.user}@${b.host}:${b.port}\` |

Their passwords are pre-filled for this session only (not in settings, not in the secret storage).

1. In the **FXP** views on the left, drag \`releases/${bigFile}\` from **Site A** onto **Site B**.
   The file goes from one server straight to the other; the notification shows the progress
   (the demo servers are throttled so you can see it).
2. Drag a folder (\`photos\`): the whole tree is copied, file by file, server to server.
3. Drag the same file again: FXP asks whether to overwrite or skip it (or resume a partial copy).
4. **FXP: Show Log** (view menu \`…\`) shows every command and reply, passwords masked.
5. **FXP: Diagnose Site Pair** tries both directions and both orientations and says what works.

The sites and the pair are in [.vscode/settings.json](.vscode/settings.json) (\`fxp.sites\`, \`fxp.sitePairs\`).
Stop the demo with Ctrl-C in its terminal.
`;
}

/** Starts the two servers and writes the workspace. `stop()` closes the servers (the files stay until the next run). */
export async function startDemoServers(opts: DemoOptions & { icon?: string }): Promise<DemoServers> {
  const bigMB = opts.bigFileMB ?? 300;
  const rate = opts.rateMBps ?? 40;
  const bigFile = `fxp-demo-${bigMB}MB.iso`;
  const sitesDir = join(opts.dir, 'sites');
  const workspace = join(opts.dir, 'workspace');
  rmSync(sitesDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
  const roots = [join(sitesDir, 'site-a'), join(sitesDir, 'site-b')] as const;
  for (const root of roots) mkdirSync(root, { recursive: true });
  fillSites(roots[0], roots[1], bigFile, bigMB * MB, opts.icon);

  const hosts = await loopbackHosts();
  const servers: FtpdServer[] = [];
  const stop = async () => {
    await Promise.all(servers.splice(0).map(s => s.close()));
  };
  try {
    const sites = [] as unknown as [DemoSite, DemoSite];
    for (const [i, name] of (['demo-a', 'demo-b'] as const).entries()) {
      const password = randomBytes(12).toString('base64url');
      const host = hosts[i]!;
      const root = roots[i]!;
      const server = await startFtpd({
        host, port: 0, root, users: { [DEMO_USER]: password }, allowFxp: true,
        faults: rate > 0 ? { rateBytesPerSec: rate * MB } : {},
        log: opts.transcript ? line => opts.transcript!(`${name} ${line}`) : undefined,
      });
      servers.push(server);
      sites.push({ name, host, port: server.port, user: DEMO_USER, password, root });
    }

    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    const settings = {
      'fxp.sites': sites.map(s => ({ name: s.name, host: s.host, port: s.port, user: s.user })),
      'fxp.sitePairs': [{ name: DEMO_PAIR, siteA: sites[0].name, siteB: sites[1].name, folderA: '/', folderB: '/', relay: 'never' }],
    };
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
    writeFileSync(join(workspace, 'DEMO.md'), demoReadme(sites, bigFile));

    const env: DemoEnv = {
      pair: DEMO_PAIR,
      sites: sites.map(({ name, host, port, user, password }) => ({ name, host, port, user, password })),
      open: 'DEMO.md',
    };
    return {
      sites, workspace, bigFile, stop,
      env: { [DEMO_ENV]: JSON.stringify(env) },
      diskPath: (site, ftpPath) => join(site.root, ...ftpPath.split('/').filter(Boolean)),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
