import type { FxpEngine } from '../engine';
import { verifyCopy } from '../verify';
import { skipMatcher } from './glob';
import type { FolderPlan, PlanItem } from './plan';
import { DEFAULT_TIME_TOLERANCE_MS } from './rules';
import { fillTimes, resolvePath, scanTree, type Endpoint, type Tree, type TreeFile } from './tree';

export type CompareStatus = 'same' | 'only-in-a' | 'only-in-b' | 'kind-differs' | 'size-differs' | 'newer-in-a' | 'newer-in-b' | 'hash-differs';

export interface Side {
  size?: number;
  modified?: string;
}

export interface CompareEntry {
  path: string;
  kind: 'file' | 'dir';
  status: CompareStatus;
  a?: Side;
  b?: Side;
  detail: string;
}

export interface CompareReport {
  a: string;
  b: string;
  /** Every file and folder of either side, parents first. */
  entries: CompareEntry[];
  counts: Record<CompareStatus, number>;
  /** The hash both servers computed for equal-sized files, 'unavailable' when they share none, 'off' when not asked. */
  hash: string;
}

export interface CompareOptions {
  exclude?: string[];
  /** Also compare contents by a hash both servers support (costs one command per file on each side). */
  hash?: boolean;
  toleranceMs?: number;
  signal?: AbortSignal;
  concurrency?: number;
}

const side = (f: TreeFile): Side => ({ size: f.size, modified: f.modified?.toISOString() });

/** Size first, then modification time. Pure: the listings decide. */
export function compareTrees(a: Tree, b: Tree, toleranceMs = DEFAULT_TIME_TOLERANCE_MS): CompareEntry[] {
  const entries: CompareEntry[] = [];
  for (const path of new Set([...a.dirs, ...b.dirs])) {
    const inA = a.dirs.has(path);
    const inB = b.dirs.has(path);
    if (inA && inB) continue;
    const other = inA ? b.files.get(path) : a.files.get(path);
    entries.push(other
      ? { path, kind: 'dir', status: 'kind-differs', detail: `a folder on ${inA ? 'A' : 'B'}, a file on ${inA ? 'B' : 'A'}` }
      : { path, kind: 'dir', status: inA ? 'only-in-a' : 'only-in-b', detail: `folder only on ${inA ? 'A' : 'B'}` });
  }
  for (const path of new Set([...a.files.keys(), ...b.files.keys()])) {
    const fa = a.files.get(path);
    const fb = b.files.get(path);
    if (!fa || !fb) {
      const present = (fa ?? fb)!;
      if ((fa ? b : a).dirs.has(path)) continue; // reported with the folder
      entries.push({ path, kind: 'file', status: fa ? 'only-in-a' : 'only-in-b', [fa ? 'a' : 'b']: side(present), detail: `only on ${fa ? 'A' : 'B'}` });
      continue;
    }
    entries.push({ path, kind: 'file', ...compareFiles(fa, fb, toleranceMs), a: side(fa), b: side(fb) });
  }
  return entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function compareFiles(fa: TreeFile, fb: TreeFile, toleranceMs: number): { status: CompareStatus; detail: string } {
  if (fa.size !== fb.size) return { status: 'size-differs', detail: `${fa.size} vs ${fb.size} bytes` };
  if (!fa.modified || !fb.modified) return { status: 'same', detail: `${fa.size} bytes on both; modification time unknown` };
  const delta = fa.modified.getTime() - fb.modified.getTime();
  if (delta > toleranceMs) return { status: 'newer-in-a', detail: `same size, A is newer by ${Math.round(delta / 1000)} s` };
  if (-delta > toleranceMs) return { status: 'newer-in-b', detail: `same size, B is newer by ${Math.round(-delta / 1000)} s` };
  return { status: 'same', detail: `${fa.size} bytes, same time` };
}

export function countStatuses(entries: CompareEntry[]): Record<CompareStatus, number> {
  const counts: Record<CompareStatus, number> = {
    same: 0, 'only-in-a': 0, 'only-in-b': 0, 'kind-differs': 0, 'size-differs': 0, 'newer-in-a': 0, 'newer-in-b': 0, 'hash-differs': 0,
  };
  for (const e of entries) counts[e.status]++;
  return counts;
}

/** Compares a folder on two sites: listings (MLSD, else MDTM for times), and a common hash when asked. */
export async function compareFolders(engine: FxpEngine, a: Endpoint, b: Endpoint, opts: CompareOptions = {}): Promise<CompareReport> {
  const scan = { skip: skipMatcher(opts.exclude ?? []), concurrency: opts.concurrency, retry: { retries: 2, backoffMs: 500, signal: opts.signal } };
  const [ta, tb] = await Promise.all([scanTree(engine, a, scan), scanTree(engine, b, { ...scan, missingOk: true })]);
  const sameSize = [...ta.files.values()].filter(f => tb.files.get(f.path)?.size === f.size).map(f => f.path);
  await Promise.all([fillTimes(engine, a, ta, sameSize, opts.signal), fillTimes(engine, b, tb, sameSize, opts.signal)]);
  const entries = compareTrees(ta, tb, opts.toleranceMs);
  const hash = opts.hash ? await compareHashes(engine, a, b, entries, opts.signal) : 'off';
  return { a: `${a.site.name}:${a.path}`, b: `${b.site.name}:${b.path}`, entries, counts: countStatuses(entries), hash };
}

/** Files of equal size are checked by a hash both servers compute; the time no longer matters then. */
async function compareHashes(engine: FxpEngine, a: Endpoint, b: Endpoint, entries: CompareEntry[], signal?: AbortSignal): Promise<string> {
  const candidates = entries.filter(e => e.kind === 'file' && e.a && e.b && e.a.size === e.b.size);
  if (candidates.length === 0) return 'unavailable';
  return engine.withConnection(a.site, 'browse', ca => engine.withConnection(b.site, 'browse', async cb => {
    let method = 'unavailable';
    for (const entry of candidates) {
      if (signal?.aborted) break;
      const v = await verifyCopy(ca, resolvePath(a.path, entry.path), cb, resolvePath(b.path, entry.path));
      if (v.method === 'SIZE' || v.method === 'none') return 'unavailable';
      method = v.method;
      entry.status = v.ok ? 'same' : 'hash-differs';
      entry.detail = v.ok ? `${v.method} equal` : v.detail;
    }
    return method;
  }, signal), signal);
}

const SYNC: ReadonlySet<CompareStatus> = new Set(['only-in-a', 'size-differs', 'newer-in-a', 'hash-differs']);

/** "Sync A to B": a plan that copies what is missing on B or differs and is not newer there. Runs in the same queue. */
export function syncPlan(report: CompareReport, a: Endpoint, b: Endpoint): FolderPlan {
  const dirs = report.entries.filter(e => e.kind === 'dir' && e.status === 'only-in-a').map(e => e.path);
  const items: PlanItem[] = report.entries
    .filter(e => e.kind === 'file' && SYNC.has(e.status) && e.a?.size !== undefined)
    .map(e => ({
      path: e.path, target: e.path, size: e.a!.size!, modified: e.a!.modified, action: 'copy', restartAt: 0,
      reason: `${e.status}: ${e.detail}`, existing: e.b?.size,
    }));
  return { source: a, destination: b, rule: 'overwrite', exclude: [], dirs, items, skipped: [] };
}
