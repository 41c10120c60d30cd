/**
 * npm run test:demo        (node out/test/demo/demo.js [--update-media])
 *
 * Runs the demo as a user would get it (`startDemo`, the function behind `npm run demo -- --headless`): its
 * two FTP servers, its workspace, code-server with FXP and the demo helper. Opens the printed URL in
 * headless Chromium and checks that the pair opens without a password prompt, drags the big file from Site A
 * onto Site B and checks the bytes on Site B's disk, reads the FXP log (activation time, the copy by FXP, no
 * password), opens the walkthrough and checks that a drag completes its drag step. Screenshots go to
 * test-results/demo/.
 *
 * --update-media (npm run media): a 300 MB file, and the pictures: media/screenshots/demo.png (the pair open),
 * media/screenshots/drag.gif (the drag, the progress, the result; needs ImageMagick's `convert`), the
 * walkthrough's media/walkthrough/drag.png and the marketplace icon media/icon.png (media/fxp.svg on blue).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../demo/main';
import { launchChromium, waitForWorkbench } from '../vscode/runner';
import { findFile, waitForDisk } from '../ui/disk';
import { drag, notification, pane, pick, row, runCommand } from '../ui/workbench';

const repo = join(__dirname, '..', '..', '..');
const results = join(repo, 'test-results', 'demo');
const media = join(repo, 'media', 'screenshots');
const updateMedia = process.argv.includes('--update-media');
const VIEWPORT = { width: 1280, height: 760 };

function log(s: string): void {
  process.stdout.write(`[demo-test] ${s}\n`);
}

/** The file has `size` bytes, all zero (the demo's big file is sparse: zeros). */
function allZeros(file: string, size: number): boolean {
  if (!existsSync(file) || statSync(file).size !== size) return false;
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (let read; (read = readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
      if (chunk.subarray(0, read).some(b => b !== 0)) return false;
    }
  } finally {
    closeSync(fd);
  }
  return true;
}

/** media/icon.png: media/fxp.svg in white on a blue rounded square, 128x128, rendered by Chromium. */
async function renderIcon(context: BrowserContext, out: string): Promise<void> {
  const svg = readFileSync(join(repo, 'media', 'fxp.svg'), 'utf8').replace(/currentColor/g, '#ffffff').replace(/<!--[^]*?-->/g, '');
  const page = await context.newPage();
  try {
    await page.setViewportSize({ width: 128, height: 128 });
    await page.setContent(`<html><body style="margin:0;background:transparent">
      <div style="width:128px;height:128px;border-radius:24px;display:flex;align-items:center;justify-content:center;
        background:linear-gradient(135deg,#2b7de9 0%,#0b4fa8 100%)">
        <div style="width:100px;height:100px">${svg.replace('<svg ', '<svg style="width:100%;height:100%" ')}</div>
      </div></body></html>`);
    await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
  } finally {
    await page.close();
  }
}

/** Every frame -> one small animated GIF (palette per frame, only changed pixels after the first). */
function makeGif(frames: Array<{ file: string; delay: number }>, out: string): void {
  const args = ['-loop', '0'];
  for (const f of frames) args.push('-delay', String(f.delay), f.file);
  args.push('-resize', '960x', '-dither', 'None', '-colors', '96', '-layers', 'Optimize', out);
  const r = spawnSync('convert', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`convert failed (${r.status ?? r.error?.message}): ${r.stderr}\n(install ImageMagick: apt-get install imagemagick)`);
}

/** Drags the sash between the side bar and the editor so that names and sizes fit. */
async function widenSideBar(page: Page, width: number): Promise<void> {
  const side = await page.locator('.part.sidebar').boundingBox();
  if (!side) return;
  const y = side.y + side.height / 2;
  await page.mouse.move(side.x + side.width, y);
  await page.mouse.down();
  await page.mouse.move(side.x + width, y, { steps: 5 });
  await page.mouse.up();
}

