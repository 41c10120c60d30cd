/**
 * Copies files and folders from one site to another with the engine's folder jobs (plan, parallel
 * queue, retries, verification), and adds what the extension needs around them: the overwrite question
 * for every file that exists on the destination (asked before any data moves), one relay question per
 * transfer, and a stop at the first failure that concerns the site pair rather than one file.
 * No `vscode` here: the questions go through {@link TransferHooks}.
 */
import { rmSync } from 'fs';
import { copyEvents } from './extensionEngine';
import {
  baseName, cancelledError, FolderJob, FxpError, joinPath, parentPath, planFileCopy, planFolderCopies, resolvePath,
  type CopyResult, type DataProtection, type EntryKind, type ErrorRecord, type FolderPlan, type FxpEngine, type JobFile, type JobOptions,
  type JobPart, type JobProgress, type JobReport, type Journal, type RelayMode, type Site,
} from './fxp';
import { isClearBetweenTls } from './protection';
import type { ExistsChoice } from './siteConfig';

export interface TransferItem {
  path: string;
  kind: EntryKind;
  size: number;
}

export type ConflictChoice = 'overwrite' | 'skip' | 'resume';

export interface Conflict {
  source: string;
  destination: string;
  /** Name of the destination site (one-to-many: each destination is asked about). */
  destinationSite: string;
  sourceSize: number;
  destinationSize: number;
  /** The destination is smaller: it can be completed from where it stops. */
  canResume: boolean;
}

export interface ConflictAnswer {
  choice: ConflictChoice;
  /** Use this answer for the remaining conflicts of the same transfer (resume: where possible). */
  applyToAll: boolean;
}

export interface TransferProgress {
  filesDone: number;
  filesTotal: number;
  /** Bytes at the destination of the files this transfer copies, of bytesTotal. */
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  /** Files being copied right now. */
  files: ActiveFile[];
}

/** A file being copied right now. */
export interface ActiveFile {
  /** Names the file to {@link TransferControl.cancelFile}. */
  readonly key: string;
  /** Source path. */
  path: string;
  /** Destination site name. */
  destination: string;
  /** Destination path. */
  target: string;
  size: number;
  /** Bytes at the destination so far (as far as the engine could observe them). */
  bytes: number;
}

/** A running transfer, for the user's hand on it. */
export interface TransferControl {
  /** Stops one file (ABOR on both servers if it is being copied); the others go on. False: it is not running or waiting any more. */
  cancelFile(key: string): boolean;
}

export interface TransferHooks {
  /** undefined cancels the whole transfer. */
  askConflict(conflict: Conflict): Promise<ConflictAnswer | undefined>;
  /** FXP was refused: may the data go through this machine? Asked at most once per transfer. */
  confirmRelay?(reason: FxpError): Promise<boolean>;
  onProgress?(progress: TransferProgress): void;
  /** The job runs: single files can be cancelled from now on. */
  onJob?(control: TransferControl): void;
}

export interface Destination {
  site: Site;
  /** Folder the items are copied into. */
  folder: string;
}

/** What every job of the extension is run with, new or resumed. */
export interface JobRequest {
  relay?: RelayMode;
  signal?: AbortSignal;
  hooks: TransferHooks;
}

export interface TransferRequest extends JobRequest {
  source: Site;
  items: readonly TransferItem[];
  destination: Site;
  /** Destination folder the items are copied into. */
  folder: string;
  /** One source, many destinations: each its own stream; a destination that has a file may feed the others. */
  moreDestinations?: readonly Destination[];
  relay: RelayMode;
  /** FXP pairs at once per destination (default: the engine's). */
  parallel?: number;
  /** A file that exists on the destination: ask (default, through hooks.askConflict) or an engine rule. */
  exists?: ExistsChoice;
  /** Globs of files and folders left out. */
  exclude?: string[];
  dataProtection?: DataProtection;
  /** The job journal (a reload resumes from it); deleted once the job has finished every file. */
  journalPath?: string;
}

export interface CopiedFile {
  /** Source path. */
  path: string;
  /** Destination site name. */
  destination: string;
  /** Destination path. */
  target: string;
  mode: 'fxp' | 'relay';
  bytes: number;
  /** How the data travelled ("TLS FXP (SSCN, ...)", "clear data", "relay over TLS"), when this run copied it. */
  channel?: string;
  encrypted?: boolean;
  /** One-to-many: the destination site the data came from instead of the source. */
  via?: string;
  /** The data crossed the network unencrypted although both servers speak TLS (clear-data FXP). */
  clearBetweenTls?: boolean;
}

