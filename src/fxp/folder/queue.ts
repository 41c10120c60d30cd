import type { CopyOptions, CopyResult, RelayMode } from '../copy';
import type { FxpEngine } from '../engine';
import { FxpError, isFxpError } from '../errors';
import type { SitePool } from '../pool';
import { credentialKey, type Site } from '../site';
import { verifyCopy } from '../verify';
import type { PartialChoice } from './journal';
import { RateMeter, etaSeconds, type FileProgress } from './progress';
import { backoffDelay, classifyFailure, FULL_DELAY_MS, FULL_RETRIES, refusedRestOnDestination, sleep } from './retry';

export interface Location {
  site: Site;
  path: string;
}

export interface QueueTask {
  id: number;
  /** For progress and messages: the path relative to the job's folder. */
  label: string;
  destination: Location;
  size: number;
  modified?: Date;
  /** The plan's resume offset (0 = whole file). */
  restartAt: number;
  /** The destination had a file here before the job: never resumed by its size, never deleted, unless the plan said resume. */
  existed: boolean;
  /** An earlier attempt (this run, or before a crash) may have written the destination file. */
  touched: boolean;
}

export interface TaskOutcome {
  state: 'done' | 'failed' | 'cancelled';
  attempts: number;
  result?: CopyResult;
  error?: FxpError;
  /** The destination's size afterwards: the file size when done, what is left after a failure or cancel. */
  bytes?: number;
  /** A cancelled file's partial copy was deleted (the user's choice). */
  deleted?: boolean;
  /** Where the data came from in the last attempt. */
  source?: Location;
  /** Resuming found the file already complete and verified: nothing was sent. */
  alreadyComplete?: boolean;
  /** Bytes sent by the successful attempt (from its restart offset). */
  sent?: number;
}

export interface QueueOptions {
  /** Most FXP pairs at once; each site's connection limit minus one (kept for browsing) bounds it further. */
  parallel: number;
  /** Further attempts after a transient failure (4xx other than 530, lost connection, timeout). */
  retries: number;
  backoffMs: number;
  relay: RelayMode;
  /** What happens to the partial destination file of a cancelled transfer. */
  partials: PartialChoice;
  /** Give each copy its source's modification time (MFMT) where the destination allows it. */
  preserveTimes: boolean;
  signal?: AbortSignal;
  confirmRelay?: CopyOptions['confirmRelay'];
  dataProtection?: CopyOptions['dataProtection'];
}

export interface QueueHooks {
  /** Where a task may be copied from right now, preferred first (the job's source, then finished copies). */
  sources(task: QueueTask): Location[];
  onStart?(task: QueueTask, attempt: number, source: Location): void;
  onEnd?(task: QueueTask, outcome: TaskOutcome): void;
  /** An attempt ended and the task waits `delayMs` for the next one. */
  onRetry?(task: QueueTask, error: FxpError, delayMs: number): void;
  /** A server said it was full: the site's connection limit is now `limit`. */
  onLimit?(site: Site, limit: number): void;
}

interface Waiting {
  task: QueueTask;
  notBefore: number;
  attempts: number;
  fullRetries: number;
  /** Resume with APPE and allow relay: FXP failed for this resume, and a relayed resume must append. */
  appendResume: boolean;
}

interface Running {
  waiting: Waiting;
  source: Location;
  pools: SitePool[];
  limitsAtStart: Map<SitePool, number>;
  controller: AbortController;
  bytes: number;
  meter: RateMeter;
  /** What the last copy attempt was started with. */
  restartAt: number;
  append: boolean;
}

/**
 * Runs copies in parallel within every site's connection limit, retries what is worth retrying,
 * and reports one outcome per task. One failed file never stops the others.
 */
export class TransferQueue {
  private readonly waiting: Waiting[];
  private readonly running = new Map<number, Running>();
  private readonly usage = new Map<SitePool, number>();
  /** Login refused (530): no further login attempts on that site in this job. */
  private readonly deadSites = new Map<string, FxpError>();
  /** FXP impossible between these sites before anything succeeded: the rest would fail the same way. */
  private readonly impossiblePairs = new Map<string, FxpError>();
  private readonly workingPairs = new Set<string>();
  /** Destinations that refuse REST before STOR: resume there with APPE. */
  private readonly appendSites = new Set<string>();
  /** Per site, one metadata command at a time (SIZE, MFMT): several would push transfer connections out of the pool. */
  private readonly lanes = new Map<SitePool, Promise<unknown>>();
  private poke: () => void = () => undefined;

