import { randomBytes } from 'crypto';
import type { CopyOptions, RelayMode } from '../copy';
import type { FxpEngine } from '../engine';
import { FxpError, isFxpError } from '../errors';
import { credentialKey, type Site } from '../site';
import { applyEvent, errorRecord, Journal, newJob, type ErrorRecord, type FileState, type JobFile, type JobPart, type JobRecord, type JobState, type JournalEvent, type PartialChoice } from './journal';
import type { SitePool } from '../pool';
import type { FolderPlan } from './plan';
import { RateMeter, etaSeconds, type JobProgress } from './progress';
import { notAttempted, TransferQueue, type Location, type QueueTask, type TaskOutcome } from './queue';
import { retrying } from './retry';
import { resolvePath } from './tree';

export interface JobOptions {
  /** FXP pairs at once per destination (default 4), bounded by each site's connection limit minus one. */
  parallel?: number;
  /** Further attempts after a transient failure (default 3); 530 is never retried. */
  retries?: number;
  /** First retry delay, doubled each time (default 1000 ms). */
  backoffMs?: number;
  relay?: RelayMode;
  /** A cancelled file's partial copy: kept for resume (default) or deleted. */
  partials?: PartialChoice;
  /** Copies get their source's modification time where the destination has MFMT (default true). */
  preserveTimes?: boolean;
  signal?: AbortSignal;
  /** Where the job journal goes (CLI: a state file; extension: global storage). Without it, no resume after a crash. */
  journalPath?: string;
  onProgress?: (progress: JobProgress) => void;
  /** How often onProgress is called while the job runs (default 500 ms); also once at the end. */
  progressIntervalMs?: number;
  /** Every change of a file's state (started, done, failed, cancelled). */
  onFile?: (event: FileEvent) => void;
  /** A server said it was full: its site's connection limit is now `limit`. */
  onLimit?: (site: Site, limit: number) => void;
  confirmRelay?: CopyOptions['confirmRelay'];
  /** TLS sites: whether file data must be encrypted between the servers (default preferred). */
  dataProtection?: CopyOptions['dataProtection'];
}

export interface FileEvent {
  destination: string;
  file: JobFile;
  /** A transfer of this file is running now (false once it ended, also while it waits for a retry). */
  running: boolean;
  /** The attempt that just ended will be followed by another one. */
  retry?: { error: ErrorRecord; delayMs: number };
}

export interface FileReport {
  /** Destination site name. */
  destination: string;
  path: string;
  target: string;
  state: FileState;
  size: number;
  bytes?: number;
  action: JobFile['action'];
  reason: string;
  attempts: number;
  mode?: 'fxp' | 'relay';
  verification?: string;
  via?: string;
  deleted?: boolean;
  error?: ErrorRecord;
}

export interface FileCounts {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  cancelled: number;
  pending: number;
}

export interface PartReport {
  source: string;
  destination: string;
  files: FileCounts;
  /** How many files were copied from where: the source, or (one-to-many) a destination that already had them. */
  copiedFrom: Record<string, number>;
}

export interface JobReport {
  id: string;
  state: JobState;
  journal?: string;
  seconds: number;
  parallel: number;
  files: FileCounts;
  bytes: {
    /** Every file in the job. */
    total: number;
    /** Sent in this run (resumed files count from their restart offset). */
    sent: number;
  };
  parts: PartReport[];
  failures: FileReport[];
  cancelled: FileReport[];
  /** Connection limits lowered after "too many connections". */
  limits: { site: string; limit: number }[];
  /** Every file of every destination. */
  items: FileReport[];
}

/** Folders created per round trip (MKD commands sent together). */
const MKD_BATCH = 64;

const DEFAULTS = { parallel: 4, retries: 3, backoffMs: 1_000, relay: 'auto' as RelayMode, partials: 'keep' as PartialChoice, preserveTimes: true };

/**
 * A folder job: creates the folders, runs the queue over every file that is not finished, keeps the
 * journal, reports progress, and ends with a report. Built from plans, or from a journal to resume.
 */
export class FolderJob {
  private readonly controller = new AbortController();
  private queue: TransferQueue | undefined;
  private readonly limits = new Map<string, number>();
  private readonly meter = new RateMeter();
  /** Transfer logins started ahead of the copies, per site (see warmTransfers). */
  private readonly warmed = new Map<SitePool, Promise<void>>();
  private started = Date.now();
  private sentBytes = 0;
  private doneBytes = 0;
  private totalBytes = 0;

  private constructor(
    private readonly engine: FxpEngine,
    readonly job: JobRecord,
    private readonly journal: Journal | undefined,
    private readonly options: JobOptions,
  ) {
    if (options.signal?.aborted) this.cancel();
  }

