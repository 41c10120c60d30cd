import type { FxpEngine } from '../engine';
import { FxpError } from '../errors';
import { baseName, parentPath } from '../listing';
import { parseMdtmReply } from '../parse';
import { skipMatcher } from './glob';
import { formatBytes } from './progress';
import type { RetryPolicy } from './retry';
import { decide, DEFAULT_TIME_TOLERANCE_MS, freeName, type Action, type ExistsRule } from './rules';
import { fillTimes, relName, relParent, resolvePath, scanTree, type Endpoint, type Skipped, type Tree } from './tree';

export type PlanAction = Action | 'conflict';

export interface PlanItem {
  /** Relative to the source folder. */
  path: string;
  /** Relative to the destination folder; differs from `path` only with the rename rule. */
  target: string;
  size: number;
  /** Source modification time (ISO), when known: kept on the copy where the server allows (MFMT). */
  modified?: string;
  action: PlanAction;
  restartAt: number;
  reason: string;
  /** Size of the destination file before the job, when there was one at `target`. */
  existing?: number;
}

export interface FolderPlan {
  source: Endpoint;
  destination: Endpoint;
  rule: ExistsRule;
  exclude: string[];
  /** Folders to create on the destination, parents first. */
  dirs: string[];
  items: PlanItem[];
  skipped: Skipped[];
}

export interface PlanOptions {
  rule?: ExistsRule;
  exclude?: string[];
  toleranceMs?: number;
  signal?: AbortSignal;
  /** Folders listed at once per site. */
  concurrency?: number;
  retry?: Omit<RetryPolicy, 'signal'>;
}

/** Decides every file from the two listings. Pure: no I/O. */
export function planFromTrees(src: Tree, dst: Tree, rule: ExistsRule, toleranceMs = DEFAULT_TIME_TOLERANCE_MS): Pick<FolderPlan, 'dirs' | 'items'> {
  const taken = namesByFolder(src, dst);
  const conflictingDirs = [...src.dirs].filter(d => dst.files.has(d));
  const underConflict = (path: string) => conflictingDirs.find(d => path.startsWith(`${d}/`));
  const items: PlanItem[] = [];
  for (const file of [...src.files.values()].sort((a, b) => compareNames(a.path, b.path))) {
    const base = { path: file.path, target: file.path, size: file.size, modified: file.modified?.toISOString(), restartAt: 0 };
    const blocked = underConflict(file.path);
    if (blocked !== undefined || dst.dirs.has(file.path)) {
      const reason = blocked !== undefined ? `"${blocked}" is a file on the destination` : 'a folder of that name is on the destination';
      items.push({ ...base, action: 'conflict', reason });
      continue;
    }
    const existing = dst.files.get(file.path);
    const decision = decide(rule, file, existing, toleranceMs);
    const item: PlanItem = { ...base, action: decision.action, restartAt: decision.restartAt, reason: decision.reason, existing: existing?.size };
    if (decision.action === 'rename') {
      const folder = relParent(file.path);
      const names = taken.get(folder)!;
      const name = freeName(relName(file.path), names);
      names.add(name);
      item.target = folder ? `${folder}/${name}` : name;
      item.existing = undefined;
      item.reason = `exists: copy as "${name}"`;
    }
    items.push(item);
  }
  const dirs = [...src.dirs].filter(d => !dst.dirs.has(d) && !dst.files.has(d) && underConflict(d) === undefined).sort(compareNames);
  return { dirs, items };
}

/** Names in use per folder, on either side: a renamed copy must not collide with anything. */
function namesByFolder(src: Tree, dst: Tree): Map<string, Set<string>> {
  const byFolder = new Map<string, Set<string>>();
  const add = (path: string) => {
    const folder = relParent(path);
    let names = byFolder.get(folder);
    if (!names) byFolder.set(folder, names = new Set());
    names.add(relName(path));
  };
  for (const tree of [src, dst]) {
    for (const path of tree.files.keys()) add(path);
    for (const path of tree.dirs) add(path);
  }
  return byFolder;
}