export interface CancelledFile {
  /** Source path. */
  path: string;
  /** Destination site. */
  site: Site;
  /** Destination path. */
  target: string;
  /** What is left of it at the destination (undefined: nothing, or not known). */
  bytes?: number;
  deleted?: boolean;
}

export interface TransferReport {
  copied: CopiedFile[];
  /** Source paths not copied: the user said skip, or the exists-rule did. */
  skipped: string[];
  /** Files that failed for a reason of their own (missing, no permission, verification); the others were copied. */
  failed: { path: string; error: FxpError }[];
  /** Files the user cancelled one by one ("Cancel a File…"); the others went on. */
  cancelled: CancelledFile[];
  /** Destination folders created or already there. */
  folders: string[];
  /** Bytes sent in this transfer (a resumed file counts from its restart offset). */
  bytes: number;
  seconds: number;
  job: JobReport;
}

/** Failures that concern one file; the others (connection, login, FXP refused) stop the whole transfer. */
const FILE_LEVEL = new Set<FxpError['code']>(['NOT_FOUND', 'SERVER_REPLY', 'EXISTS', 'VERIFY_FAILED']);

/** What to do with one conflict given an earlier "apply to all" answer; undefined = ask the user. */
export function decideConflict(conflict: Conflict, standing: ConflictAnswer | undefined): ConflictChoice | undefined {
  if (!standing?.applyToAll) return undefined;
  if (standing.choice === 'resume' && !conflict.canResume) return undefined;
  return standing.choice;
}

/** An engine error record (from the job's journal) back into an error that reads the same. */
export function errorFromRecord(record: ErrorRecord): FxpError {
  const prefix = record.site ? `${record.site}: ` : '';
  const text = prefix && record.text.startsWith(prefix) ? record.text.slice(prefix.length) : record.text;
  return new FxpError(record.code, text, { site: record.site });
}

function destinations(request: TransferRequest): Destination[] {
  return [{ site: request.destination, folder: request.folder }, ...(request.moreDestinations ?? [])];
}

/** Where an item's plan starts on its source and each destination: a folder is its own root, a file its parent. */
function roots(plan: FolderPlan, kind: EntryKind): { source: string; destination: string; prefix: string } {
  return kind === 'dir'
    ? { source: parentPath(plan.source.path), destination: parentPath(plan.destination.path), prefix: baseName(plan.source.path) }
    : { source: plan.source.path, destination: plan.destination.path, prefix: '' };
}

/**
 * One plan per destination for the items that share a source folder: the job then has one part per
 * destination, all from the same source, which is what lets a finished destination feed the others (and
 * never with a file of another item that has the same relative path: the engine feeds by relative path).
 */
export function mergePlans(perItem: { kind: EntryKind; plans: FolderPlan[] }[]): FolderPlan[] {
  // One item: its own plans, whose roots name it (the journal and "Resume" show them).
  if (perItem.length === 1) return perItem[0]!.plans;
  const merged = new Map<string, FolderPlan>();
  for (const { kind, plans } of perItem) {
    for (const plan of plans) {
      const root = roots(plan, kind);
      const under = (path: string) => (root.prefix ? resolvePath(root.prefix, path) : path);
      const key = [plan.source.site.name, root.source, plan.destination.site.name, root.destination].join('\0');
      let target = merged.get(key);
      if (!target) {
        target = { ...plan, source: { ...plan.source, path: root.source }, destination: { ...plan.destination, path: root.destination }, dirs: [], items: [], skipped: [] };
        merged.set(key, target);
      }
      if (root.prefix) target.dirs.push(root.prefix);
      target.dirs.push(...plan.dirs.map(under));
      target.items.push(...plan.items.map(item => ({ ...item, path: under(item.path), target: under(item.target) })));
      target.skipped.push(...plan.skipped.map(skip => ({ ...skip, path: under(skip.path) })));
    }
  }
  return [...merged.values()];
}

/** The plans for every item and destination (the exists-rule decides, or "overwrite" to be settled by asking). */
async function planItems(engine: FxpEngine, request: TransferRequest): Promise<{ kind: EntryKind; plans: FolderPlan[] }[]> {
  const rule = request.exists === undefined || request.exists === 'ask' ? 'overwrite' : request.exists;
  const opts = { rule, exclude: request.exclude, signal: request.signal };
  const out: { kind: EntryKind; plans: FolderPlan[] }[] = [];
  for (const item of request.items) {
    const source = { site: request.source, path: item.path };
    const targets = destinations(request).map(d => ({ site: d.site, path: joinPath(d.folder, baseName(item.path)) }));
    const plans = item.kind === 'dir'
      ? await planFolderCopies(engine, source, targets, opts)
      : await Promise.all(targets.map(target => planFileCopy(engine, source, target, opts)));
    out.push({ kind: item.kind, plans });
  }
  return out;
}