async function run(page: Page, demo: Demo): Promise<void> {
  const { servers } = demo;
  const [a, b] = servers.sites;
  const shot = async (name: string) => {
    const file = join(results, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  await page.goto(demo.editor.url!, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await waitForWorkbench(page);
  log('the helper opens the pair: both sites listed, no password prompt');
  await row(page, 'Site A', 'releases').waitFor({ state: 'visible', timeout: 60_000 });
  await row(page, 'Site B', 'incoming').waitFor({ state: 'visible', timeout: 30_000 });
  assert.strictEqual(await page.locator('.quick-input-widget .quick-input-title', { hasText: /password/i }).count(), 0, 'no password prompt');
  assert.match(await pane(page, 'Site A').locator('.pane-header').innerText(), /demo-a/);
  assert.match(await pane(page, 'Site B').locator('.pane-header').innerText(), /demo-b/);
  if (updateMedia) await widenSideBar(page, 470);
  await row(page, 'Site A', 'releases').click();
  const big = row(page, 'Site A', servers.bigFile);
  await big.waitFor({ state: 'visible', timeout: 30_000 });
  await big.click();
  await page.waitForTimeout(updateMedia ? 1500 : 200); // the markdown preview settles
  const opened = await shot('01-pair-open');

  log(`drag ${servers.bigFile} from Site A onto Site B`);
  const size = statSync(servers.diskPath(a, `/releases/${servers.bigFile}`)).size;
  const target = pane(page, 'Site B').locator('.pane-body');
  const frames: Array<{ file: string; delay: number }> = [{ file: opened, delay: 200 }];
  await drag(page, big, target, 'center', async () => {
    frames.push({ file: await shot('02-dragging'), delay: 120 });
    const side = await page.locator('.part.sidebar').boundingBox();
    if (updateMedia && side) await page.screenshot({ path: join(repo, 'media', 'walkthrough', 'drag.png'), clip: side });
  });
  const copied = servers.diskPath(b, `/${servers.bigFile}`);
  const complete = () => existsSync(copied) && statSync(copied).size === size;
  await page.mouse.move(VIEWPORT.width * 0.7, VIEWPORT.height * 0.5); // no hover on the trees
  const progress = notification(page, /FXP: demo-a → demo-b/);
  await progress.waitFor({ state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(400); // the toast fades in
  if (updateMedia) {
    for (let i = 0; i < 6 && !complete(); i++) {
      frames.push({ file: await shot(`03-progress-${i}`), delay: 80 });
      await page.waitForTimeout(1000);
    }
  } else {
    await shot('03-progress');
  }
  await waitForDisk(`${servers.bigFile} complete on Site B's disk`, complete, 120_000);
  await row(page, 'Site B', servers.bigFile).waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('.part.statusbar', { hasText: /Copied 1 file/ }).waitFor({ state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(400);
  frames.push({ file: await shot('04-copied'), delay: 400 });
  assert.ok(allZeros(copied, size), 'Site B holds the same bytes as Site A (the sparse file: zeros)');

  log('the FXP log: activation time, the copy by FXP, no password');
  const logFile = findFile(join(demo.servers.workspace, '..', 'code-server', 'user-data', 'logs'), /FXP\.log$/);
  assert.ok(logFile, 'the FXP output channel writes a log file');
  const text = readFileSync(logFile, 'utf8');
  const activated = /FXP \d+\.\d+\.\d+ activated in ([\d.]+) ms/.exec(text);
  assert.ok(activated, 'the activation time is in the log');
  log(`activation: ${activated[1]} ms`);
  assert.ok(Number(activated[1]) < 1000, `activation took ${activated[1]} ms`);
  const name = servers.bigFile.replace(/\./g, '\\.');
  assert.match(text, new RegExp(`Copied demo-a:/releases/${name} -> demo-b:/${name}: fxp`));
  for (const s of servers.sites) assert.ok(!text.includes(s.password), `no password of ${s.name} in the log`);

  log('the walkthrough: five steps, the drag step shows its picture');
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await pick(page, 'Copy between FTP servers with FXP');
  const walkthrough = page.locator('.gettingStartedContainer');
  await walkthrough.locator('.getting-started-step', { hasText: 'Drag from one site to the other' }).click();
  // The step's markdown renders in a webview (frames inside frames): find its picture in any frame.
  const shown = async () => (await Promise.all(page.frames().map(f => f.locator('img[src*="drag.png"]').count().catch(() => 0)))).some(n => n > 0);
  const end = Date.now() + 30_000;
  while (!(await shown())) {
    if (Date.now() > end) throw new Error('the walkthrough\'s drag step shows no drag.png');
    await page.waitForTimeout(250);
  }
  for (const title of ['Add a site', 'Open a site pair', 'Read the log', 'Diagnose a pair']) {
    await walkthrough.locator('.getting-started-step', { hasText: title }).waitFor({ state: 'attached' });
  }
  await shot('05-walkthrough');
  log('a drag completes the walkthrough\'s drag step');
  const dragDone = walkthrough.locator('.getting-started-step', { hasText: 'Drag from one site to the other' }).locator('[role="checkbox"]');
  assert.strictEqual(await dragDone.getAttribute('aria-checked'), 'false');
  await drag(page, row(page, 'Site A', 'notes.txt'), pane(page, 'Site B').locator('.pane-body'));
  await waitForDisk('notes.txt on Site B', () => existsSync(servers.diskPath(b, '/notes.txt')));
  await page.waitForFunction(el => el?.getAttribute('aria-checked') === 'true', await dragDone.elementHandle(), { timeout: 30_000 });
  await shot('06-walkthrough-step-done');

  if (updateMedia) {
    mkdirSync(media, { recursive: true });
    copyFileSync(opened, join(media, 'demo.png'));
    makeGif(frames, join(media, 'drag.gif'));
    log(`wrote ${join(media, 'demo.png')} and ${join(media, 'drag.gif')}`);
  }
}

async function main(): Promise<void> {
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  const started = Date.now();
  // Folders of its own: a demo the user is running in .demo/ keeps going.
  const dir = mkdtempSync(join(tmpdir(), 'fxp-demo-run-'));
  const browserDir = mkdtempSync(join(tmpdir(), 'fxp-demo-browser-'));
  let demo: Demo | undefined;
  let context: BrowserContext | undefined;
  try {
    demo = await startDemo({ editor: 'browser', bigFileMB: updateMedia ? 300 : 40, dir });
    context = await launchChromium({ browserProfile: browserDir, xdgRuntime: browserDir, tmp: browserDir }, VIEWPORT);
    if (updateMedia) await renderIcon(context, join(repo, 'media', 'icon.png'));
    const page = context.pages()[0] ?? (await context.newPage());
    try {
      await run(page, demo);
    } catch (err) {
      await page.screenshot({ path: join(results, 'failure.png') }).catch(() => undefined);
      throw err;
    }
  } finally {
    await context?.close().catch(() => undefined);
    await demo?.stop();
    rmSync(browserDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${results}`);
}

main().then(() => process.exit(0), err => {
  process.stderr.write(`demo test failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
