import type { FxpEngine } from '../engine';
import { FxpError, isFxpError } from '../errors';
import { parseMdtmReply } from '../parse';
import type { Site } from '../site';
import type { SkipMatcher } from './glob';
import { retrying, type RetryPolicy } from './retry';

/** A folder (or, for single files, a file) on a site. */
export interface Endpoint {
  site: Site;
  path: string;
}

export interface TreeFile {
  /** Relative to the tree's root, '/'-separated, no leading slash. */
  path: string;
  size: number;
  modified?: Date;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface Tree {
  root: string;
  /** False when the root folder does not exist (a destination not created yet). */
  exists: boolean;
  files: Map<string, TreeFile>;
  /** Relative folder paths below the root (the root itself is not listed). */
  dirs: Set<string>;
  /** What the job will not touch: skip patterns, symbolic links, names that are unsafe to use. */
  skipped: Skipped[];
}

export interface ScanOptions {
  skip?: SkipMatcher;
  /** Descend only into these relative folders: a destination scan follows the source tree. */
  within?: ReadonlySet<string>;
  /** A missing root is an empty tree (destination), not an error (source). */
  missingOk?: boolean;
  /** Folders listed at once (each on its own browse connection, within the site's limit). */
  concurrency?: number;
  retry?: RetryPolicy;
}

/** Absolute server path of `rel` below `root`. */
export function resolvePath(root: string, rel: string): string {
  if (!rel) return root;
  if (root === '' || root === '.') return rel;
  return `${root.replace(/\/+$/, '')}/${rel}`;
}

export function relParent(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export function relName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

const MAX_DEPTH = 64;
const MAX_PATH_LENGTH = 4096;
const MAX_FOLDERS = 200_000;

/** Lists a folder tree, several folders at a time, MLSD where the server has it. */
export async function scanTree(engine: FxpEngine, at: Endpoint, opts: ScanOptions = {}): Promise<Tree> {
  const tree: Tree = { root: at.path, exists: true, files: new Map(), dirs: new Set(), skipped: [] };
  const policy = opts.retry ?? { retries: 2, backoffMs: 500 };
  const listOne = async (rel: string): Promise<string[]> => {
    const listing = await retrying(async () => {
      try {
        return await engine.list(at.site, resolvePath(at.path, rel), policy.signal);
      } catch (err) {
        // A destination not created yet: no retry, it will not appear by waiting.
        if (rel === '' && opts.missingOk && isFxpError(err) && isMissingFolder(err)) return undefined;
        throw err;
      }
    }, policy);
    if (!listing) {
      tree.exists = false;
      return [];
    }
    const subdirs: string[] = [];
    for (const name of listing.dropped) tree.skipped.push({ path: rel ? `${rel}/${name}` : name, reason: 'unsafe name' });
    for (const entry of listing.entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (opts.skip?.(path, entry.kind === 'dir')) {
        tree.skipped.push({ path, reason: 'skip pattern' });
      } else if (entry.kind === 'link') {
        tree.skipped.push({ path, reason: 'symbolic link (not followed)' });
      } else if (entry.kind === 'dir') {
        // A server that shows a folder inside every folder (a loop) must not keep the scan going forever.
        if (path.split('/').length > MAX_DEPTH || path.length > MAX_PATH_LENGTH) {
          tree.skipped.push({ path, reason: `deeper than ${MAX_DEPTH} levels or ${MAX_PATH_LENGTH} characters (a loop on the server?)` });
          continue;
        }
        if (tree.dirs.size >= MAX_FOLDERS) {
          throw new FxpError('PROTOCOL', `More than ${MAX_FOLDERS} folders below ${at.path}: refusing to scan further.`, { site: at.site.name });
        }
        tree.dirs.add(path);
        if (!opts.within || opts.within.has(path)) subdirs.push(path);
      } else {
        tree.files.set(path, { path, size: entry.size, modified: entry.modified });
      }
    }
    return subdirs;
  };
  await forEachConcurrent([''], Math.max(1, opts.concurrency ?? 3), listOne);
  return tree;
}

/** A listing error that means "no such folder": 550/450 (ProFTPD), 501 (pyftpdlib's MLSD). */
function isMissingFolder(err: FxpError): boolean {
  return err.code === 'NOT_FOUND' || (err.code === 'SERVER_REPLY' && [450, 501, 550].includes(err.reply?.code ?? 0));
}

/** Runs `work` on every item and on everything it returns, at most `limit` at once; the first error stops it. */
export async function forEachConcurrent<T>(initial: T[], limit: number, work: (item: T) => Promise<T[]>): Promise<void> {
  const queue = [...initial];
  let active = 0;
  let failed = false;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (!failed && active < limit && queue.length > 0) {
        const item = queue.shift() as T;
        active++;
        work(item).then(more => {
          active--;
          queue.push(...more);
          pump();
        }, (err: unknown) => {
          failed = true;
          reject(err);
        });
      }
      if (!failed && active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
}

/**
 * Exact modification times for these files: MLSD gives them to the second; LIST only to the minute
 * (or the day), so without MLSD each file is asked with MDTM (one browse connection, one command each).
 */
export async function fillTimes(engine: FxpEngine, at: Endpoint, tree: Tree, paths: Iterable<string>, signal?: AbortSignal): Promise<void> {
  const wanted = [...paths].map(p => tree.files.get(p)).filter((f): f is TreeFile => f !== undefined);
  if (wanted.length === 0) return;
  await engine.withConnection(at.site, 'browse', async conn => {
    if (!conn.caps.mdtm) return;
    for (const file of conn.caps.mlsd ? wanted.filter(f => f.modified === undefined) : wanted) {
      if (signal?.aborted) return;
      const reply = await conn.raw(`MDTM ${resolvePath(at.path, file.path)}`);
      if (reply.code !== 213) continue;
      try {
        file.modified = parseMdtmReply(reply.text);
      } catch (err) {
        engine.logger('warn', `${at.site.name}: ${(err as Error).message}`);
      }
    }
  }, signal);
}