  /** A new job; one plan per destination. */
  static fromPlans(engine: FxpEngine, plans: FolderPlan[], options: JobOptions = {}): FolderJob {
    const record = newJob(randomBytes(6).toString('hex'), plans, {
      parallel: options.parallel ?? DEFAULTS.parallel, retries: options.retries ?? DEFAULTS.retries, relay: options.relay ?? DEFAULTS.relay,
      partials: options.partials ?? DEFAULTS.partials, preserveTimes: options.preserveTimes ?? DEFAULTS.preserveTimes,
      dataProtection: options.dataProtection,
    });
    const journal = options.journalPath ? Journal.create(options.journalPath, record) : undefined;
    return new FolderJob(engine, record, journal, options);
  }

  /** The job recorded in a journal, to finish what it did not: done files stay done, started ones resume with REST. */
  static resume(engine: FxpEngine, journalPath: string, options: Omit<JobOptions, 'journalPath'> = {}): FolderJob {
    return FolderJob.fromJournal(engine, Journal.open(journalPath), options);
  }

  /** Same as resume, for a journal already opened (to look at its sites first, e.g. to ask for passwords). */
  static fromJournal(engine: FxpEngine, journal: Journal, options: Omit<JobOptions, 'journalPath'> = {}): FolderJob {
    const stored = journal.job.options;
    return new FolderJob(engine, journal.job, journal, {
      ...options, journalPath: journal.path,
      parallel: options.parallel ?? stored.parallel, retries: options.retries ?? stored.retries, relay: options.relay ?? stored.relay,
      partials: options.partials ?? stored.partials, preserveTimes: options.preserveTimes ?? stored.preserveTimes,
      dataProtection: options.dataProtection ?? stored.dataProtection,
    });
  }

  cancel(): void {
    this.controller.abort();
  }

  /** Cancels one file (path relative to the source folder) on every destination, or on the one named. */
  cancelFile(path: string, destination?: string): boolean {
    let any = false;
    this.forEachFile((part, file, id) => {
      if (file.path === path && (!destination || part.destination.site.name === destination)) {
        if (this.queue?.cancel(id)) any = true;
      }
    });
    return any;
  }

  progress(): JobProgress {
    const counts = this.counts();
    const active = this.queue?.active() ?? [];
    const bytesDone = this.doneBytes + active.reduce((n, f) => n + f.bytes, 0);
    this.meter.sample(bytesDone, Date.now());
    return {
      filesTotal: counts.total, filesDone: counts.done, filesSkipped: counts.skipped, filesFailed: counts.failed, filesCancelled: counts.cancelled,
      bytesTotal: this.totalBytes, bytesDone, bytesPerSecond: this.meter.bytesPerSecond,
      etaSeconds: etaSeconds(this.totalBytes - bytesDone, this.meter.bytesPerSecond),
      elapsedSeconds: (Date.now() - this.started) / 1000, active,
    };
  }

