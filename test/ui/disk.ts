/** What UI tests check on disk: the servers' files, the log files VS Code writes. */
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';

/** Polls `check` every 200 ms until it holds. */
export async function waitForDisk(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/** The first file below `dir` whose name matches. */
export function findFile(dir: string, name: RegExp): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory() ? findFile(path, name) : name.test(entry.name) ? path : undefined;
    if (found) return found;
  }
  return undefined;
}
