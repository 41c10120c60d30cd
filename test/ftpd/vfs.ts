// Path handling for the test FTP server: virtual paths ('/a/b') map into one
// folder on disk; nothing outside it can be reached, neither with '..' nor
// through symbolic links.
import * as fs from 'fs';
import * as path from 'path';

/** An error that carries the complete FTP reply to send (e.g. '550 /x: No such file or directory'). */
export class FtpError extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}

const BAD_CHARS = /[\r\n\0]/;

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EEXIST': return 'File exists';
    case 'ENOTEMPTY': return 'Directory not empty';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'EACCES': case 'EPERM': return 'Permission denied';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'File name too long';
    case 'ENOSPC': return 'No space left on device';
    default: return (e as Error)?.message ?? String(e);
  }
}

/** Map a file system error on virtual path `vpath` to a 550 reply. */
export function fsError(e: unknown, vpath: string): FtpError {
  if (e instanceof FtpError) return e;
  return new FtpError(`550 ${vpath}: ${errText(e)}`);
}

export class Vfs {
  readonly realRoot: string;

  constructor(root: string) {
    this.realRoot = fs.realpathSync(root);
  }

  /** Absolute virtual path of `arg` relative to the virtual directory `cwd`. */
  virtual(cwd: string, arg: string): string {
    if (BAD_CHARS.test(arg)) throw new FtpError('501 Invalid character in file name.');
    // posix.resolve with an absolute first argument never consults process.cwd();
    // '..' above '/' stays at '/'.
    return path.posix.resolve(cwd, arg === '' ? '.' : arg);
  }

  /** Disk path of a virtual path, without resolving symbolic links. */
  disk(vpath: string): string {
    return path.join(this.realRoot, vpath);
  }

  inside(real: string): boolean {
    const rel = path.relative(this.realRoot, real);
    return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
  }

  /**
   * For commands that follow links (RETR, SIZE, CWD, LIST, ...): the real path
   * of an existing file or folder, which must be inside the root.
   */
  async follow(vpath: string): Promise<string> {
    let rp: string;
    try {
      rp = await fs.promises.realpath(this.disk(vpath));
    } catch (e) {
      throw fsError(e, vpath);
    }
    if (!this.inside(rp)) throw new FtpError(`550 ${vpath}: Permission denied`);
    return rp;
  }

  /**
   * For commands that act on the directory entry itself (DELE, RMD, MKD, RNFR,
   * RNTO): the parent must resolve inside the root; returns parent/name.
   * The root itself is refused.
   */
  async entry(vpath: string): Promise<string> {
    if (vpath === '/') throw new FtpError('550 /: Permission denied');
    const parent = await this.follow(path.posix.dirname(vpath));
    return path.join(parent, path.posix.basename(vpath));
  }

  /**
   * For STOR/APPE: where to write. The parent must be inside the root; if the
   * name exists and is a symbolic link, its target must exist inside the root.
   */
  async forWrite(vpath: string): Promise<string> {
    const p = await this.entry(vpath);
    let st: fs.Stats | undefined;
    try {
      st = await fs.promises.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(e, vpath);
    }
    if (st?.isSymbolicLink()) {
      let rp: string;
      try {
        rp = await fs.promises.realpath(p);
      } catch {
        throw new FtpError(`550 ${vpath}: Permission denied`);
      }
      if (!this.inside(rp)) throw new FtpError(`550 ${vpath}: Permission denied`);
      return rp;
    }
    if (st?.isDirectory()) throw new FtpError(`550 ${vpath}: Is a directory`);
    return p;
  }
}