  async run(): Promise<JobReport> {
    const onAbort = () => this.cancel();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.runJob();
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runJob(): Promise<JobReport> {
    this.started = Date.now();
    this.record({ t: 'job', s: 'running' });
    const timer = this.options.onProgress ? setInterval(() => this.options.onProgress?.(this.progress()), this.options.progressIntervalMs ?? 500) : undefined;
    try {
      const tasks = await this.prepare().catch((err: unknown) => {
        if (isFxpError(err, 'CANCELLED')) return [];
        throw err;
      });
      this.totalBytes = tasks.reduce((n, t) => n + t.size, 0);
      this.queue = new TransferQueue(this.engine, tasks, {
        parallel: (this.options.parallel ?? DEFAULTS.parallel) * this.job.parts.length,
        retries: this.options.retries ?? DEFAULTS.retries,
        backoffMs: this.options.backoffMs ?? DEFAULTS.backoffMs,
        relay: this.options.relay ?? DEFAULTS.relay,
        partials: this.options.partials ?? DEFAULTS.partials,
        preserveTimes: this.options.preserveTimes ?? DEFAULTS.preserveTimes,
        signal: this.controller.signal,
        confirmRelay: this.options.confirmRelay,
        dataProtection: this.options.dataProtection,
      }, {
        sources: task => this.sourcesFor(task.id),
        onStart: (task, attempt, source) => this.fileEvent(task.id, { s: 'started', a: attempt, via: this.via(task.id, source) }),
        onEnd: (task, outcome) => this.finished(task, outcome),
        onRetry: (task, error, delayMs) => this.options.onFile?.({
          destination: this.job.parts[this.locate(task.id).p]!.destination.site.name, file: this.file(task.id),
          running: false, retry: { error: errorRecord(error), delayMs },
        }),
        onLimit: (site, limit) => {
          this.limits.set(site.name, limit);
          this.options.onLimit?.(site, limit);
        },
      });
      await this.queue.run();
      // Time stamps (MFMT) go out without waiting for their replies: the job is done once they are answered.
      await this.engine.settle();
    } catch (err) {
      this.record({ t: 'job', s: 'interrupted' });
      throw err;
    } finally {
      clearInterval(timer);
      this.journal?.close();
    }
    const counts = this.counts();
    // Files cancelled one by one were the user's choice: they do not make the job unfinished.
    const state: JobState = this.controller.signal.aborted && counts.pending + counts.cancelled > 0 ? 'cancelled'
      : counts.failed + counts.pending > 0 ? 'failed' : 'done';
    this.record({ t: 'job', s: state });
    this.journal?.snapshot();
    this.options.onProgress?.(this.progress());
    return this.report(state);
  }

  /** Creates the folders on every destination; the files that still need work become queue tasks. */
  private async prepare(): Promise<QueueTask[]> {
    const policy = { retries: this.options.retries ?? DEFAULTS.retries, backoffMs: this.options.backoffMs ?? DEFAULTS.backoffMs, signal: this.controller.signal };
    const unusable = await Promise.all(this.job.parts.map(async part => {
      try {
        await retrying(() => this.engine.ensureDir(part.destination.site, part.destination.path), policy);
        const warm = this.warmTransfers(part).then(() => undefined, (err: unknown) => err);
        if (part.dirs.length > 0) await retrying(() => this.makeDirs(part), policy);
        const refused = await warm;
        if (refused) throw refused;
        return undefined;
      } catch (err) {
        if (!isFxpError(err) || err.code === 'CANCELLED') throw err;
        return err;
      }
    }));
    const tasks: QueueTask[] = [];
    this.forEachFile((part, file, id, p) => {
      if (file.state === 'done' || file.state === 'skipped' || file.action === 'conflict') return;
      const problem = unusable[p];
      if (problem) {
        this.fileEvent(id, { s: 'failed', e: errorRecord(notAttempted(problem)) });
        return;
      }
      tasks.push({
        id, label: file.path,
        destination: { site: part.destination.site, path: resolvePath(part.destination.path, file.target) },
        size: file.size, modified: file.modified ? new Date(file.modified) : undefined, restartAt: file.restartAt,
        existed: file.existing !== undefined, touched: file.state !== 'pending' || file.attempts > 0,
      });
    });
    // Interleave destinations file by file, so that a file finished on one can feed the others.
    const position = (id: number) => this.locate(id).i;
    return tasks.sort((a, b) => position(a.id) - position(b.id) || a.id - b.id);
  }

  /**
   * One transfer connection per site of this part, logged in while the folders are made rather than when the
   * first copy needs it. Only on sites where a login already worked in this run; a refused one fails the part.
   */
  private async warmTransfers(part: JobPart): Promise<void> {
    if (!part.files.some(f => f.state !== 'done' && f.state !== 'skipped' && f.action !== 'conflict')) return;
    const pools = new Set([this.engine.pool(part.source.site), this.engine.pool(part.destination.site)]);
    await Promise.all([...pools].filter(pool => pool.openConnections > 0 || this.warmed.has(pool)).map(pool => {
      // Once per site and job (parts share sources). A refused login ends the part here, as the queue would
      // (530 is never retried); anything else is left to the copies, which retry what is worth retrying.
      let warming = this.warmed.get(pool);
      if (!warming) {
        warming = pool.tryAcquire('transfer', this.controller.signal).then(conn => {
          if (conn) pool.release(conn, 'transfer');
        }, (err: unknown) => {
          if (isFxpError(err, 'LOGIN_FAILED')) throw err;
        });
        this.warmed.set(pool, warming);
      }
      return warming;
    }));
  }

  private async makeDirs(part: JobPart): Promise<void> {
    await this.engine.withConnection(part.destination.site, 'browse', async conn => {
      // Parents come before their children (sorted paths): sent at once, the server still makes them in order.
      for (let at = 0; at < part.dirs.length; at += MKD_BATCH) {
        const commands = part.dirs.slice(at, at + MKD_BATCH).map(dir => `MKD ${resolvePath(part.destination.path, dir)}`);
        const replies = await conn.pipeline(commands);
        replies.forEach((reply, n) => {
          // 550/521: it exists already (or cannot be made: its files will fail with the server's reason).
          if (reply.code >= 400 && reply.code !== 550 && reply.code !== 521) throw conn.replyError(commands[n]!, reply);
        });
      }
    }, this.controller.signal);
  }

  /** The job's source first; then destinations that already hold a verified copy made by this job. */
  private sourcesFor(id: number): Location[] {
    const { p, i } = this.locate(id);
    const part = this.job.parts[p]!;
    const file = part.files[i]!;
    const origin = { site: part.source.site, path: resolvePath(part.source.path, file.path) };
    const feeders: Location[] = [];
    this.job.parts.forEach((other, q) => {
      const copy = other.files[i];
      // Only a verified copy of this very file may serve as its source: same source site and folder, same path.
      const sameSource = credentialKey(other.source.site) === credentialKey(part.source.site) && other.source.path === part.source.path;
      if (q === p || !sameSource || !copy || copy.path !== file.path || copy.target !== file.path || copy.state !== 'done' || copy.size !== file.size) return;
      feeders.push({ site: other.destination.site, path: resolvePath(other.destination.path, copy.target) });
    });
    return [origin, ...feeders];
  }

  private via(id: number, source: Location): string | undefined {
    const part = this.job.parts[this.locate(id).p]!;
    return source.site === part.source.site ? undefined : source.site.name;
  }

  private finished(task: QueueTask, outcome: TaskOutcome): void {
    const file = this.file(task.id);
    if (outcome.state === 'done') {
      this.doneBytes += task.size;
      this.sentBytes += outcome.sent ?? 0;
    }
    this.fileEvent(task.id, {
      s: outcome.state, a: outcome.attempts, b: outcome.bytes,
      e: outcome.error ? errorRecord(outcome.error) : undefined,
      m: outcome.result?.mode, v: outcome.alreadyComplete ? 'already complete' : outcome.result ? outcome.result.verification.detail : undefined,
      via: outcome.source ? this.via(task.id, outcome.source) : file.via, d: outcome.deleted,
    });
  }

  private fileEvent(id: number, change: Omit<Extract<JournalEvent, { t: 'file' }>, 't' | 'p' | 'i'>): void {
    const { p, i } = this.locate(id);
    this.record({ t: 'file', p, i, ...change });
    this.options.onFile?.({ destination: this.job.parts[p]!.destination.site.name, file: this.file(id), running: change.s === 'started' });
  }

  private record(event: JournalEvent): void {
    if (this.journal) this.journal.record(event);
    else applyEvent(this.job, event);
  }

  /** Task ids are positions in the flattened list of all parts' files. */
  private forEachFile(fn: (part: JobPart, file: JobFile, id: number, p: number) => void): void {
    let id = 0;
    this.job.parts.forEach((part, p) => part.files.forEach(file => fn(part, file, id++, p)));
  }

  private locate(id: number): { p: number; i: number } {
    let rest = id;
    for (let p = 0; p < this.job.parts.length; p++) {
      const n = this.job.parts[p]!.files.length;
      if (rest < n) return { p, i: rest };
      rest -= n;
    }
    throw new FxpError('INVALID_INPUT', `Internal: no file ${id} in this job.`);
  }

  private file(id: number): JobFile {
    const { p, i } = this.locate(id);
    return this.job.parts[p]!.files[i]!;
  }

  private counts(files: JobFile[] = this.job.parts.flatMap(p => p.files)): FileCounts {
    const c: FileCounts = { total: files.length, done: 0, skipped: 0, failed: 0, cancelled: 0, pending: 0 };
    for (const f of files) {
      if (f.state === 'done') c.done++;
      else if (f.state === 'skipped') c.skipped++;
      else if (f.state === 'failed') c.failed++;
      else if (f.state === 'cancelled') c.cancelled++;
      else c.pending++;
    }
    return c;
  }

  private report(state: JobState): JobReport {
    const files: FileReport[] = this.job.parts.flatMap(part => part.files.map(f => ({
      destination: part.destination.site.name, path: f.path, target: f.target, state: f.state, size: f.size, bytes: f.bytes,
      action: f.action, reason: f.reason, attempts: f.attempts, mode: f.mode, verification: f.verification, via: f.via, deleted: f.deleted, error: f.error,
    })));
    return {
      id: this.job.id, state, journal: this.journal?.path, seconds: (Date.now() - this.started) / 1000,
      parallel: this.options.parallel ?? DEFAULTS.parallel,
      files: this.counts(),
      bytes: { total: files.reduce((n, f) => n + f.size, 0), sent: this.sentBytes },
      parts: this.job.parts.map(part => {
        const copiedFrom: Record<string, number> = {};
        for (const f of part.files) if (f.state === 'done') copiedFrom[f.via ?? part.source.site.name] = (copiedFrom[f.via ?? part.source.site.name] ?? 0) + 1;
        return {
          source: `${part.source.site.name}:${part.source.path}`, destination: `${part.destination.site.name}:${part.destination.path}`,
          files: this.counts(part.files), copiedFrom,
        };
      }),
      failures: files.filter(f => f.state === 'failed'),
      cancelled: files.filter(f => f.state === 'cancelled'),
      limits: [...this.limits].map(([site, limit]) => ({ site, limit })),
      items: files,
    };
  }
}

