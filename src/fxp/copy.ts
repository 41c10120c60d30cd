import type { FtpConnection } from './connection';
import { addressFamily } from './address';
import { parseSizeReply } from './parse';
import { isFileProblem, isFxpRefusal, requiresSessionReuse } from './diagnose';
import { describeChannel, planAttempts, type DataChannel, type DataProtection, type SideTls } from './tlsPlan';
import { cancelledError, FxpError, isFxpError } from './errors';
import { fxpAttempt, type ExchangedReply, type Orientation, type ProgressSource, type TransferWatch } from './fxpAttempt';
import type { SitePool } from './pool';
import { relayCopy } from './relay';
import { logs, type Logger } from './transcript';
import { settleBoth, verifyCopy, type Verification } from './verify';

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
  /** Bytes copied so far; during FXP `via` says where the figure came from (STAT answers or SIZE polling). */
  onBytes?: (bytes: number, via?: ProgressSource) => void;
  /** Try only this orientation (tests, diagnosis); default: destination passive, then source passive. */
  orientation?: Orientation;
  /** The site pair's data protection policy (default preferred). */
  dataProtection?: DataProtection;
  /** Preferred orientation order (default destination passive first); `orientation` forces a single one. */
  orientations?: Orientation[];
  /** Known from a listing: skips the SIZE round trip on the source (verification then asks only the destination). */
  sourceSize?: number;
  /** Known from a listing: the destination's size, or null when it has no such file. */
  destinationSize?: number | null;
  /** Set the destination's modification time (MFMT) after a verified copy, where the server offers it. */
  modified?: Date;
}

export interface AttemptRecord {
  mode: 'fxp' | 'relay';
  orientation?: Orientation;
  /** "TLS FXP (SSCN, ...)" or "clear data" for FXP attempts. */
  channel?: string;
  ok: boolean;
  error?: ReturnType<FxpError['toJSON']>;
  exchange: ExchangedReply[];
  addressReason?: string;
}

export interface CopyResult {
  mode: 'fxp' | 'relay';
  orientation?: Orientation;
  /** How the file data travelled: "TLS FXP (SSCN, passive side TLS client)", "clear data", "relay over TLS", "relay (clear)". */
  channel: string;
  /** Whether every byte of file data was encrypted on the wire. */
  encrypted: boolean;
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
  /** TLS FXP: how long the servers may take before the first byte arrives (their handshake). */
  tlsHandshakeTimeoutMs: number;
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
  // Both logins at once: a copy's setup is round trips, not bandwidth.
  const [srcConn, dstConn] = await Promise.allSettled([srcPool.acquire('transfer', opts.signal), dstPool.acquire('transfer', opts.signal)]);
  if (srcConn.status === 'rejected' || dstConn.status === 'rejected') {
    if (srcConn.status === 'fulfilled') srcPool.release(srcConn.value, 'transfer');
    if (dstConn.status === 'fulfilled') dstPool.release(dstConn.value, 'transfer');
    throw srcConn.status === 'rejected' ? srcConn.reason : (dstConn as PromiseRejectedResult).reason;
  }
  const src: Lease = { pool: srcPool, conn: srcConn.value };
  const dst: Lease = { pool: dstPool, conn: dstConn.value };
  const names = { source: { site: srcPool.site.name, path: srcPath }, destination: { site: dstPool.site.name, path: dstPath } };
  const watch = sizeWatch(dstPool, dstPath, timeouts, opts);
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    // A transfer in flight answers a cancel with ABOR; a login, SIZE or PASV still waiting is cut after the same grace.
    killTimer = setTimeout(() => { src.conn.destroy('cancelled'); dst.conn.destroy('cancelled'); }, timeouts.abortGraceMs + 500);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [sourceSize, destinationExisted] = await settleBoth([
      opts.sourceSize ?? requireSource(src.conn, srcPath),
      opts.destinationSize !== undefined ? opts.destinationSize !== null : dst.conn.size(dstPath).then(size => size !== undefined),
    ]);
    const restartAt = opts.restartAt ?? 0;
    const failures: FxpError[] = [];

