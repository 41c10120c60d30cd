import { FxpError } from '../errors';

/**
 * Skip patterns for folder jobs, gitignore-like, matched against paths relative to the job's root:
 * `*` and `?` stay inside one path component, `**` crosses folders, `[a-z]` / `[!a-z]` are classes,
 * `\` escapes. A pattern without a slash matches the name at any depth (`*.tmp`); a leading or inner
 * slash anchors it to the root (`/build`, `logs/*.gz`); a trailing slash matches folders only (`cache/`).
 */
export interface Glob {
  source: string;
  regex: RegExp;
  dirOnly: boolean;
}

export function compileGlob(pattern: string): Glob {
  const source = pattern;
  let body = pattern.trim();
  if (!body) throw new FxpError('INVALID_INPUT', 'An empty skip pattern matches nothing; remove it.');
  const dirOnly = body.endsWith('/');
  if (dirOnly) body = body.replace(/\/+$/, '');
  const anchored = body.includes('/');
  body = body.replace(/^\/+/, '');
  if (!body) throw new FxpError('INVALID_INPUT', `The skip pattern "${source}" names no file or folder.`);
  const prefix = anchored ? '^' : '^(?:.*/)?';
  return { source, regex: new RegExp(`${prefix}${translate(body, source)}$`), dirOnly };
}

function translate(body: string, source: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[++i];
      if (next === undefined) throw new FxpError('INVALID_INPUT', `The skip pattern "${source}" ends with a lone backslash.`);
      out += escapeRegex(next);
    } else if (c === '*' && body[i + 1] === '*') {
      i++;
      if (body[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else {
        out += '.*';
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = body.indexOf(']', i + 2);
      if (end < 0) throw new FxpError('INVALID_INPUT', `The skip pattern "${source}" has an unclosed "[".`);
      let cls = body.slice(i + 1, end);
      const negate = cls.startsWith('!') || cls.startsWith('^');
      if (negate) cls = cls.slice(1);
      out += `[${negate ? '^/' : ''}${cls.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else {
      out += escapeRegex(c);
    }
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** A predicate over relative paths; true means "skip it" (and, for a folder, everything inside). */
export type SkipMatcher = (relPath: string, isDir: boolean) => boolean;

export function skipMatcher(patterns: readonly string[]): SkipMatcher {
  const globs = patterns.map(compileGlob);
  return (relPath, isDir) => globs.some(g => (isDir || !g.dirOnly) && g.regex.test(relPath));
}
