// Directory listings for the test FTP server: unix `ls -l` lines (LIST),
// RFC 3659 facts (MLSD/MLST), and time stamps.
import * as fs from 'fs';
import * as path from 'path';
import type { Vfs } from './vfs';

export interface Entry {
  name: string;
  stat: fs.Stats;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

/** YYYYMMDDHHMMSS in UTC (MDTM, MLSD modify=). */
export function ftpTime(d: Date): string {
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}` +
    `${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`;
}

/** Parse YYYYMMDDHHMMSS[.sss] (UTC), or undefined. */
export function parseFtpTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,3})?$/.exec(s);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i]);
  const ms = m[7] ? Math.round(parseFloat(m[7]) * 1000) : 0;
  const t = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6), ms);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function modeString(st: fs.Stats): string {
  const t = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let s = t;
  for (let i = 0; i < 9; i++) s += (st.mode & (1 << (8 - i))) ? bits[i] : '-';
  return s;
}

/** One `ls -l` line, times in UTC. */
export function lsLine(e: Entry, now = new Date()): string {
  const st = e.stat;
  const d = st.mtime;
  const sixMonths = 182 * 24 * 3600 * 1000;
  const recent = now.getTime() - d.getTime() < sixMonths && d.getTime() - now.getTime() < 3600 * 1000;
  const when = recent
    ? `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`
    : ` ${d.getUTCFullYear()}`;
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${when.padStart(5, ' ')}`;
  return `${modeString(st)} ${String(st.nlink).padStart(4)} ftp      ftp      ${String(st.size).padStart(12)} ${date} ${e.name}`;
}

/** RFC 3659 fact string followed by a space and the name. */
export function mlsxLine(e: Entry, type?: 'cdir' | 'pdir'): string {
  const st = e.stat;
  const dir = st.isDirectory();
  const facts = [
    `type=${type ?? (dir ? 'dir' : 'file')}`,
    ...(dir ? [] : [`size=${st.size}`]),
    `modify=${ftpTime(st.mtime)}`,
    `perm=${dir ? 'cdeflmp' : 'adfrw'}`,
  ];
  return `${facts.join(';')}; ${e.name}`;
}

/**
 * Entries of a real directory, sorted by name, following symbolic links.
 * Links that are broken or point outside the root are left out.
 */
export async function readEntries(vfs: Vfs, realDir: string): Promise<Entry[]> {
  const names = (await fs.promises.readdir(realDir)).sort();
  const out: Entry[] = [];
  for (const name of names) {
    const p = path.join(realDir, name);
    try {
      const lst = await fs.promises.lstat(p);
      if (lst.isSymbolicLink()) {
        const rp = await fs.promises.realpath(p);
        if (!vfs.inside(rp)) continue;
        out.push({ name, stat: await fs.promises.stat(rp) });
      } else {
        out.push({ name, stat: lst });
      }
    } catch {
      // vanished or broken link: skip
    }
  }
  return out;
}
