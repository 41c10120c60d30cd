/**
 * Copies files and folders from one site to another with the engine's folder jobs (plan, parallel
 * queue, retries, verification), and adds what the extension needs around them: the overwrite question
 * for every file that exists on the destination (asked before any data moves), one relay question per
 * transfer, and a stop at the first failure that concerns the site pair rather than one file.
 * No `vscode` here: the questions go through {@link TransferHooks}.
 */
import {
  baseName, cancelledError, FolderJob, FxpError, joinPath, planFileCopy, planFolderCopy, resolvePath,
  type EntryKind, type ErrorRecord, type FolderPlan, type FxpEngine, type JobProgress, type JobReport, type RelayMode, type Site,
} from './fxp';

export interface TransferItem {
  path: string;
  kind: EntryKind;
  size: number;
}

export type ConflictChoice = 'overwrite' | 'skip' | 'resume';

export interface Conflict {
  source: string;
  destination: string;
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
  current: string[];
}

export interface TransferHooks {
  /** undefined cancels the whole transfer. */
  askConflict(conflict: Conflict): Promise<ConflictAnswer | undefined>;
  /** FXP was refused: may the data go through this machine? Asked at most once per transfer. */
  confirmRelay?(reason: FxpError): Promise<boolean>;
  onProgress?(progress: TransferProgress): void;
}

export interface TransferRequest {
  source: Site;
  items: readonly TransferItem[];
  destination: Site;
  /** Destination folder the items are copied into. */
  folder: string;
  relay: RelayMode;
  signal?: AbortSignal;
  hooks: TransferHooks;
  /** FXP pairs at once (default: the engine's). */
  parallel?: number;
}

export interface CopiedFile {
  /** Source path. */
  path: string;
  /** Destination path. */
  target: string;
  mode: 'fxp' | 'relay';
  bytes: number;
}

export interface TransferReport {
  copied: CopiedFile[];
  /** Source paths not copied because the user said skip. */
  skipped: string[];
  /** Files that failed for a reason of their own (missing, no permission, verification); the others were copied. */
  failed: { path: string; error: FxpError }[];
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

async function plan(engine: FxpEngine, request: TransferRequest): Promise<FolderPlan[]> {
  const plans: FolderPlan[] = [];
  for (const item of request.items) {
    const source = { site: request.source, path: item.path };
    const destination = { site: request.destination, path: joinPath(request.folder, baseName(item.path)) };
    // Rule "overwrite" marks every existing destination file; the user decides each below.
    const opts = { rule: 'overwrite' as const, signal: request.signal };
    plans.push(item.kind === 'dir'
      ? await planFolderCopy(engine, source, destination, opts)
      : await planFileCopy(engine, source, destination, opts));
  }
  return plans;
}

/** Asks about every file that exists on the destination, before anything is copied. */
async function settleConflicts(plans: FolderPlan[], hooks: TransferHooks, destination: string): Promise<string[]> {
  const skipped: string[] = [];
  let standing: ConflictAnswer | undefined;
  for (const p of plans) {
    for (const item of p.items) {
      if (item.existing === undefined || item.action === 'conflict') continue;
      const conflict: Conflict = {
        source: resolvePath(p.source.path, item.path),
        destination: resolvePath(p.destination.path, item.target),
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
        skipped.push(conflict.source);
      } else if (choice === 'resume') {
        Object.assign(item, { action: 'resume', restartAt: conflict.destinationSize, reason: `exists: resume at ${conflict.destinationSize} of ${item.size} bytes (your choice)` });
      } else {
        Object.assign(item, { action: 'copy', restartAt: 0, reason: 'exists: overwrite (your choice)' });
      }
    }
  }
  return skipped;
}

function toProgress(p: JobProgress): TransferProgress {
  return {
    filesDone: p.filesDone + p.filesSkipped + p.filesFailed + p.filesCancelled,
    filesTotal: p.filesTotal,
    bytesDone: p.bytesDone,
    bytesTotal: p.bytesTotal,
    bytesPerSecond: p.bytesPerSecond,
    etaSeconds: p.etaSeconds,
    current: p.active.map(a => a.path),
  };
}

export async function runTransfer(engine: FxpEngine, request: TransferRequest): Promise<TransferReport> {
  const { hooks, signal } = request;
  const plans = await plan(engine, request);
  const skipped = await settleConflicts(plans, hooks, request.destination.name);
  if (signal?.aborted) throw cancelledError();

  let relayAnswer: Promise<boolean> | undefined;
  let fatal: FxpError | undefined;
  const job = FolderJob.fromPlans(engine, plans, {
    relay: request.relay,
    signal,
    parallel: request.parallel,
    partials: 'keep',
    confirmRelay: hooks.confirmRelay ? reason => (relayAnswer ??= hooks.confirmRelay!(reason)) : undefined,
    onProgress: p => hooks.onProgress?.(toProgress(p)),
    onFile: event => {
      const error = event.file.state === 'failed' ? event.file.error : undefined;
      if (error && !fatal && !FILE_LEVEL.has(error.code)) {
        // Every other file would fail the same way (FXP refused, login, connection): stop here.
        fatal = errorFromRecord(error);
        job.cancel();
      }
    },
  });
  const report = await job.run();
  if (fatal) throw fatal;
  // The report lists the files in plan order: plan by plan, item by item.
  const files = plans.flatMap(p => p.items.map(item => ({
    path: resolvePath(p.source.path, item.path), target: resolvePath(p.destination.path, item.target),
  }))).map((names, i) => ({ ...names, file: report.items[i]! }));
  if (report.state === 'cancelled') {
    const err = cancelledError(request.destination.name);
    const partial = files.find(f => f.file.state === 'cancelled' && (f.file.bytes ?? 0) > 0 && !f.file.deleted);
    if (partial) err.partial = { site: request.destination.name, path: partial.target, bytes: partial.file.bytes };
    throw err;
  }
  const copied: CopiedFile[] = files.filter(f => f.file.state === 'done')
    .map(f => ({ path: f.path, target: f.target, mode: f.file.mode ?? 'fxp', bytes: f.file.size }));
  const failed = files.filter(f => f.file.state === 'failed')
    .map(f => ({ path: f.path, error: errorFromRecord(f.file.error ?? { code: 'PROTOCOL', message: f.file.reason, text: f.file.reason }) }));
  return {
    copied, skipped, failed, folders: plans.flatMap(p => [p.destination.path, ...p.dirs.map(d => resolvePath(p.destination.path, d))]),
    bytes: report.bytes.sent, seconds: report.seconds, job: report,
  };
}
