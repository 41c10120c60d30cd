import { FxpError } from '../errors';

/** What to do when the destination already has a file of that name. */
export type ExistsRule = 'overwrite' | 'skip' | 'resume' | 'newer' | 'size-differs' | 'rename';

export const EXISTS_RULES: readonly ExistsRule[] = ['overwrite', 'skip', 'resume', 'newer', 'size-differs', 'rename'];

export function parseExistsRule(text: string): ExistsRule {
  const rule = EXISTS_RULES.find(r => r === text);
  if (!rule) throw new FxpError('INVALID_INPUT', `Unknown exists-rule "${text}": use one of ${EXISTS_RULES.join(', ')}.`);
  return rule;
}

export interface FileFacts {
  size: number;
  modified?: Date;
}

export type Action = 'copy' | 'resume' | 'rename' | 'skip';

export interface Decision {
  action: Action;
  /** Byte offset to restart at on both sides (resume only). */
  restartAt: number;
  /** For people: why this action, in a few words. */
  reason: string;
}

/** Listings and MDTM round to the second (LIST even to the minute): differences below this are noise. */
export const DEFAULT_TIME_TOLERANCE_MS = 1_000;

const copy = (reason: string): Decision => ({ action: 'copy', restartAt: 0, reason });
const skip = (reason: string): Decision => ({ action: 'skip', restartAt: 0, reason });

/** The per-file decision of a folder job. Pure: the facts come from the listings (or MDTM). */
export function decide(rule: ExistsRule, src: FileFacts, dst: FileFacts | undefined, toleranceMs = DEFAULT_TIME_TOLERANCE_MS): Decision {
  if (!dst) return copy('new file');
  switch (rule) {
    case 'overwrite':
      return copy('exists: overwrite');
    case 'skip':
      return skip('exists: skip');
    case 'rename':
      return { action: 'rename', restartAt: 0, reason: 'exists: copy under a new name' };
    case 'size-differs':
      return src.size === dst.size ? skip(`same size (${src.size} bytes)`) : copy(`size differs (${src.size} vs ${dst.size} bytes)`);
    case 'resume':
      if (dst.size === src.size) return skip(`already complete (${src.size} bytes)`);
      if (dst.size > 0 && dst.size < src.size) return { action: 'resume', restartAt: dst.size, reason: `resume at ${dst.size} of ${src.size} bytes` };
      return copy(dst.size === 0 ? 'exists but empty' : `destination larger (${dst.size} > ${src.size} bytes): copy again`);
    case 'newer': {
      if (!src.modified || !dst.modified) {
        const fallback = decide('size-differs', src, dst);
        return { ...fallback, reason: `modification time unknown, ${fallback.reason}` };
      }
      const delta = src.modified.getTime() - dst.modified.getTime();
      return delta > toleranceMs ? copy('source is newer') : skip('destination is as new or newer');
    }
  }
}

/** "name (1).ext", "name (2).ext", ... : the first that is not taken. Folder-local names only. */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
