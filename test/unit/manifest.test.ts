import * as assert from 'assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { CONTAINER, CONTEXT_KEYS, EXTENSION_ID } from '../../src/constants';
import { manifestMedia } from '../suite/vsix/launch';
import { CODE_SERVER_VERSION } from '../vscode/runner';

const root = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const commands = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; altText?: string };
  completionEvents?: string[];
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file);
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('package.json: marketplace metadata, activation, walkthrough', () => {
  it('names publisher, display name, description, categories, keywords, repository and license', () => {
    assert.strictEqual(`${pkg.publisher}.${pkg.name}`, EXTENSION_ID);
    for (const field of ['displayName', 'description', 'version']) assert.ok(pkg[field]?.trim(), field);
    assert.ok(pkg.categories.length > 0);
    assert.ok(pkg.keywords.length > 0 && pkg.keywords.length <= 30, 'vsce allows at most 30 keywords');
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.strictEqual(pkg.license, 'MIT');
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  });

  it('has a CHANGELOG entry for its version', () => {
    assert.match(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\]`, 'm'));
  });

  it('has a 128x128 PNG icon (the marketplace takes no SVG)', () => {
    assert.match(pkg.icon, /\.png$/);
    assert.deepStrictEqual(pngSize(join(root, pkg.icon)), { width: 128, height: 128 });
  });

  it('asks for the oldest VS Code the tests run on (code-server 4.X.Y is VS Code 1.X.Y), and @types/vscode no newer', () => {
    const oldest = /^\^1\.(\d+)\.0$/.exec(pkg.engines.vscode);
    assert.ok(oldest, `engines.vscode is ^1.N.0: ${pkg.engines.vscode}`);
    assert.strictEqual(oldest[1], CODE_SERVER_VERSION.split('.')[1], `engines.vscode ${pkg.engines.vscode}, tests on code-server ${CODE_SERVER_VERSION}`);
    const types = /(\d+)\.(\d+)/.exec(pkg.devDependencies['@types/vscode'])!;
    assert.ok(Number(types[2]) <= Number(oldest[1]), '@types/vscode may not be newer than engines.vscode (vsce refuses)');
  });

  it('activates only on its views and commands: no "*", no startup events', () => {
    // From engines.vscode >= 1.74, VS Code derives onView/onCommand events from the contributions.
    for (const event of pkg.activationEvents ?? []) assert.match(event, /^on(View|Command):fxp\./, event);
  });

  describe('walkthrough', () => {
    const walkthroughs: Array<{ id: string; title: string; description: string; steps: Step[] }> = pkg.contributes.walkthroughs;
    const steps = walkthroughs.flatMap(w => w.steps);

    it('has one walkthrough: add a site, open a pair, drag, read the log, diagnose', () => {
      assert.strictEqual(walkthroughs.length, 1);
      assert.deepStrictEqual(steps.map(s => s.id), ['addSite', 'openPair', 'drag', 'log', 'diagnose']);
    });

    it('links only contributed commands and the FXP view container', () => {
      for (const step of steps) {
        const links = [...step.description.matchAll(/\(command:([\w.]+)/g)].map(m => m[1]!);
        assert.ok(links.length > 0, `${step.id} has a button`);
        for (const id of links) assert.ok(commands.has(id) || id === `workbench.view.extension.${CONTAINER}`, `${step.id}: ${id}`);
      }
    });

    it('completes on contributed commands and context keys of the constants module', () => {
      const keys = new Set<string>(Object.values(CONTEXT_KEYS));
      for (const event of steps.flatMap(s => s.completionEvents ?? [])) {
        const [kind, id] = event.split(/:(.*)/s) as [string, string];
        if (kind === 'onCommand') assert.ok(commands.has(id), event);
        else if (kind === 'onContext') assert.ok(keys.has(id), event);
        else assert.fail(`unexpected completion event ${event}`);
      }
    });

    it('has its media in media/walkthrough/, every file there used', () => {
      for (const s of steps) if (s.media.image) assert.ok(s.media.altText, `${s.id}: altText`);
      const used = manifestMedia(root).filter(f => f.startsWith('media/walkthrough/'));
      for (const step of steps) assert.ok(used.includes((step.media.markdown ?? step.media.image)!), step.id);
      for (const file of used) assert.ok(existsSync(join(root, file)), file);
      assert.deepStrictEqual(readdirSync(join(root, 'media', 'walkthrough')).map(f => `media/walkthrough/${f}`).sort(), used);
    });
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('starts with the two commands: try it, test it', () => {
    const firstBlock = /```sh\n([^]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstBlock, /^npm run demo\b/m);
    assert.match(firstBlock, /^npm test\b/m);
  });

  it('shows pictures that exist, under 1 MB together', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map(m => m[1]!);
    assert.ok(images.some(i => i.endsWith('.gif')), 'an animated image of a drag');
    let total = 0;
    for (const image of images) {
      assert.ok(existsSync(join(root, image)), image);
      total += statSync(join(root, image)).size;
    }
    assert.ok(total < 1024 * 1024, `${total} bytes`);
  });
});
