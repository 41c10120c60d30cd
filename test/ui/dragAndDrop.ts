/**
 * npm run test:ui
 *
 * The user's path through a real browser and a real VS Code (code-server + Chromium), against real FTP
 * servers: open a workspace whose settings hold site pairs, open a pair from the palette, answer the
 * password prompts, drag a file and a folder from Site A onto Site B and check the bytes on Site B's disk,
 * answer the overwrite question, then drag a file between servers that refuse FXP and check that the
 * user is told why and what relaying would mean. A screenshot per step goes to test-results/screenshots/.
 */
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import type { Page } from 'playwright-core';
import { startServers } from '../harness/servers';
import { FXP_PAIR, REFUSING_PAIR, SERVER_IDS, diskPath, makeDir, putFile, serverInfo, writeWorkspace, type ServerInfo } from '../suite/hostFixtures';
import { runInCodeServer, type UiContext } from '../vscode/runner';
import { findFile, waitForDisk } from './disk';
import { answerQuickInput, dialog, drag, notification, pane, pick, row, runCommand } from './workbench';

const repo = join(__dirname, '..', '..', '..');
const screenshots = join(repo, 'test-results', 'screenshots');

const same = (server: ServerInfo, path: string, data: Buffer) => existsSync(diskPath(server, path)) && readFileSync(diskPath(server, path)).equals(data);

async function answerPassword(page: Page, ctx: UiContext, site: ServerInfo, step: string): Promise<void> {
  await answerQuickInput(page, new RegExp(`^FXP: password for ${site.id}$`), site.password);
  await page.locator('.quick-input-widget .quick-input-title', { hasText: `remember the password for ${site.id}` }).waitFor({ state: 'visible' });
  await ctx.screenshot(step);
  await pick(page, 'Remember in VS Code');
}

/** Transfer… with quick picks only, then New Folder…, Rename… (F2) and Delete… (Delete key) on Site B. */
async function keyboardAndMenus(page: Page, ctx: UiContext, b: ServerInfo, twoRaw: Buffer): Promise<void> {
  ctx.log('Transfer…: browse the source and the destination with quick picks');
  await runCommand(page, 'FXP: Transfer…');
  await pick(page, 'Site A');
  await pick(page, 'photos');
  await pick(page, 'raw');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'two.raw' }).waitFor({ state: 'visible', timeout: 30_000 });
  await ctx.screenshot('09-transfer-pick-source');
  await pick(page, 'two.raw');
  await pick(page, 'Copy here');
  await waitForDisk('two.raw copied by Transfer…', () => same(b, '/incoming/two.raw', twoRaw));
  // Site B re-lists after the copy: right-clicking during that re-render can hit the row below.
  await row(page, 'Site B', 'two.raw').waitFor({ state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(300);

  ctx.log('New Folder… from the context menu of a folder');
  await row(page, 'Site B', 'photos').click({ button: 'right' });
  // Monaco menus act on Enter for the item under the mouse; a synthetic click is not always taken.
  await page.locator('.monaco-menu .action-label', { hasText: 'New Folder…' }).hover();
  await page.keyboard.press('Enter');
  await answerQuickInput(page, /New Folder on proftpd/, 'made-here');
  await waitForDisk('the new folder', () => existsSync(diskPath(b, '/incoming/photos/made-here')));
  await row(page, 'Site B', 'made-here').waitFor({ state: 'visible', timeout: 30_000 });
  await ctx.screenshot('10-new-folder');

  ctx.log('Rename… with F2, Delete… with the Delete key');
  await row(page, 'Site B', 'two.raw').click();
  await page.keyboard.press('F2');
  await answerQuickInput(page, /Rename on proftpd/, 'renamed.txt');
  await waitForDisk('the renamed file', () => same(b, '/incoming/renamed.txt', twoRaw) && !existsSync(diskPath(b, '/incoming/two.raw')));
  await row(page, 'Site B', 'renamed.txt').click();
  await page.keyboard.press('Delete');
  const confirm = dialog(page);
  await confirm.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await confirm.innerText(), /Delete \/incoming\/renamed\.txt from proftpd\?/);
  await ctx.screenshot('11-delete-confirmation');
  await confirm.locator('.dialog-buttons-row a.monaco-button', { hasText: 'Delete' }).click();
  await waitForDisk('the deleted file gone', () => !existsSync(diskPath(b, '/incoming/renamed.txt')));
  await row(page, 'Site B', 'renamed.txt').waitFor({ state: 'detached', timeout: 30_000 });
}

