/**
 * npm run test:vsix   (after npm run package)
 *
 * Checks that the .vsix holds only what runs (no sources, tests or source maps), then installs it into
 * code-server with --install-extension and runs installed.spec.js in its extension host: the installed
 * copy, not this checkout, activates and registers its commands.
 */
import * as assert from 'assert';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, posix } from 'path';
import { inflateRawSync } from 'zlib';
import { runInCodeServer } from '../../vscode/runner';

/** Names and contents of the entries of a zip file (central directory; stored or deflated entries). */
export function readZip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${file} is a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.strictEqual(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    entries.set(name, method === 8 ? inflateRawSync(raw) : raw);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The files under media/ the extension uses: every `media/...` string in package.json (icons, walkthrough
 * media), and the images the walkthrough's markdown files show (relative links).
 */
export function manifestMedia(repo: string): string[] {
  const media = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string' && v.startsWith('media/')) media.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')));
  for (const file of [...media].filter(f => f.endsWith('.md'))) {
    const dir = posix.dirname(file);
    for (const [, link] of readFileSync(join(repo, file), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/.test(link!)) media.add(posix.normalize(posix.join(dir, link!)));
    }
  }
  return [...media].sort();
}

async function main(): Promise<number> {
  const repo = join(__dirname, '..', '..', '..', '..');
  const vsix = join(repo, 'dist', 'fxp-vscode.vsix');
  const entries = readZip(vsix);
  const names = [...entries.keys()].filter(n => n.startsWith('extension/')).sort();
  // Only what runs: the bundle, the manifest, README, LICENSE, CHANGELOG, and the media package.json uses
  // (icons, walkthrough). No sources, tests, maps, CLI, node_modules or README screenshots.
  const expected = ['dist/extension.js', 'package.json', 'readme.md', 'LICENSE.txt', 'changelog.md', ...manifestMedia(repo)]
    .map(n => `extension/${n}`).sort();
  assert.deepStrictEqual(names, expected);
  const readme = entries.get('extension/readme.md')!.toString('utf8');
  for (const [, link] of readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) assert.match(link!, /^https:\/\//, 'README images point to the repository');
  const bundle = entries.get('extension/dist/extension.js')!.toString('utf8');
  assert.doesNotMatch(bundle, /sourceMappingURL/, 'no source map reference in the bundle');
  assert.match(bundle, /require\("vscode"\)/, 'vscode stays external');
  process.stdout.write(`[vsix] ${vsix}: ${names.join(', ')}\n`);

  const workspace = mkdtempSync(join(tmpdir(), 'fxp-vsix-ws-'));
  try {
    const { exitCode } = await runInCodeServer({
      installExtensions: [vsix],
      testsPath: join(__dirname, 'index.js'),
      workspace,
      env: { FXP_CHECKOUT: repo },
      screenshotsDir: join(repo, 'test-results', 'vsix'),
    });
    return exitCode;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(code => process.exit(code), err => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  });
}
