/**
 * Copies files and folders from one site to another, one file at a time through the engine's copyFile:
 * lists source folders recursively, creates the destination folders, asks before overwriting.
 * No `vscode` here: the questions go through {@link TransferHooks}. This is the piece to swap for the
 * engine's folder planner once it exists.
 */
import {
  baseName, cancelledError, FxpError, isFxpError, joinPath, parentPath,
  type CopyResult, type EntryKind, type FxpEngine, type RelayMode, type Site,
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
  /** Bytes of finished or skipped files plus the running file's bytes so far: for the percentage. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes that actually moved in this transfer: for the speed. */
  bytesMoved: number;
  current?: string;
}

export interface TransferHooks {
  /** undefined cancels the whole transfer. */
  askConflict(conflict: Conflict): Promise<ConflictAnswer | undefined>;
  /** FXP was refused: may the data go through this machine? Asked at most once per transfer. */
  confirmRelay?(reason: FxpError): Promise<boolean>;
  onProgress?(progress: TransferProgress): void;
  onFileDone?(result: CopyResult): void;
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
}

export interface PlannedFile {
  source: string;
  destination: string;
  size: number;
}

export interface TransferPlan {
  /** Destination folders to create, parents first. */
  folders: string[];
  files: PlannedFile[];
}

export interface TransferReport {
  copied: CopyResult[];
  skipped: string[];
  failed: { path: string; error: FxpError }[];
  folders: string[];
  bytes: number;
  seconds: number;
}

/** Failures that concern one file; the others (connection, login, FXP refused) stop the whole transfer. */
const FILE_LEVEL = new Set(['NOT_FOUND', 'SERVER_REPLY', 'EXISTS', 'VERIFY_FAILED']);

/** Lists folders on the source recursively; links are copied as files (the server follows them on RETR). */
export async function planTransfer(engine: FxpEngine, source: Site, items: readonly TransferItem[], folder: string, signal?: AbortSignal): Promise<TransferPlan> {
  const plan: TransferPlan = { folders: [], files: [] };
  const walk = async (item: TransferItem, into: string): Promise<void> => {
    if (signal?.aborted) throw cancelledError();
    const target = joinPath(into, baseName(item.path));
    if (item.kind !== 'dir') {
      plan.files.push({ source: item.path, destination: target, size: item.size });
      return;
    }
    plan.folders.push(target);
    const { entries } = await engine.list(source, item.path, signal);
    for (const entry of entries) {
      await walk({ path: joinPath(item.path, entry.name), kind: entry.kind, size: entry.size }, target);
    }
  };
  for (const item of items) await walk(item, folder);
  return plan;
}

/** What to do with one conflict given an earlier "apply to all" answer; undefined = ask the user. */
export function decideConflict(conflict: Conflict, standing: ConflictAnswer | undefined): ConflictChoice | undefined {
  if (!standing?.applyToAll) return undefined;
  if (standing.choice === 'resume' && !conflict.canResume) return undefined;
  return standing.choice;
}

export async function runTransfer(engine: FxpEngine, request: TransferRequest): Promise<TransferReport> {
  const { source, destination, signal, hooks } = request;
  const started = Date.now();
  const plan = await planTransfer(engine, source, request.items, request.folder, signal);
  const report: TransferReport = { copied: [], skipped: [], failed: [], folders: plan.folders, bytes: 0, seconds: 0 };
  const progress: TransferProgress = {
    filesDone: 0, filesTotal: plan.files.length, bytesDone: 0, bytesTotal: plan.files.reduce((n, f) => n + f.size, 0), bytesMoved: 0,
  };
  hooks.onProgress?.({ ...progress });

  for (const folder of plan.folders) {
    if (signal?.aborted) throw cancelledError();
    await engine.ensureDir(destination, folder);
  }

  const existing = new Map<string, Map<string, number>>();
  const sizesIn = async (folder: string): Promise<Map<string, number>> => {
    let sizes = existing.get(folder);
    if (!sizes) {
      sizes = new Map();
      try {
        for (const entry of (await engine.list(destination, folder, signal)).entries) {
          if (entry.kind !== 'dir') sizes.set(entry.name, entry.size);
        }
      } catch (err) {
        if (!isFxpError(err) || !FILE_LEVEL.has(err.code)) throw err;
      }
      existing.set(folder, sizes);
    }
    return sizes;
  };

  let standing: ConflictAnswer | undefined;
  let relayAnswer: Promise<boolean> | undefined;
  const confirmRelay = hooks.confirmRelay
    ? (reason: FxpError) => (relayAnswer ??= hooks.confirmRelay!(reason))
    : undefined;

  for (const file of plan.files) {
    if (signal?.aborted) throw cancelledError();
    const destinationSize = (await sizesIn(parentPath(file.destination))).get(baseName(file.destination));
    let restartAt: number | undefined;
    if (destinationSize !== undefined) {
      const conflict: Conflict = {
        source: file.source, destination: file.destination, sourceSize: file.size, destinationSize,
        canResume: destinationSize > 0 && destinationSize < file.size,
      };
      let choice = decideConflict(conflict, standing);
      if (!choice) {
        const answer = await hooks.askConflict(conflict);
        if (!answer) throw cancelledError(destination.name);
        if (answer.applyToAll) standing = answer;
        choice = answer.choice === 'resume' && !conflict.canResume ? 'overwrite' : answer.choice;
      }
      if (choice === 'skip') {
        report.skipped.push(file.source);
        progress.filesDone++;
        progress.bytesDone += file.size;
        hooks.onProgress?.({ ...progress });
        continue;
      }
      if (choice === 'resume') restartAt = destinationSize;
    }
    const doneBefore = progress.bytesDone;
    const movedBefore = progress.bytesMoved;
    progress.current = file.source;
    hooks.onProgress?.({ ...progress });
    try {
      const result = await engine.copyFile(source, file.source, destination, file.destination, {
        relay: request.relay,
        signal,
        restartAt,
        confirmRelay,
        onBytes: bytes => {
          const sofar = Math.min(bytes, file.size);
          progress.bytesDone = doneBefore + sofar;
          progress.bytesMoved = movedBefore + Math.max(0, sofar - (restartAt ?? 0));
          hooks.onProgress?.({ ...progress });
        },
      });
      report.copied.push(result);
      report.bytes += result.bytes - (restartAt ?? 0);
      progress.bytesMoved = movedBefore + Math.max(0, result.bytes - (restartAt ?? 0));
      hooks.onFileDone?.(result);
    } catch (err) {
      const error = isFxpError(err) ? err : new FxpError('CONNECTION_LOST', String(err), { cause: err });
      if (!FILE_LEVEL.has(error.code)) throw error;
      report.failed.push({ path: file.source, error });
      progress.bytesMoved = movedBefore;
    }
    progress.filesDone++;
    progress.bytesDone = doneBefore + file.size;
    progress.current = undefined;
    hooks.onProgress?.({ ...progress });
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