/** The pair's data protection in the status bar; Compare Folders: a badge on what differs, in the view itself. */
async function compareFolders(page: Page, ctx: UiContext): Promise<void> {
  ctx.log('the pair\'s data protection in the status bar; Compare Folders decorates the differences');
  await page.locator('.part.statusbar .statusbar-item', { hasText: 'FXP: plain FTP' }).waitFor({ state: 'visible', timeout: 30_000 });
  await runCommand(page, 'FXP: Compare Folders');
  await page.locator('.monaco-editor .view-lines', { hasText: 'FXP comparison' }).waitFor({ state: 'visible', timeout: 30_000 });
  // "made-here" (New Folder… above) exists only on Site B: its row carries the badge "B".
  const label = row(page, 'Site B', 'made-here').locator('.monaco-icon-label');
  // The badge is the label's ::after content (VS Code's decoration CSS); the test has no DOM types, hence globalThis.
  const badge = async () => label.evaluate((el: unknown) => String((globalThis as { getComputedStyle?: (e: unknown, p: string) => { content: string } }).getComputedStyle?.(el, '::after').content));
  const until = Date.now() + 30_000;
  while ((await badge()) !== '"B"') {
    if (Date.now() > until) throw new Error(`no "B" badge on made-here: ${await badge()}`);
    await page.waitForTimeout(200);
  }
  await ctx.screenshot('11b-compare-decorations');
}

