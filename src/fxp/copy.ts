import type { FtpConnection } from './connection';
import { isFileProblem } from './diagnose';
import { cancelledError, FxpError, isFxpError } from './errors';
import { fxpAttempt, type ExchangedReply, type Orientation, type TransferWatch } from './fxpAttempt';
import type { SitePool } from './pool';
import { relayCopy } from './relay';
import type { Logger } from './transcript';
import { verifyCopy, type Verification } from './verify';

export type RelayMode = 'never' | 'auto' | 'always';

export interface CopyOptions {
  relay: RelayMode;
  signal?: AbortSignal;
  /** Resume: byte offset on both sides. */
  restartAt?: number;
  append?: boolean;
  /**
   * Called before data is routed through this machine because FXP was refused; resolve false to refuse.
   * Not called when relay was asked for explicitly.
   */
  confirmRelay?: (reason: FxpError) => Promise<boolean>;
  onBytes?: (bytes: number) => void;
  /** Try only this orientation (tests, diagnosis); default: destination passive, then source passive. */
  orientation?: Orientation;
}

export interface AttemptRecord {
  mode: 'fxp' | 'relay';
  orientation?: Orientation;
  ok: boolean;
  error?: ReturnType<FxpError['toJSON']>;
  exchange: ExchangedReply[];
  addressReason?: string;
}

export interface CopyResult {
  mode: 'fxp' | 'relay';
  orientation?: Orientation;
  source: { site: string; path: string };
  destination: { site: string; path: string };
  bytes: number;
  seconds: number;
  verification: Verification;
  attempts: AttemptRecord[];
  /** Why the data went through this machine, when it did. */
  relayReason?: string;
}

export interface Timeouts {
  skewTimeoutMs: number;
  preliminaryTimeoutMs: number;
  abortGraceMs: number;
  /** Destination size polling during FXP: interval, and how long without growth counts as stalled. */
  pollIntervalMs: number;
  stallTimeoutMs: number;
}

interface Lease {
  pool: SitePool;
  conn: FtpConnection;
}

/** One file from one site to another: FXP in both orientations, then relay if allowed, verified every time. */
export async function copyFile(
  srcPool: SitePool, srcPath: string, dstPool: SitePool, dstPath: string,
  opts: CopyOptions, timeouts: Timeouts, logger: Logger,
): Promise<CopyResult> {
  const started = Date.now();
  const attempts: AttemptRecord[] = [];
  const src: Lease = { pool: srcPool, conn: await srcPool.acquire('transfer', opts.signal) };
  let dst: Lease;
  try {
    dst = { pool: dstPool, conn: await dstPool.acquire('transfer', opts.signal) };
  } catch (err) {
    srcPool.release(src.conn, 'transfer');
    throw err;
  }
  const names = { source: { site: srcPool.site.name, path: srcPath }, destination: { site: dstPool.site.name, path: dstPath } };
  const watch = sizeWatch(dstPool, dstPath, timeouts, opts);
  try {
    const sourceSize = await requireSource(src.conn, srcPath);
    const destinationExisted = (await dst.conn.size(dstPath)) !== undefined;
    const restartAt = opts.restartAt ?? 0;
    const failures: FxpError[] = [];

    const relayOnly = opts.relay === 'always' || srcPool.site.fxpPolicy === 'relay-only' || dstPool.site.fxpPolicy === 'relay-only';
    if (!relayOnly) {
      const orientations: Orientation[] = opts.orientation ? [opts.orientation] : ['dst-passive', 'src-passive'];
      for (const orientation of orientations) {
        const outcome = await fxpAttempt(src.conn, dst.conn, srcPath, dstPath, orientation, {
          logger, signal: opts.signal, restartAt, append: opts.append ?? false, ...timeouts, watch: watch.watch,
        });
        const record: AttemptRecord = { mode: 'fxp', orientation, ok: outcome.ok, exchange: outcome.exchange, addressReason: outcome.addressReason };
        attempts.push(record);
        await replaceDestroyed(outcome.destroyed, src, dst, opts.signal);
        if (outcome.ok) {
          const verification = await verifyCopy(src.conn, srcPath, dst.conn, dstPath);
          if (verification.ok) {
            return finish({ mode: 'fxp', orientation, ...names, bytes: sourceSize ?? 0, seconds: 0, verification, attempts }, started, logger);
          }
          outcome.error = new FxpError('VERIFY_FAILED', `Both servers reported success but the copy does not match: ${verification.detail}.`, {
            site: dstPool.site.name, command: `${verification.method} ${dstPath}`,
          });
        }
        const error = outcome.error ?? new FxpError('FXP_IMPOSSIBLE', 'FXP failed.');
        record.ok = false;
        record.error = error.toJSON();
        logger('warn', `FXP ${orientation} failed: ${error.describe()}`);
        if (error.code === 'CANCELLED' || opts.signal?.aborted) {
          throw withPartial(cancelledError(), dst.conn, dstPath, await dst.conn.size(dstPath).catch(() => undefined));
        }
        if (isFileProblem(error)) {
          await cleanUp(dst.conn, dstPath, destinationExisted, logger);
          throw error;
        }
        failures.push(error);
        if (orientation !== orientations[orientations.length - 1]) error.next = 'Trying the other direction (source passive).';
      }
    }

    const primary = failures[0];
    const relayAllowed = opts.relay === 'always' || (opts.relay === 'auto' && srcPool.site.fxpPolicy !== 'fxp-only' && dstPool.site.fxpPolicy !== 'fxp-only');
    if (!relayAllowed) {
      await cleanUp(dst.conn, dstPath, destinationExisted, logger);
      throw fxpImpossible(srcPool.site.name, dstPool.site.name, failures, opts.relay === 'never'
        ? 'Relay through this machine is off (--relay never), so nothing was copied.'
        : 'Relay is not allowed for this site pair, so nothing was copied.');
    }
    if (primary && opts.relay !== 'always' && opts.confirmRelay && !(await opts.confirmRelay(primary))) {
      await cleanUp(dst.conn, dstPath, destinationExisted, logger);
      throw fxpImpossible(srcPool.site.name, dstPool.site.name, failures, 'Relay through this machine was declined, so nothing was copied.');
    }
    const relayReason = primary
      ? `FXP refused: ${primary.describe()}`
      : opts.relay === 'always' ? 'relay requested' : 'site policy is relay-only';
    logger('info', `Relaying ${srcPath} through this machine (${relayReason})`);
    const relayRecord: AttemptRecord = { mode: 'relay', ok: false, exchange: [] };
    attempts.push(relayRecord);
    try {
      const { bytes } = await relayCopy(src.conn, srcPath, dst.conn, dstPath, { signal: opts.signal, restartAt, append: opts.append, onBytes: opts.onBytes });
      const verification = await verifyCopy(src.conn, srcPath, dst.conn, dstPath);
      if (!verification.ok) {
        throw new FxpError('VERIFY_FAILED', `The relayed copy does not match: ${verification.detail}.`, { site: dstPool.site.name });
      }
      relayRecord.ok = true;
      return finish({ mode: 'relay', ...names, bytes: restartAt + bytes, seconds: 0, verification, attempts, relayReason }, started, logger);
    } catch (err) {
      const error = isFxpError(err) ? err : new FxpError('CONNECTION_LOST', String(err));
      relayRecord.error = error.toJSON();
      if (error.code === 'CANCELLED') {
        src.conn.close();
        dst.conn.close();
        throw error;
      }
      if (!dst.conn.closed) await cleanUp(dst.conn, dstPath, destinationExisted, logger);
      throw error;
    }
  } finally {
    watch.release();
    srcPool.release(src.conn, 'transfer');
    dstPool.release(dst.conn, 'transfer');
  }
}

