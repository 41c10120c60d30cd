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

/** basic-ftp's parsed listing (MLSD or LIST) to our entries; unsafe names are dropped, not trusted. */
export function toEntries(infos: FileInfo[]): { entries: Entry[]; dropped: string[] } {
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
      size: info.size,
      modified: info.modifiedAt,
      permissions: permissionString(info),
      target: info.link || undefined,
    });
  }
  entries.sort((a, b) => (a.kind === 'dir') !== (b.kind === 'dir') ? (a.kind === 'dir' ? -1 : 1) : a.name.localeCompare(b.name));
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
