/**
 * Figures for the closing note of issue 7 (fuzz iterations, leak counts, peak RSS) and every text
 * the fault tests saw (engine transcripts, error messages, CLI output, files written), so that the
 * secrets test can grep all of it for the test passwords.
 *
 * Printed once at the end of the mocha run; written as JSON to $FXP_FIGURES when that is set.
 */
import { rmSync, writeFileSync } from 'fs';

interface Figures {
  fuzz: Record<string, number>;
  numbers: Record<string, number | string>;
}

interface Store {
  figures: Figures;
  texts: string[];
  /** Every password a fault test gave a server. */
  secrets: Set<string>;
  /** Folders and files the fault tests wrote (server roots, CLI output, journals). */
  paths: Set<string>;
  printed: boolean;
  /** Lines checked by scan() without being kept. */
  scanned: number;
}

const KEY = Symbol.for('fxp.faults.store');
const g = globalThis as unknown as Record<symbol, Store | undefined>;
const store: Store = g[KEY] ?? (g[KEY] = {
  figures: { fuzz: {}, numbers: {} }, texts: [], secrets: new Set(), paths: new Set(), printed: false, scanned: 0,
});

export const record = {
  fuzz(suite: string): void {
    store.figures.fuzz[suite] = (store.figures.fuzz[suite] ?? 0) + 1;
  },
  number(name: string, value: number | string): void {
    store.figures.numbers[name] = value;
  },
  /** A text the run produced: a log line, an error's describe()/JSON, CLI output. */
  text(text: string): void {
    store.texts.push(text);
  },
  /** For high-volume logs: checked against the secrets now, kept only if it contains one. */
  scan(text: string): void {
    store.scanned++;
    for (const s of store.secrets) {
      if (text.includes(s)) {
        store.texts.push(text);
        return;
      }
    }
  },
  /** An error as users and logs see it: message, describe(), JSON, causes. */
  error(err: unknown): void {
    if (err instanceof Error) {
      store.texts.push(err.message, String(err.stack ?? ''));
      const e = err as Error & { describe?: () => string; toJSON?: () => unknown };
      if (typeof e.describe === 'function') store.texts.push(e.describe());
      if (typeof e.toJSON === 'function') store.texts.push(JSON.stringify(e.toJSON()));
    } else {
      store.texts.push(String(err));
    }
  },
  secret(password: string): void {
    store.secrets.add(password);
  },
  path(p: string): void {
    store.paths.add(p);
  },
};

export function collected(): { texts: readonly string[]; secrets: ReadonlySet<string>; paths: ReadonlySet<string>; figures: Figures; scanned: number } {
  return { texts: store.texts, secrets: store.secrets, paths: store.paths, figures: store.figures, scanned: store.scanned };
}

function print(): void {
  if (store.printed) return;
  store.printed = true;
  // The secrets test has read them by now: remove the folders the fault tests made.
  for (const p of store.paths) rmSync(p, { recursive: true, force: true });
  const { fuzz, numbers } = store.figures;
  const total = Object.values(fuzz).reduce((a, b) => a + b, 0);
  if (total === 0 && Object.keys(numbers).length === 0) return;
  const lines = ['', 'Issue 7 figures:'];
  if (total > 0) {
    lines.push(`  fuzz iterations: ${total}`);
    for (const [suite, n] of Object.entries(fuzz)) lines.push(`    ${suite}: ${n}`);
  }
  for (const [name, value] of Object.entries(numbers)) lines.push(`  ${name}: ${value}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.env.FXP_FIGURES) writeFileSync(process.env.FXP_FIGURES, JSON.stringify(store.figures, null, 2));
}

// A root-level hook: runs once after every suite of the mocha run.
if (typeof after === 'function') after(print);