  constructor(
    private readonly engine: FxpEngine,
    tasks: QueueTask[],
    private readonly options: QueueOptions,
    private readonly hooks: QueueHooks,
  ) {
    this.waiting = tasks.map(task => ({ task, notBefore: 0, attempts: 0, fullRetries: 0, appendResume: false }));
  }

  /** Resolves when every task has an outcome, or, after the job's signal fired, when nothing runs any more. */
  async run(): Promise<void> {
    const signal = this.options.signal;
    const onAbort = () => {
      for (const r of this.running.values()) r.controller.abort();
      this.poke();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (this.waiting.length > 0 || this.running.size > 0) {
        if (signal?.aborted) {
          if (this.running.size === 0) break;
        } else {
          this.startReady();
        }
        await this.nextChange();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Cancels one file: a running transfer is aborted on both sides, a waiting one is dropped. */
  cancel(id: number): boolean {
    const running = this.running.get(id);
    if (running) {
      running.controller.abort();
      return true;
    }
    const index = this.waiting.findIndex(w => w.task.id === id);
    if (index < 0) return false;
    const [w] = this.waiting.splice(index, 1);
    this.hooks.onEnd?.(w!.task, { state: 'cancelled', attempts: w!.attempts });
    this.poke();
    return true;
  }

  /** The files in flight, for progress. */
  active(): FileProgress[] {
    return [...this.running.values()].map(r => ({
      path: r.waiting.task.label,
      destination: r.waiting.task.destination.path,
      size: r.waiting.task.size,
      bytes: r.bytes,
      bytesPerSecond: r.meter.bytesPerSecond,
      etaSeconds: etaSeconds(r.waiting.task.size - r.bytes, r.meter.bytesPerSecond),
      attempt: r.waiting.attempts,
    }));
  }

  /** Tasks not started yet (or waiting for a retry). */
  get pending(): number {
    return this.waiting.length;
  }

  private nextChange(): Promise<void> {
    return new Promise(resolve => {
      const now = Date.now();
      const next = this.waiting.reduce((soonest, w) => (w.notBefore > now ? Math.min(soonest, w.notBefore) : soonest), Infinity);
      const timer = next < Infinity ? setTimeout(() => this.poke(), next - now) : undefined;
      this.poke = () => {
        clearTimeout(timer);
        this.poke = () => undefined;
        resolve();
      };
    });
  }

  private startReady(): void {
    const now = Date.now();
    for (let i = 0; i < this.waiting.length && this.running.size < this.options.parallel;) {
      const w = this.waiting[i]!;
      if (w.notBefore > now) {
        i++;
        continue;
      }
      const choice = this.pickSource(w.task);
      if (choice === 'wait') {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      if (choice instanceof FxpError) {
        this.hooks.onEnd?.(w.task, { state: 'failed', attempts: w.attempts, error: choice });
        continue;
      }
      this.start(w, choice);
    }
  }

  /** A source whose pools have room for one more pair, 'wait' if none has now, or why none ever will. */
  private pickSource(task: QueueTask): Location | 'wait' | FxpError {
    const dead = this.deadSites.get(credentialKey(task.destination.site));
    if (dead) return notAttempted(dead);
    const usable = this.hooks.sources(task).filter(s => !this.deadSites.has(credentialKey(s.site)) && !this.impossiblePairs.has(pairKey(s.site, task.destination.site)));
    if (usable.length === 0) {
      const origin = this.hooks.sources(task)[0];
      const reason = origin && (this.deadSites.get(credentialKey(origin.site)) ?? this.impossiblePairs.get(pairKey(origin.site, task.destination.site)));
      return notAttempted(reason ?? new FxpError('INVALID_INPUT', 'No source to copy from.'));
    }
    const dstPool = this.engine.pool(task.destination.site);
    for (const source of usable) {
      const srcPool = this.engine.pool(source.site);
      if (srcPool === dstPool ? this.fits(srcPool, 2) : this.fits(srcPool, 1) && this.fits(dstPool, 1)) return source;
    }
    const idle = this.running.size === 0;
    if (idle && usable.every(s => this.engine.pool(s.site) === dstPool && dstPool.limit < 2)) {
      return new FxpError('INVALID_INPUT', `${task.destination.site.name} allows one connection; copying within one site needs two.`, { site: task.destination.site.name });
    }
    return 'wait';
  }

  /** Room for `need` more transfer connections, one connection per site kept free for browsing. */
  private fits(pool: SitePool, need: number): boolean {
    const used = this.usage.get(pool) ?? 0;
    return used + need <= Math.max(1, pool.limit - 1) || (used === 0 && need <= pool.limit);
  }

  private start(waiting: Waiting, source: Location): void {
    const srcPool = this.engine.pool(source.site);
    const dstPool = this.engine.pool(waiting.task.destination.site);
    const pools = [srcPool, dstPool];
    for (const pool of pools) this.usage.set(pool, (this.usage.get(pool) ?? 0) + 1);
    const running: Running = {
      waiting, source, pools, controller: new AbortController(), bytes: waiting.task.restartAt, meter: new RateMeter(), restartAt: 0, append: false,
      limitsAtStart: new Map(pools.map(p => [p, p.limit])),
    };
    this.running.set(waiting.task.id, running);
    if (this.options.signal?.aborted) running.controller.abort();
    void this.attempt(running).finally(() => {
      for (const pool of pools) this.usage.set(pool, (this.usage.get(pool) ?? 1) - 1);
      this.running.delete(waiting.task.id);
      this.poke();
    });
  }

  private async attempt(run: Running): Promise<void> {
    const { waiting, source, controller } = run;
    const { task } = waiting;
    const dst = task.destination;
    waiting.attempts++;
    this.hooks.onStart?.(task, waiting.attempts, source);
    try {
      let restartAt = task.restartAt;
      if (restartAt > 0 || (task.touched && !task.existed)) {
        const resume = await this.resumePoint(source, task);
        if (resume === 'complete') {
          this.end(run, { state: 'done', attempts: waiting.attempts, bytes: task.size, source, alreadyComplete: true });
          return;
        }
        restartAt = resume;
      }
      const untouched = !task.touched;
      task.touched = true;
      run.bytes = restartAt;
      run.restartAt = restartAt;
      // A resume is REST on both sides over FXP. Through this machine it must be APPE (the engine's relay
      // sends no REST to the destination), so a resume tries FXP alone first, unless the pair always relays.
      run.append = restartAt > 0 && (waiting.appendResume || this.appendSites.has(credentialKey(dst.site)) || this.alwaysRelays(source.site, dst.site));
      const result = await this.engine.copyFile(source.site, source.path, dst.site, dst.path, {
        relay: restartAt > 0 && !run.append ? 'never' : this.options.relay,
        signal: controller.signal,
        restartAt,
        append: run.append,
        confirmRelay: this.options.confirmRelay,
        dataProtection: this.options.dataProtection,
        // What the plan already knows saves round trips per file (SIZE on both sides, MFMT on a browse connection).
        sourceSize: task.size,
        destinationSize: untouched && !task.existed && restartAt === 0 ? null : undefined,
        modified: this.options.preserveTimes ? task.modified : undefined,
        onBytes: bytes => {
          run.bytes = Math.min(task.size, bytes);
          run.meter.sample(run.bytes, Date.now());
        },
      });
      this.workingPairs.add(pairKey(source.site, dst.site));
      this.end(run, { state: 'done', attempts: waiting.attempts, bytes: result.bytes, result, source, sent: result.bytes - restartAt });
    } catch (err) {
      const error = isFxpError(err) ? err : new FxpError('CONNECTION_LOST', err instanceof Error ? err.message : String(err), { cause: err });
      await this.failed(run, error);
    }
  }

  private alwaysRelays(src: Site, dst: Site): boolean {
    return this.options.relay === 'always' || src.fxpPolicy === 'relay-only' || dst.fxpPolicy === 'relay-only';
  }

  /** Where to continue a file an earlier attempt may have begun: its size there, or 'complete'. */
  private async resumePoint(source: Location, task: QueueTask): Promise<number | 'complete'> {
    const dst = task.destination;
    const [srcSize, dstSize] = await Promise.all([
      this.inLane(source.site, () => this.engine.size(source.site, source.path)),
      this.inLane(dst.site, () => this.engine.size(dst.site, dst.path)),
    ]);
    if (srcSize === undefined || dstSize === undefined || dstSize > srcSize) return 0;
    if (dstSize < srcSize) return dstSize;
    const verification = await this.engine.withConnection(source.site, 'browse', a =>
      this.engine.withConnection(dst.site, 'browse', b => verifyCopy(a, source.path, b, dst.path, srcSize)));
    return verification.ok ? 'complete' : 0;
  }

  /** Runs `op` after the site's earlier metadata operations. */
  private inLane<T>(site: Site, op: () => Promise<T>): Promise<T> {
    const pool = this.engine.pool(site);
    const result = (this.lanes.get(pool) ?? Promise.resolve()).then(op, op);
    this.lanes.set(pool, result.catch(() => undefined));
    return result;
  }

  private async failed(run: Running, error: FxpError): Promise<void> {
    const { waiting, source } = run;
    const { task } = waiting;
    const dst = task.destination;
    if (run.controller.signal.aborted) {
      this.end(run, { state: 'cancelled', attempts: waiting.attempts, error, source, ...(await this.settleCancelled(task)) });
      return;
    }
    if (run.restartAt > 0 && !run.append) {
      if (refusedRestOnDestination(error, dst.site.name)) {
        this.engine.logger('info', `${dst.site.name} refuses REST before STOR: resuming with APPE`);
        this.appendSites.add(credentialKey(dst.site));
        this.requeue(waiting, error, 0, true);
        return;
      }
      if (error.code === 'FXP_IMPOSSIBLE' && this.options.relay !== 'never') {
        waiting.appendResume = true;
        this.requeue(waiting, error, 0, true);
        return;
      }
    }
    const kind = classifyFailure(error);
    if (kind === 'full' && waiting.fullRetries < FULL_RETRIES) {
      const pool = run.pools.find(p => p.site.name === error.site) ?? run.pools[1]!;
      if (pool.limit >= (run.limitsAtStart.get(pool) ?? pool.limit)) {
        pool.lowerLimit();
        this.engine.logger('warn', `${pool.site.name} is full (${error.reply?.text.trim() ?? error.message}): at most ${pool.limit} connections from now on`);
        this.hooks.onLimit?.(pool.site, pool.limit);
      }
      waiting.fullRetries++;
      this.requeue(waiting, error, backoffDelay(1, FULL_DELAY_MS), true);
      return;
    }
    if (kind === 'login') {
      const site = [source.site, dst.site].find(s => s.name === error.site) ?? dst.site;
      this.deadSites.set(credentialKey(site), error);
    }
    const pair = pairKey(source.site, dst.site);
    if (error.code === 'FXP_IMPOSSIBLE' && kind === 'permanent' && !this.workingPairs.has(pair)) this.impossiblePairs.set(pair, error);
    if ((kind === 'transient' || kind === 'full') && waiting.attempts <= this.options.retries) {
      const delay = backoffDelay(waiting.attempts, this.options.backoffMs);
      this.engine.logger('warn', `${task.label}: ${error.describe()} Retrying in ${(delay / 1000).toFixed(1)} s.`);
      this.requeue(waiting, error, delay, false);
      return;
    }
    // What is left at the destination, unless asking would mean another refused login.
    const measurable = task.touched && !this.deadSites.has(credentialKey(dst.site));
    const bytes = measurable ? await this.inLane(dst.site, () => this.engine.size(dst.site, dst.path)).catch(() => undefined) : undefined;
    this.end(run, { state: 'failed', attempts: waiting.attempts, error, bytes, source });
  }

  /** After a cancel: what is left at the destination, measured once the server has settled; deleted if so chosen. */
  private async settleCancelled(task: QueueTask): Promise<{ bytes?: number; deleted?: boolean }> {
    const dst = task.destination;
    let bytes: number | undefined;
    try {
      bytes = await this.engine.size(dst.site, dst.path);
      for (let i = 0; i < 20; i++) {
        await sleep(100);
        const again = await this.engine.size(dst.site, dst.path);
        if (again === bytes) break;
        bytes = again;
      }
      const ours = !task.existed || task.restartAt > 0;
      if (bytes !== undefined && ours && this.options.partials === 'delete') {
        await this.engine.deleteFile(dst.site, dst.path);
        return { bytes: undefined, deleted: true };
      }
    } catch (err) {
      this.engine.logger('warn', `${dst.site.name}: after cancelling ${dst.path}: ${(err as Error).message}`);
    }
    return { bytes };
  }

  /** Back in line after `delayMs`; a `free` retry (full server, APPE instead of REST) does not count as an attempt. */
  private requeue(waiting: Waiting, error: FxpError, delayMs: number, free: boolean): void {
    this.hooks.onRetry?.(waiting.task, error, delayMs);
    if (free) waiting.attempts--;
    waiting.notBefore = Date.now() + delayMs;
    this.waiting.unshift(waiting);
  }

  private end(run: Running, outcome: TaskOutcome): void {
    this.hooks.onEnd?.(run.waiting.task, outcome);
  }
}

function pairKey(src: Site, dst: Site): string {
  return `${credentialKey(src)} -> ${credentialKey(dst)}`;
}

/** The error of a file that was not tried because of an earlier failure that would repeat. */
export function notAttempted(cause: FxpError): FxpError {
  return new FxpError(cause.code, `Not attempted: ${cause.message}`, {
    site: cause.site, command: cause.command, reply: cause.reply, hint: cause.hint, next: 'Fix this, then resume the job.', causes: [cause],
  });
}