/** The dry run: the plans a transfer would run, one per destination and source folder. Changes nothing. */
export async function planTransfer(engine: FxpEngine, request: TransferRequest): Promise<FolderPlan[]> {
  return mergePlans(await planItems(engine, request));
}

/** Asks about every file that exists on the destination, before anything is copied. */
async function settleConflicts(plans: FolderPlan[], hooks: TransferHooks, destination: string): Promise<void> {
  let standing: ConflictAnswer | undefined;
  for (const p of plans) {
    for (const item of p.items) {
      if (item.existing === undefined || item.action === 'conflict') continue;
      const conflict: Conflict = {
        source: resolvePath(p.source.path, item.path),
        destination: resolvePath(p.destination.path, item.target),
        destinationSite: p.destination.site.name,
        sourceSize: item.size,
        destinationSize: item.existing,
        canResume: item.existing > 0 && item.existing < item.size,
      };
      let choice = decideConflict(conflict, standing);
      if (!choice) {
        const answer = await hooks.askConflict(conflict);
        if (!answer) throw cancelledError(destination);
        if (answer.applyToAll) standing = answer;
        choice = answer.choice === 'resume' && !conflict.canResume ? 'overwrite' : answer.choice;
      }
      if (choice === 'skip') {
        Object.assign(item, { action: 'skip', restartAt: 0, reason: 'exists: skipped (your choice)' });
      } else if (choice === 'resume') {
        Object.assign(item, { action: 'resume', restartAt: conflict.destinationSize, reason: `exists: resume at ${conflict.destinationSize} of ${item.size} bytes (your choice)` });
      } else {
        Object.assign(item, { action: 'copy', restartAt: 0, reason: 'exists: overwrite (your choice)' });
      }
    }
  }
}

/** A file on one site: the key of per-file maps. */
const fileKey = (site: string, path: string) => `${site}\0${path}`;

/** The files of a job that are being copied now, from its file events: what progress lists and "Cancel a File…" offers. */
class RunningFiles {
  private readonly parts: Map<JobFile, JobPart>;
  private readonly running = new Map<string, { part: JobPart; file: JobFile }>();

  constructor(private readonly job: FolderJob) {
    this.parts = new Map(job.job.parts.flatMap(part => part.files.map(file => [file, part] as const)));
  }

  event(file: JobFile, running: boolean): void {
    const part = this.parts.get(file);
    if (!part) return;
    const key = fileKey(part.destination.site.name, file.path);
    if (running) this.running.set(key, { part, file });
    else this.running.delete(key);
  }

  progress(p: JobProgress): TransferProgress {
    const files = [...this.running].map(([key, { part, file }]): ActiveFile => {
      const target = resolvePath(part.destination.path, file.target);
      const measured = p.active.find(a => a.path === file.path && a.destination === target);
      return { key, path: resolvePath(part.source.path, file.path), destination: part.destination.site.name, target, size: file.size, bytes: measured?.bytes ?? 0 };
    });
    return {
      filesDone: p.filesDone + p.filesSkipped + p.filesFailed + p.filesCancelled,
      filesTotal: p.filesTotal,
      bytesDone: p.bytesDone,
      bytesTotal: p.bytesTotal,
      bytesPerSecond: p.bytesPerSecond,
      etaSeconds: p.etaSeconds,
      files,
    };
  }

  cancel(key: string): boolean {
    const entry = this.running.get(key);
    return entry !== undefined && this.job.cancelFile(entry.file.path, entry.part.destination.site.name);
  }
}


/**
 * Runs a job (new or resumed) with the extension's rules: one relay question per job, a stop at the first
 * failure that concerns the pair rather than one file, the channel of every copy, and the journal removed
 * once every file is finished.
 */