    const relayOnly = opts.relay === 'always' || srcPool.site.fxpPolicy === 'relay-only' || dstPool.site.fxpPolicy === 'relay-only';
    const policy = opts.dataProtection ?? 'preferred';
    requireProtection(policy, src.conn, dst.conn);
    const orientations: Orientation[] = opts.orientation ? [opts.orientation] : opts.orientations ?? ['dst-passive', 'src-passive'];
    const ipv4 = addressFamily(src.conn.peerAddress) === 4 && addressFamily(dst.conn.peerAddress) === 4;
    const plan = relayOnly ? [] : planAttempts(sideTls(src.conn), sideTls(dst.conn), policy, ipv4, orientations);
    if (!relayOnly && plan.length === 0) {
      failures.push(new FxpError('TLS_FXP_FAILED', 'Neither server can act as TLS client on the data connection (no SSCN or CPSV), and this site pair does not allow clear data.', {
        site: dstPool.site.name,
        hint: 'Allow clear data for this site pair (file data then crosses unencrypted), or use a server with SSCN or CPSV (ProFTPD with mod_tls has SSCN).',
      }));
    }
    const refusedOrientations = new Set<Orientation>();
    let reuseRequiredBy: string | undefined;
    for (const [index, planned] of plan.entries()) {
      const { orientation, channel } = planned;
      if (refusedOrientations.has(orientation)) continue;
      if (channel.kind === 'tls' && reuseRequiredBy && tlsServerSite(channel, orientation, src.conn, dst.conn) === reuseRequiredBy) continue;
      const outcome = await fxpAttempt(src.conn, dst.conn, srcPath, dstPath, orientation, {
        logger, signal: opts.signal, restartAt, append: opts.append ?? false, ...timeouts, channel,
        watch: { ...watch.watch, firstByteMs: channel.kind === 'tls' ? timeouts.tlsHandshakeTimeoutMs : undefined },
        stat: { source: srcPool.midTransferStat, destination: dstPool.midTransferStat },
      });
      const record: AttemptRecord = {
        mode: 'fxp', orientation, channel: describeChannel(channel), ok: outcome.ok, exchange: outcome.exchange, addressReason: outcome.addressReason,
      };
      attempts.push(record);
      try {
        await replaceDestroyed(outcome.destroyed, src, dst, opts.signal);
      } catch (reconnectError) {
        // The server is gone: report what went wrong first, not the failed reconnect, with what arrived.
        const error = outcome.error ?? (isFxpError(reconnectError) ? reconnectError : new FxpError('CONNECTION_LOST', String(reconnectError)));
        if (outcome.error && isFxpError(reconnectError)) error.next = `Reconnecting failed: ${reconnectError.describe()}`;
        throw withPartial(error, dstPool, dstPath, await measure(dstPool, dstPath));
      }
      if (outcome.ok) {
        const verification = await verifyCopy(src.conn, srcPath, dst.conn, dstPath, sourceSize);
        if (verification.ok) {
          setModified(dst.conn, dstPath, opts.modified);
          return finish({
            mode: 'fxp', orientation, channel: describeChannel(channel), encrypted: channel.kind === 'tls',
            ...names, bytes: sourceSize ?? 0, seconds: 0, verification, attempts,
          }, started, logger);
        }
        outcome.error = new FxpError('VERIFY_FAILED', `Both servers reported success but the copy does not match: ${verification.detail}.`, {
          site: dstPool.site.name, command: `${verification.method} ${dstPath}`,
        });
      }
      const error = outcome.error ?? new FxpError('FXP_IMPOSSIBLE', 'FXP failed.');
      record.ok = false;
      record.error = error.toJSON();
      logger('warn', `FXP ${orientation} (${describeChannel(channel)}) failed: ${error.describe()}`);
      if (error.code === 'CANCELLED' || opts.signal?.aborted) {
        throw withPartial(cancelledError(), dstPool, dstPath, await measure(dstPool, dstPath));
      }
      if (isFileProblem(error)) {
        await cleanUp(dst.conn, dstPath, destinationExisted, logger);
        throw error;
      }
      if (isConnectionProblem(error)) {
        // A server that went away is not an FXP refusal: trying the other way now would only hide it from the
        // caller's retry and resume. What arrived stays for a resume (REST), reported as partial.
        throw withPartial(error, dstPool, dstPath, await measure(dstPool, dstPath));
      }
      if (isFxpRefusal(error)) refusedOrientations.add(orientation);
      if (requiresSessionReuse(error)) reuseRequiredBy = error.site;
      failures.push(error);
      if (plan.slice(index + 1).length > 0) error.next = 'Trying the next way (other direction or other TLS side).';
    }

