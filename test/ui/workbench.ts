/** Playwright helpers for the VS Code 1.100 workbench (selectors from test/vscode/README.md). */
import type { Locator, Page } from 'playwright-core';

export function pane(page: Page, viewName: string): Locator {
  return page.locator(`.pane:has(.pane-header[aria-label^="${viewName}"])`);
}

export function row(page: Page, viewName: string, label: string): Locator {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return pane(page, viewName).locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) });
}

/** Runs a command from the palette by its full title ("FXP: Open Site Pair…"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Waits for a quick input whose title matches, then types and accepts (again if the input was not ready). */
export async function answerQuickInput(page: Page, title: RegExp, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const heading = widget.locator('.quick-input-title', { hasText: title });
  await heading.waitFor({ state: 'visible', timeout: 30_000 });
  const input = widget.locator('.quick-input-box input');
  for (let attempt = 0; attempt < 5; attempt++) {
    await input.fill(text);
    await page.keyboard.press('Enter');
    try {
      await heading.waitFor({ state: 'hidden', timeout: 2_000 });
      return;
    } catch {
      // still open: the text went in before the input box was ready
    }
  }
  throw new Error(`the quick input "${title.source}" did not accept "${text.length} characters"`);
}

/**
 * Picks a row of an open quick pick by its text. Waits until that row is the focused one and the input still holds the
 * text: a quick pick that re-lists after the previous pick (Transfer…) resets its input when its new items arrive, and
 * Enter before that would accept whatever row is first.
 */
export async function pick(page: Page, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  const focused = widget.locator('.monaco-list-row.focused', { hasText: text }).first();
  const until = Date.now() + 30_000;
  for (;;) {
    if ((await input.inputValue()) !== text) await input.fill(text);
    try {
      await focused.waitFor({ state: 'visible', timeout: 1_000 });
      if ((await input.inputValue()) === text) break;
    } catch {
      // the items are still loading, or the input was reset after the previous pick: type again
    }
    if (Date.now() > until) throw new Error(`quick pick: no focused row "${text}" within 30 s`);
  }
  await page.keyboard.press('Enter');
}

export function dialog(page: Page): Locator {
  return page.locator('.monaco-dialog-box');
}

export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

/** Drags with real mouse events, in small steps, the way a user does; `whileHeld` runs over the target before the drop. */
export async function drag(
  page: Page, from: Locator, to: Locator, target: 'center' | 'bottom' = 'center', whileHeld?: () => Promise<void>,
): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag: source or target is not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  const x = b.x + b.width / 2;
  const y = target === 'center' ? b.y + b.height / 2 : b.y + b.height - 10;
  await page.mouse.move(x, y, { steps: 15 });
  await page.waitForTimeout(200);
  await page.mouse.move(x + 2, y + 2, { steps: 3 });
  await whileHeld?.();
  await page.mouse.up();
}