/** A second connection to the destination that polls SIZE; absent when the site's limit leaves no room. */
function sizeWatch(dstPool: SitePool, dstPath: string, timeouts: Timeouts, opts: CopyOptions) {
  let probe: FtpConnection | undefined;
  let unavailable = false;
  let busy = false;
  const watch: TransferWatch = {
    intervalMs: timeouts.pollIntervalMs,
    stallMs: timeouts.stallTimeoutMs,
    onBytes: opts.onBytes,
    size: async () => {
      if (unavailable || busy) return undefined;
      busy = true;
      try {
        if (!probe || probe.closed) {
          probe = await dstPool.tryAcquire('browse', opts.signal).catch(() => undefined);
          if (!probe) unavailable = true;
        }
        return probe ? await probe.size(dstPath) : undefined;
      } finally {
        busy = false;
      }
    },
  };
  return {
    watch,
    release: () => { if (probe) dstPool.release(probe, 'browse', !busy && !probe.closed); },
  };
}

async function requireSource(conn: FtpConnection, path: string): Promise<number | undefined> {
  const reply = await conn.raw(`SIZE ${path}`);
  if (reply.code === 213) return Number(reply.text.slice(4).trim());
  if (reply.code === 550) {
    throw new FxpError('NOT_FOUND', `"${path}" does not exist or is not a file.`, { site: conn.site.name, command: `SIZE ${path}`, reply });
  }
  return undefined;
}

async function replaceDestroyed(destroyed: FtpConnection[], src: Lease, dst: Lease, signal?: AbortSignal): Promise<void> {
  for (const lease of [src, dst]) {
    if (destroyed.includes(lease.conn) || lease.conn.closed) {
      lease.pool.discard(lease.conn);
      if (signal?.aborted) return;
      lease.conn = await lease.pool.acquire('transfer', signal);
    }
  }
}

/** A failed copy must not leave a file that looks complete; a file that was there before stays. */
async function cleanUp(conn: FtpConnection, path: string, existedBefore: boolean, logger: Logger): Promise<void> {
  if (existedBefore || conn.closed) return;
  const reply = await conn.raw(`DELE ${path}`).catch(() => undefined);
  if (reply && reply.code >= 200 && reply.code < 300) logger('info', `${conn.site.name}: removed the incomplete ${path}`);
}

function withPartial(error: FxpError, conn: FtpConnection, path: string, bytes: number | undefined): FxpError {
  error.partial = { site: conn.site.name, path, bytes };
  return error;
}

function fxpImpossible(srcName: string, dstName: string, failures: FxpError[], next: string): FxpError {
  const primary = failures[0];
  return new FxpError('FXP_IMPOSSIBLE', `FXP from ${srcName} to ${dstName} is not possible: ${primary ? primary.message : 'no attempt succeeded'}`, {
    site: primary?.site, command: primary?.command, reply: primary?.reply, hint: primary?.hint, next, causes: failures,
  });
}

function finish(result: CopyResult, started: number, logger: Logger): CopyResult {
  result.seconds = (Date.now() - started) / 1000;
  const mbps = result.seconds > 0 ? (result.bytes / 1e6 / result.seconds).toFixed(1) : '?';
  logger('info', `Copied ${result.source.site}:${result.source.path} -> ${result.destination.site}:${result.destination.path}: `
    + `${result.mode}${result.orientation ? ` (${result.orientation})` : ''}, ${result.bytes} bytes, ${mbps} MB/s, verified by ${result.verification.method}`);
  return result;
}
