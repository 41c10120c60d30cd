import { FileType, type FileInfo } from 'basic-ftp';

export type EntryKind = 'file' | 'dir' | 'link';

export interface Entry {
  name: string;
  kind: EntryKind;
  size: number;
  modified?: Date;
  /** Unix permissions as "rwxr-xr-x" where the listing tells them. */
  permissions?: string;
  /** Symlink target, when the listing tells it. */
  target?: string;
}

/** Names a server may send that must never be used as a path component. */
export function isUnsafeName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || /[/\r\n\0]/.test(name);
}

function permissionString(info: FileInfo): string | undefined {
  const p = info.permissions;
  if (!p) return undefined;
  const triple = (n: number) => `${n & 4 ? 'r' : '-'}${n & 2 ? 'w' : '-'}${n & 1 ? 'x' : '-'}`;
  return triple(p.user) + triple(p.group) + triple(p.world);
}

const collator = new Intl.Collator();

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Unix LIST dates ("Nov 21 08:40" within the last six months, "Nov 21 2024" otherwise), read as UTC
 * like most servers send them. basic-ftp keeps them only as text.
 */
export function parseUnixListDate(raw: string, now = new Date()): Date | undefined {
  const m = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return undefined;
  const day = Number(m[2]);
  if (m[5]) return new Date(Date.UTC(Number(m[5]), month, day));
  let year = now.getUTCFullYear();
  const date = new Date(Date.UTC(year, month, day, Number(m[3]), Number(m[4])));
  // Without a year the date is within the last six months: one "in the future" belongs to last year.
  if (date.getTime() - now.getTime() > 2 * 24 * 3600 * 1000) {
    year -= 1;
    return new Date(Date.UTC(year, month, day, Number(m[3]), Number(m[4])));
  }
  return date;
}

/** basic-ftp's parsed listing (MLSD or LIST) to our entries; unsafe names are dropped, not trusted. */
export function toEntries(infos: FileInfo[], now = new Date()): { entries: Entry[]; dropped: string[] } {
  const entries: Entry[] = [];
  const dropped: string[] = [];
  for (const info of infos) {
    if (isUnsafeName(info.name)) {
      if (info.name !== '.' && info.name !== '..') dropped.push(JSON.stringify(info.name));
      continue;
    }
    const kind: EntryKind = info.type === FileType.Directory ? 'dir' : info.type === FileType.SymbolicLink ? 'link' : 'file';
    entries.push({
      name: info.name,
      kind,
      // Servers send anything here; only a whole, non-negative, exactly representable number is a size.
      size: Number.isSafeInteger(info.size) && info.size >= 0 ? info.size : 0,
      modified: info.modifiedAt ?? (info.rawModifiedAt ? parseUnixListDate(info.rawModifiedAt, now) : undefined),
      permissions: permissionString(info),
      target: info.link || undefined,
    });
  }
  entries.sort((a, b) => (a.kind === 'dir') !== (b.kind === 'dir') ? (a.kind === 'dir' ? -1 : 1) : collator.compare(a.name, b.name));
  return { entries, dropped };
}

/** Joins FTP paths with '/', refusing components that would escape or inject. */
export function joinPath(dir: string, name: string): string {
  if (isUnsafeName(name)) throw new Error(`Unsafe file name ${JSON.stringify(name)}`);
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

export function parentPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : trimmed.slice(0, i);
}