async function main(): Promise<void> {
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  const set = await startServers({ only: SERVER_IDS });
  const servers = set.servers.map(serverInfo);
  const byId = (id: string) => servers.find(s => s.id === id)!;
  const [a, b, refusing, refusingDst] = [byId(FXP_PAIR.siteA), byId(FXP_PAIR.siteB), byId(REFUSING_PAIR.siteA), byId(REFUSING_PAIR.siteB)];
  const file = randomBytes(1_500_000);
  const folderFiles = { 'photos/one.jpg': randomBytes(40_000), 'photos/raw/two.raw': randomBytes(900_000), 'photos/notes.txt': Buffer.from('shot list\n') };
  putFile(a, '/outgoing/report.bin', file);
  for (const [path, data] of Object.entries(folderFiles)) putFile(a, `/outgoing/${path}`, data);
  makeDir(b, '/incoming');
  putFile(refusing, '/private/refused.bin', randomBytes(64_000));
  makeDir(refusingDst, '/from-nofxp');
  const workspace = writeWorkspace(servers, 'ask', { fxp: ['/outgoing', '/incoming'], refusing: ['/private', '/from-nofxp'] });
  try {
    await runInCodeServer({
      extensionPath: repo,
      workspace,
      screenshotsDir: screenshots,
      timeoutMs: 300_000,
      secrets: servers.map(s => s.password),
      ui: async (page, ctx) => {
        await ctx.screenshot('01-workbench');
        await page.locator('.activitybar .action-label[aria-label^="FXP"]').click();
        await pane(page, 'Site A').locator('.welcome-view-content', { hasText: 'Open Site Pair' }).waitFor({ state: 'visible' });
        await ctx.screenshot('02-fxp-welcome');

        ctx.log('open the pair from the palette and answer both password prompts');
        await runCommand(page, 'FXP: Open Site Pair…');
        await pick(page, FXP_PAIR.name);
        await answerPassword(page, ctx, a, '03-password-prompt-site-a');
        await answerPassword(page, ctx, b, '04-password-prompt-site-b');
        await row(page, 'Site A', 'report.bin').waitFor({ state: 'visible', timeout: 30_000 });
        await ctx.screenshot('05-pair-open');
        assert.match(await pane(page, 'Site A').locator('.pane-header').innerText(), /pure-ftpd — \/outgoing/);

        ctx.log('drag a file from Site A onto Site B (empty space = its current folder)');
        await drag(page, row(page, 'Site A', 'report.bin'), pane(page, 'Site B').locator('.pane-body'));
        await waitForDisk('report.bin on Site B', () => same(b, '/incoming/report.bin', file));
        await row(page, 'Site B', 'report.bin').waitFor({ state: 'visible', timeout: 30_000 });
        await ctx.screenshot('06-file-copied');

        ctx.log('drag a folder from Site A onto Site B');
        await drag(page, row(page, 'Site A', 'photos'), pane(page, 'Site B').locator('.pane-body'), 'bottom');
        await waitForDisk('the photos folder on Site B', () => Object.entries(folderFiles).every(([p, d]) => same(b, `/incoming/${p}`, d)));
        await row(page, 'Site B', 'photos').click();
        await row(page, 'Site B', 'raw').waitFor({ state: 'visible', timeout: 30_000 });
        await ctx.screenshot('07-folder-copied');

        ctx.log('drag the file again: the overwrite question');
        await drag(page, row(page, 'Site A', 'report.bin'), row(page, 'Site B', 'report.bin'));
        await page.locator('.quick-input-widget .quick-input-title', { hasText: 'already exists on proftpd' }).waitFor({ state: 'visible', timeout: 30_000 });
        await ctx.screenshot('08-overwrite-question');
        await pick(page, 'Skip');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
        assert.ok(same(b, '/incoming/report.bin', file), 'the skipped file is unchanged');

        await keyboardAndMenus(page, ctx, b, folderFiles['photos/raw/two.raw']);
        await compareFolders(page, ctx);

        ctx.log('a pair whose source refuses FXP');
        await runCommand(page, 'FXP: Open Site Pair…');
        await pick(page, REFUSING_PAIR.name);
        await answerPassword(page, ctx, refusing, '12-password-prompt-refusing-site');
        await row(page, 'Site A', 'refused.bin').waitFor({ state: 'visible', timeout: 30_000 });
        await drag(page, row(page, 'Site A', 'refused.bin'), pane(page, 'Site B').locator('.pane-body'));
        const question = dialog(page);
        await question.waitFor({ state: 'visible', timeout: 90_000 });
        const text = await question.innerText();
        assert.match(text, /FXP from vsftpd-nofxp to pure-ftpd was refused/);
        assert.match(text, /flows through this machine/);
        assert.match(text, /vsftpd/);
        await ctx.screenshot('13-relay-question');
        await question.locator('.dialog-buttons-row a.monaco-button', { hasText: 'Cancel' }).click();
        const explanation = notification(page, /not possible/);
        await explanation.waitFor({ state: 'visible', timeout: 30_000 });
        const message = await explanation.innerText();
        assert.match(message, /vsftpd-nofxp/);
        assert.match(message, /Diagnose/);
        assert.match(message, /Show Log/);
        assert.strictEqual(existsSync(diskPath(refusingDst, '/from-nofxp/refused.bin')), false, 'nothing was copied');
        await notification(page, 'vsftpd-nofxp → pure-ftpd').waitFor({ state: 'hidden', timeout: 30_000 });
        await page.waitForTimeout(500); // let the toast finish fading in
        await ctx.screenshot('14-refusal-explained');

        ctx.log('the log: commands and replies per site, passwords masked');
        await runCommand(page, 'FXP: Show Log');
        await page.locator('.part.panel .monaco-editor .view-lines', { hasText: 'fxp.showLog' }).waitFor({ state: 'visible', timeout: 30_000 });
        await ctx.screenshot('15-log');
        const logFile = findFile(join(ctx.runDir, 'user-data', 'logs'), /FXP\.log$/);
        assert.ok(logFile, 'the FXP log channel writes a file');
        const log = readFileSync(logFile, 'utf8');
        assert.match(log, /pure-ftpd > PASS \*\*\*\*/);
        assert.match(log, /Copied pure-ftpd:\/outgoing\/report\.bin -> proftpd:\/incoming\/report\.bin: fxp .* verified by/);
        for (const s of servers) assert.ok(!log.includes(s.password), `no password of ${s.id} in the log`);
      },
    });
  } finally {
    await set.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(() => {
  process.stdout.write(`UI test passed; screenshots in ${screenshots}\n`);
  process.exit(0);
}, err => {
  process.stderr.write(`UI test failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