    const primary = failures[0];
    const relayAllowed = opts.relay === 'always' || (opts.relay === 'auto' && srcPool.site.fxpPolicy !== 'fxp-only' && dstPool.site.fxpPolicy !== 'fxp-only');
    if (failures.length === 0 && !relayOnly) failures.push(new FxpError('FXP_IMPOSSIBLE', 'No FXP attempt was possible.'));
    if (!relayAllowed) {
      await cleanUp(dst.conn, dstPath, destinationExisted, logger);
      throw fxpImpossible(srcPool.site.name, dstPool.site.name, failures, opts.relay === 'never'
        ? 'Relay through this machine is off, so nothing was copied.'
        : 'Relay is not allowed for this site pair (fxp-only), so nothing was copied.');
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
      const verification = await verifyCopy(src.conn, srcPath, dst.conn, dstPath, sourceSize);
      if (!verification.ok) {
        throw new FxpError('VERIFY_FAILED', `The relayed copy does not match: ${verification.detail}.`, { site: dstPool.site.name });
      }
      relayRecord.ok = true;
      setModified(dst.conn, dstPath, opts.modified);
      const encrypted = src.conn.isTls && dst.conn.isTls;
      return finish({
        mode: 'relay', channel: encrypted ? 'relay over TLS' : 'relay (clear)', encrypted,
        ...names, bytes: restartAt + bytes, seconds: 0, verification, attempts, relayReason,
      }, started, logger);
    } catch (err) {
      const error = isFxpError(err) ? err : new FxpError('CONNECTION_LOST', String(err));
      relayRecord.error = error.toJSON();
      if (error.code === 'CANCELLED') {
        src.conn.close();
        dst.conn.close();
        throw withPartial(error, dstPool, dstPath, await measure(dstPool, dstPath));
      }
      // basic-ftp closes the control connection when a data connection fails: clean up on a fresh one.
      await replaceDestroyed([], src, dst, opts.signal).catch(() => undefined);
      await cleanUp(dst.conn, dstPath, destinationExisted, logger);
      throw error;
    }
  } catch (err) {
    if (opts.signal?.aborted && !isFxpError(err, 'CANCELLED')) {
      throw withPartial(cancelledError(), dstPool, dstPath, await measure(dstPool, dstPath));
    }
    throw err;
  } finally {
    clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
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

function isConnectionProblem(error: FxpError): boolean {
  return error.code === 'CONNECTION_LOST' || error.code === 'CONNECT_FAILED';
}

function sideTls(conn: FtpConnection): SideTls {
  return { tls: conn.isTls, sscn: conn.caps.sscn, cpsv: conn.caps.cpsv };
}

/** The site acting as TLS server on the data connection in this attempt. */
function tlsServerSite(channel: DataChannel, orientation: Orientation, src: FtpConnection, dst: FtpConnection): string | undefined {
  if (channel.kind !== 'tls') return undefined;
  const passive = orientation === 'dst-passive' ? dst : src;
  const active = passive === dst ? src : dst;
  return (channel.client === 'passive' ? active : passive).site.name;
}

function requireProtection(policy: DataProtection, src: FtpConnection, dst: FtpConnection): void {
  if (policy !== 'required') return;
  const plain = [src, dst].find(c => !c.isTls);
  if (plain) {
    throw new FxpError('PROTECTION_REQUIRED', 'This site pair requires encrypted data, but the site has no TLS.', {
      site: plain.site.name, hint: 'Set the site\'s security to explicit or implicit TLS, or relax the pair\'s data protection.',
    });
  }
}

/**
 * MFMT where FEAT offers it; a refusal only costs the time stamp, never the copy. Sent without waiting: its
 * reply decides nothing, and the connection's next command (the next file's) need not wait a round trip for it.
 */
function setModified(conn: FtpConnection, path: string, modified: Date | undefined): void {
  if (!modified || !conn.caps.raw.has('MFMT')) return;
  const stamp = modified.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  conn.sendWithoutWaiting(`MFMT ${stamp} ${path}`);
}

async function requireSource(conn: FtpConnection, path: string): Promise<number | undefined> {
  const reply = await conn.raw(`SIZE ${path}`);
  if (reply.code === 213) {
    try {
      return parseSizeReply(reply.text);
    } catch {
      return undefined;
    }
  }
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

function withPartial(error: FxpError, pool: SitePool, path: string, bytes: number | undefined): FxpError {
  error.partial = { site: pool.site.name, path, bytes };
  return error;
}

/** The size of what a cancelled copy left, asked on a fresh connection (the transfer's own were aborted). */
async function measure(pool: SitePool, path: string): Promise<number | undefined> {
  const conn = await pool.tryAcquire('browse').catch(() => undefined);
  if (!conn) return undefined;
  try {
    return await conn.size(path);
  } catch {
    return undefined;
  } finally {
    pool.release(conn, 'browse', !conn.closed);
  }
}

function fxpImpossible(srcName: string, dstName: string, failures: FxpError[], next: string): FxpError {
  const primary = failures[0];
  return new FxpError('FXP_IMPOSSIBLE', `FXP from ${srcName} to ${dstName} is not possible: ${primary ? primary.message : 'no attempt succeeded'}`, {
    site: primary?.site, command: primary?.command, reply: primary?.reply, hint: primary?.hint, next, causes: failures,
  });
}

function finish(result: CopyResult, started: number, logger: Logger): CopyResult {
  result.seconds = (Date.now() - started) / 1000;
  if (!logs(logger, 'info')) return result;
  const mbps = result.seconds > 0 ? (result.bytes / 1e6 / result.seconds).toFixed(1) : '?';
  logger('info', `Copied ${result.source.site}:${result.source.path} -> ${result.destination.site}:${result.destination.path}: `
    + `${result.mode}${result.orientation ? ` (${result.orientation})` : ''}, ${result.bytes} bytes, ${mbps} MB/s, verified by ${result.verification.method}`);
  return result;
}