async function runJob(engine: FxpEngine, request: JobRequest, create: (options: JobOptions) => FolderJob): Promise<TransferReport> {
  const { hooks, signal } = request;
  let relayAnswer: Promise<boolean> | undefined;
  let fatal: FxpError | undefined;
  const channels = new Map<string, CopyResult>();
  const watching = copyEvents(engine)?.onDidCopy(result => channels.set(fileKey(result.destination.site, result.destination.path), result));
  let running: RunningFiles | undefined;
  const job = create({
    relay: request.relay,
    signal,
    confirmRelay: hooks.confirmRelay ? reason => (relayAnswer ??= hooks.confirmRelay!(reason)) : undefined,
    onProgress: p => running && hooks.onProgress?.(running.progress(p)),
    onFile: event => {
      running?.event(event.file, event.running);
      const error = event.file.state === 'failed' ? event.file.error : undefined;
      if (error && !fatal && !FILE_LEVEL.has(error.code)) {
        // Every other file would fail the same way (FXP refused, login, connection): stop here.
        fatal = errorFromRecord(error);
        job.cancel();
      }
    },
  });
  const tracker = new RunningFiles(job);
  running = tracker;
  hooks.onJob?.({ cancelFile: key => tracker.cancel(key) });
  let report: JobReport;
  try {
    report = await job.run();
  } finally {
    watching?.dispose();
  }
  if (report.state === 'done' && report.journal) rmSync(report.journal, { force: true });
  if (fatal) throw fatal;
  // The report lists the files in the job's order: part by part, file by file.
  const files = job.job.parts.flatMap(part => part.files.map(f => ({
    path: resolvePath(part.source.path, f.path), target: resolvePath(part.destination.path, f.target), destination: part.destination.site.name,
    sites: [part.source.site, part.destination.site] as const,
  }))).map((names, i) => ({ ...names, file: report.items[i]! }));
  if (report.state === 'cancelled') {
    const err = cancelledError(files[0]?.destination);
    const partial = files.find(f => f.file.state === 'cancelled' && (f.file.bytes ?? 0) > 0 && !f.file.deleted);
    if (partial) err.partial = { site: partial.destination, path: partial.target, bytes: partial.file.bytes };
    throw err;
  }
  const copied: CopiedFile[] = files.filter(f => f.file.state === 'done').map(f => {
    const result = channels.get(fileKey(f.destination, f.target));
    return {
      path: f.path, destination: f.destination, target: f.target, mode: f.file.mode ?? 'fxp', bytes: f.file.size,
      channel: result?.channel, encrypted: result?.encrypted, via: f.file.via,
      clearBetweenTls: result ? isClearBetweenTls(result.channel, ...f.sites) : undefined,
    };
  });
  const failed = files.filter(f => f.file.state === 'failed')
    .map(f => ({ path: f.path, error: errorFromRecord(f.file.error ?? { code: 'PROTOCOL', message: f.file.reason, text: f.file.reason }) }));
  const cancelled = files.filter(f => f.file.state === 'cancelled')
    .map(f => ({ path: f.path, site: f.sites[1], target: f.target, bytes: f.file.bytes, deleted: f.file.deleted }));
  return {
    copied, skipped: files.filter(f => f.file.state === 'skipped').map(f => f.path), failed, cancelled,
    folders: job.job.parts.flatMap(p => [p.destination.path, ...p.dirs.map(d => resolvePath(p.destination.path, d))]),
    bytes: report.bytes.sent, seconds: report.seconds, job: report,
  };
}

export interface PlannedRequest extends JobRequest {
  parallel?: number;
  dataProtection?: DataProtection;
  journalPath?: string;
}

/** Runs plans made elsewhere (Sync A to B: the differences a comparison found) as one job. */
export function runPlanned(engine: FxpEngine, plans: FolderPlan[], request: PlannedRequest): Promise<TransferReport> {
  return runJob(engine, request, options => FolderJob.fromPlans(engine, plans, {
    ...options, parallel: request.parallel, partials: 'keep', dataProtection: request.dataProtection, journalPath: request.journalPath,
  }));
}

export async function runTransfer(engine: FxpEngine, request: TransferRequest): Promise<TransferReport> {
  const perItem = await planItems(engine, request);
  const plans = mergePlans(perItem);
  if (request.exists === undefined || request.exists === 'ask') await settleConflicts(plans, request.hooks, request.destination.name);
  if (request.signal?.aborted) throw cancelledError();
  const report = await runPlanned(engine, plans, request);
  // The folders each item made, as the user sees them (not the shared roots the job starts from).
  report.folders = perItem.flatMap(({ plans: itemPlans }) => itemPlans.flatMap(p => [p.destination.path, ...p.dirs.map(d => resolvePath(p.destination.path, d))]));
  return report;
}

/** Finishes a job from its journal: done files stay done, started ones continue from where they stop (REST). */
export function resumeTransfer(engine: FxpEngine, journal: Journal, request: JobRequest): Promise<TransferReport> {
  return runJob(engine, request, options => FolderJob.fromJournal(engine, journal, options));
}
