/** Finds secrets in the files a host run left behind: logs, settings, global storage (job journals), caches. */
import * as fs from 'fs';
import * as path from 'path';

export interface SecretHit {
  file: string;
  /** Index of the secret in the list given (the secret itself is never printed). */
  secret: number;
}

export interface SecretScan {
  files: number;
  bytes: number;
  hits: SecretHit[];
}

const MAX_FILE = 64 * 1024 * 1024;

/** Every file below `roots` (symlinks not followed), except those `skip` accepts, searched byte-wise for each secret (UTF-8 and UTF-16LE). */
export function scanForSecrets(roots: string[], secrets: string[], skip: (file: string) => boolean = () => false): SecretScan {
  const needles = secrets.filter(s => s.length >= 4).flatMap((s, i) => [
    { i, bytes: Buffer.from(s, 'utf8') },
    { i, bytes: Buffer.from(s, 'utf16le') },
  ]);
  const scan: SecretScan = { files: 0, bytes: 0, hits: [] };
  const visit = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE || skip(p)) return;
    const data = fs.readFileSync(p);
    scan.files++;
    scan.bytes += data.length;
    const found = new Set<number>();
    for (const n of needles) if (!found.has(n.i) && data.includes(n.bytes)) found.add(n.i);
    for (const i of found) scan.hits.push({ file: p, secret: i });
  };
  for (const root of roots) visit(root);
  return scan;
}