/** Parents before children, then by name: "a" < "a/b" < "a-b". */
function compareNames(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Lists the source tree, the matching part of the destination, and decides per file. Changes nothing. */
export async function planFolderCopy(engine: FxpEngine, source: Endpoint, destination: Endpoint, opts: PlanOptions = {}): Promise<FolderPlan> {
  const [plan] = await planFolderCopies(engine, source, [destination], opts);
  return plan!;
}

/** One plan per destination; the source is listed once. */
export async function planFolderCopies(engine: FxpEngine, source: Endpoint, destinations: Endpoint[], opts: PlanOptions = {}): Promise<FolderPlan[]> {
  const rule = opts.rule ?? 'overwrite';
  const exclude = opts.exclude ?? [];
  const retry = (at: Endpoint): RetryPolicy => ({
    retries: 2, backoffMs: 500, ...opts.retry, signal: opts.signal,
    onFull: err => { if (err.site === at.site.name) engine.pool(at.site).lowerLimit(); },
  });
  const src = await scanTree(engine, source, { skip: skipMatcher(exclude), concurrency: opts.concurrency, retry: retry(source) });
  return Promise.all(destinations.map(async destination => {
    const dst = await scanTree(engine, destination, { within: src.dirs, missingOk: true, concurrency: opts.concurrency, retry: retry(destination) });
    if (rule === 'newer') {
      const both = [...src.files.keys()].filter(p => dst.files.has(p));
      await fillTimes(engine, source, src, both, opts.signal);
      await fillTimes(engine, destination, dst, both, opts.signal);
    }
    return { source, destination, rule, exclude, ...planFromTrees(src, dst, rule, opts.toleranceMs), skipped: src.skipped };
  }));
}

/** One file as a plan of one item, so that single files use the same queue, journal and report. */
export async function planFileCopy(engine: FxpEngine, source: Endpoint, destination: Endpoint, opts: PlanOptions = {}): Promise<FolderPlan> {
  const rule = opts.rule ?? 'overwrite';
  const [srcFacts, dstFacts] = await Promise.all([fileFacts(engine, source, rule), fileFacts(engine, destination, rule)]);
  if (!srcFacts) throw new FxpError('NOT_FOUND', `"${source.path}" does not exist or is not a file.`, { site: source.site.name, command: `SIZE ${source.path}` });
  const src: Tree = { root: parentPath(source.path), exists: true, files: new Map(), dirs: new Set(), skipped: [] };
  const dst: Tree = { root: parentPath(destination.path), exists: true, files: new Map(), dirs: new Set(), skipped: [] };
  const name = baseName(source.path);
  src.files.set(name, { path: name, ...srcFacts });
  if (dstFacts) dst.files.set(name, { path: name, ...dstFacts });
  const { items } = planFromTrees(src, dst, rule, opts.toleranceMs);
  const item = items[0]!;
  item.target = baseName(destination.path);
  if (item.action === 'rename') {
    item.target = await freeRemoteName(engine, { site: destination.site, path: dst.root }, item.target);
    item.reason = `exists: copy as "${item.target}"`;
  }
  return {
    source: { site: source.site, path: src.root }, destination: { site: destination.site, path: dst.root },
    rule, exclude: [], dirs: [], items, skipped: [],
  };
}

async function freeRemoteName(engine: FxpEngine, folder: Endpoint, name: string): Promise<string> {
  const taken = new Set([name]);
  for (;;) {
    const candidate = freeName(name, taken);
    if ((await engine.size(folder.site, resolvePath(folder.path, candidate))) === undefined) return candidate;
    taken.add(candidate);
  }
}

async function fileFacts(engine: FxpEngine, at: Endpoint, rule: ExistsRule): Promise<{ size: number; modified?: Date } | undefined> {
  return engine.withConnection(at.site, 'browse', async conn => {
    const size = await conn.size(at.path);
    if (size === undefined || rule !== 'newer' || !conn.caps.mdtm) return size === undefined ? undefined : { size };
    const reply = await conn.raw(`MDTM ${at.path}`);
    return { size, modified: reply.code === 213 ? parseMdtmReply(reply.text) : undefined };
  });
}

export interface PlanSummary {
  files: number;
  bytes: number;
  /** Files that will be sent (copy, resume, rename) and the bytes that will move. */
  send: number;
  sendBytes: number;
  byAction: Record<PlanAction, number>;
  dirs: number;
  skipped: number;
}

export function summarize(plan: Pick<FolderPlan, 'items' | 'dirs' | 'skipped'>): PlanSummary {
  const byAction: Record<PlanAction, number> = { copy: 0, resume: 0, rename: 0, skip: 0, conflict: 0 };
  let bytes = 0;
  let sendBytes = 0;
  for (const item of plan.items) {
    byAction[item.action]++;
    bytes += item.size;
    if (isSend(item.action)) sendBytes += item.size - item.restartAt;
  }
  const send = byAction.copy + byAction.resume + byAction.rename;
  return { files: plan.items.length, bytes, send, sendBytes, byAction, dirs: plan.dirs.length, skipped: plan.skipped.length };
}

export function isSend(action: PlanAction): boolean {
  return action === 'copy' || action === 'resume' || action === 'rename';
}

/** The dry run, for people: one line per folder and file, then the totals. */
export function describePlan(plan: FolderPlan): string[] {
  const lines: string[] = [];
  for (const dir of plan.dirs) lines.push(`mkdir   ${dir}/`);
  for (const item of plan.items) {
    const target = item.target !== item.path ? ` -> ${item.target}` : '';
    lines.push(`${item.action.padEnd(8)}${item.path}${target}  (${formatBytes(item.size)}; ${item.reason})`);
  }
  for (const s of plan.skipped) lines.push(`ignore  ${s.path}  (${s.reason})`);
  const sum = summarize(plan);
  const actions = (Object.keys(sum.byAction) as PlanAction[]).filter(a => sum.byAction[a] > 0).map(a => `${sum.byAction[a]} ${a}`);
  lines.push(`Plan (exists-rule "${plan.rule}"${plan.exclude.length ? `, skipping ${plan.exclude.join(' ')}` : ''}): `
    + `${sum.files} files, ${formatBytes(sum.bytes)}; ${sum.send} to send (${formatBytes(sum.sendBytes)}); `
    + `${actions.join(', ') || 'nothing to do'}; ${sum.dirs} folders to create; ${sum.skipped} ignored.`);
  return lines;
}
