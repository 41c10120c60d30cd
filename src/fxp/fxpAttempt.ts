import { addressFamily, choosePassiveTarget } from './address';
import type { FtpConnection } from './connection';
import { activeRefusal, dataConnectionFailure, looksLikePassiveRefusal, looksLikeTlsFailure, passiveRefusal, tlsDataFailure } from './diagnose';
import { FxpError, cancelledError } from './errors';
import { formatEprt, formatPort, parseEpsv, parsePasv, type HostPort } from './parse';
import { isCompletion, type Reply } from './reply';
import { MidTransferStatProbe, type MidTransferStatMemory } from './statProgress';
import type { Logger } from './transcript';
import type { DataChannel } from './tlsPlan';

/** Which server listens: lftp's default is the destination. */
export type Orientation = 'dst-passive' | 'src-passive';

export interface ExchangedReply {
  site: string;
  command: string;
  code: number;
  text: string;
}

export interface AttemptOptions {
  logger: Logger;
  signal?: AbortSignal;
  /** After one side's final reply, how long the other may stay silent before it is disconnected. */
  skewTimeoutMs: number;
  /** How long the active destination may take to acknowledge STOR before RETR is sent. */
  preliminaryTimeoutMs: number;
  /** Grace period for final replies after ABOR. */
  abortGraceMs: number;
  /** Byte offset to restart at (REST on both sides), 0 for a whole copy. */
  restartAt: number;
  /** Use APPE on the destination instead of REST+STOR. */
  append: boolean;
  /** Destination size probe on a separate connection: progress, and the only way to see a stalled FXP. */
  watch?: TransferWatch;
  /** Data connection protection for this attempt (default: clear, or whatever PROT the connections have). */
  channel?: DataChannel;
  /** What each site did with STAT during transfers (kept by its pool); absent: never send STAT. */
  stat?: { source: MidTransferStatMemory; destination: MidTransferStatMemory };
}

/** Where a progress figure came from: a STAT answer during the transfer, or SIZE of the destination file. */
export type ProgressSource = 'stat' | 'size';

export interface TransferWatch {
  size: () => Promise<number | undefined>;
  intervalMs: number;
  /** No growth for this long, while neither server has finished, means the transfer is stuck. */
  stallMs: number;
  /** Before the first byte (a TLS handshake between the servers): a shorter bound. */
  firstByteMs?: number;
  onBytes?: (bytes: number, via: ProgressSource) => void;
}

export interface AttemptOutcome {
  ok: boolean;
  orientation: Orientation;
  /** PASV/EPSV/PORT/EPRT and the transfer commands as sent, with replies. */
  exchange: ExchangedReply[];
  error?: FxpError;
  /** Sides that stayed silent and were disconnected: their connections are gone. */
  destroyed: FtpConnection[];
  addressReason?: string;
}

interface Sides {
  passive: FtpConnection;
  active: FtpConnection;
}

export async function fxpAttempt(
  src: FtpConnection, dst: FtpConnection, srcPath: string, dstPath: string,
  orientation: Orientation, opts: AttemptOptions,
): Promise<AttemptOutcome> {
  const sides: Sides = orientation === 'dst-passive' ? { passive: dst, active: src } : { passive: src, active: dst };
  const outcome: AttemptOutcome = { ok: false, orientation, exchange: [], destroyed: [] };
  const record = (conn: FtpConnection, command: string, reply: Reply) =>
    outcome.exchange.push({ site: conn.site.name, command, code: reply.code, text: reply.text });
  const fail = (error: FxpError): AttemptOutcome => ({ ...outcome, ok: false, error });

  if (opts.signal?.aborted) return fail(cancelledError());
  src.ctx.unsolicited.length = 0;
  dst.ctx.unsolicited.length = 0;

  // 0. Data protection: PROT on both, SSCN on the side that must be TLS client and off elsewhere.
  const channel: DataChannel = opts.channel ?? { kind: 'clear' };
  const channelError = await prepareChannel(sides, channel, record);
  if (channelError) return fail(channelError);

  // 1. Passive side: PRET (distributed servers need it), then PASV or EPSV (CPSV when the passive side is TLS client).
  const dstCommand = opts.append ? `APPE ${dstPath}` : `STOR ${dstPath}`;
  const srcCommand = `RETR ${srcPath}`;
  const passiveTransfer = sides.passive === dst ? dstCommand : srcCommand;
  if (sides.passive.caps.pret) {
    const pret = await sides.passive.raw(`PRET ${passiveTransfer}`);
    record(sides.passive, `PRET ${passiveTransfer}`, pret);
  }
  const listen = await enterPassive(sides, record, channel.kind === 'tls' && channel.method === 'cpsv');
  if ('error' in listen) return fail(listen.error);

  const choice = choosePassiveTarget({
    policy: sides.passive.site.passiveAddress,
    reply: listen.target,
    passiveControlAddress: sides.passive.peerAddress,
    activeControlAddress: sides.active.peerAddress,
  });
  if ('refused' in choice) {
    return fail(new FxpError('FXP_UNSAFE_ADDRESS', `Refused to forward the passive address: ${choice.refused}.`, {
      site: sides.passive.site.name, command: listen.command,
      hint: 'This protects the other server from being used to connect elsewhere (FTP bounce).',
    }));
  }
  outcome.addressReason = choice.reason;
  opts.logger('debug', `${sides.passive.site.name}: passive address ${choice.host}:${choice.port} (${choice.reason})`);

  // 2. Active side: PORT for IPv4 peers unless EPSV was needed, EPRT otherwise.
  const useEprt = listen.command === 'EPSV' || addressFamily(choice.host) === 6 || addressFamily(sides.active.peerAddress) === 6;
  const portCommand = useEprt ? formatEprt(choice) : formatPort(choice);
  const portReply = await sides.active.raw(portCommand);
  record(sides.active, portCommand, portReply);
  if (!isCompletion(portReply.code)) {
    return fail(activeRefusal(side(sides.active), portCommand, portReply));
  }

  const early = sides.passive.ctx.unsolicited.splice(0).find(r => r.code >= 400);
  if (early) {
    record(sides.passive, '(unsolicited)', early);
    return fail(passiveRefusal(side(sides.passive), passiveTransfer, early));
  }

  // 3. Restart offsets on both sides.
  if (opts.restartAt > 0) {
    const restErr = await restart(src, dst, opts, record);
    if (restErr) return fail(restErr);
  }

  // 4. Transfer commands: STOR first; wait for the destination's 1xx only when it is the active side.
  return runTransfers(src, dst, sides, srcCommand, dstCommand, opts, outcome, record);
}

async function prepareChannel(sides: Sides, channel: DataChannel, record: (c: FtpConnection, cmd: string, r: Reply) => void): Promise<FxpError | undefined> {
  try {
    for (const conn of [sides.passive, sides.active]) {
      if (conn.isTls) {
        await conn.setProt(channel.kind === 'tls' ? 'P' : 'C');
      } else if (channel.kind === 'tls') {
        return new FxpError('TLS_FXP_FAILED', 'TLS FXP needs a TLS control connection on both servers.', { site: conn.site.name });
      }
      const sscnClient = channel.kind === 'tls' && channel.method === 'sscn' && (channel.client === 'passive') === (conn === sides.passive);
      const reply = await conn.setSscn(sscnClient);
      if (reply) record(conn, sscnClient ? 'SSCN ON' : 'SSCN OFF', reply);
    }
    return undefined;
  } catch (err) {
    if (err instanceof FxpError) return err;
    throw err;
  }
}

async function enterPassive(
  sides: Sides, record: (c: FtpConnection, cmd: string, r: Reply) => void, cpsv: boolean,
): Promise<{ target: HostPort; command: 'PASV' | 'EPSV' | 'CPSV' } | { error: FxpError }> {
  const { passive } = sides;
  const ipv6 = addressFamily(passive.peerAddress) === 6 || addressFamily(sides.active.peerAddress) === 6;
  const order: ('PASV' | 'EPSV' | 'CPSV')[] = cpsv ? ['CPSV'] : ipv6 ? ['EPSV'] : ['PASV', 'EPSV'];
  let last: { command: string; reply: Reply } | undefined;
  for (const command of order) {
    const reply = await passive.raw(command);
    record(passive, command, reply);
    if (reply.code === 227 && command !== 'EPSV') {
      try {
        return { target: parsePasv(reply.text), command };
      } catch (err) {
        return { error: protocolError(passive, command, reply, err) };
      }
    }
    if (reply.code === 229 && command === 'EPSV') {
      try {
        return { target: { host: passive.peerAddress, port: parseEpsv(reply.text) }, command };
      } catch (err) {
        return { error: protocolError(passive, command, reply, err) };
      }
    }
    last = { command, reply };
  }
  return {
    error: new FxpError(cpsv ? 'TLS_FXP_FAILED' : 'FXP_REFUSED_PASSIVE', `The server refused to open a passive data port${cpsv ? ' with CPSV' : ''}.`, {
      site: passive.site.name, command: last?.command, reply: last?.reply,
      hint: ipv6 ? 'Over IPv6 both servers must support EPSV/EPRT.' : undefined,
    }),
  };
}

function protocolError(conn: FtpConnection, command: string, reply: Reply, err: unknown): FxpError {
  return new FxpError('PROTOCOL', `Could not understand the reply to ${command}.`, {
    site: conn.site.name, command, reply, cause: err,
  });
}

async function restart(
  src: FtpConnection, dst: FtpConnection, opts: AttemptOptions, record: (c: FtpConnection, cmd: string, r: Reply) => void,
): Promise<FxpError | undefined> {
  const rest = `REST ${opts.restartAt}`;
  const srcRest = await src.raw(rest);
  record(src, rest, srcRest);
  if (srcRest.code !== 350) return src.replyError(rest, srcRest, 'The source server cannot restart a download at an offset.');
  if (!opts.append) {
    const dstRest = await dst.raw(rest);
    record(dst, rest, dstRest);
    if (dstRest.code !== 350) return dst.replyError(rest, dstRest, 'The destination server cannot restart an upload at an offset; resume with APPE instead.');
  }
  return undefined;
}

function side(conn: FtpConnection) {
  return { site: conn.site.name, make: conn.make };
}

interface Pending {
  conn: FtpConnection;
  command: string;
  promise: Promise<Reply | Error>;
  /** Resolves with the first reply of any kind (1xx or final). */
  started: Promise<void>;
  /** A 1xx arrived: this side has (or is opening) its data connection. */
  hasStarted: boolean;
  final?: Reply | Error;
}

function track(conn: FtpConnection, command: string, onPreliminary: (r: Reply) => void): Pending {
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>(resolve => { markStarted = resolve; });
  const promise = conn.transfer(command, reply => { pending.hasStarted = true; markStarted(); onPreliminary(reply); })
    .then(r => r, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  const pending: Pending = { conn, command, promise, started, hasStarted: false };
  void promise.then(r => { pending.final = r; markStarted(); });
  return pending;
}

async function runTransfers(
  src: FtpConnection, dst: FtpConnection, sides: Sides, srcCommand: string, dstCommand: string,
  opts: AttemptOptions, outcome: AttemptOutcome, record: (c: FtpConnection, cmd: string, r: Reply) => void,
): Promise<AttemptOutcome> {
  const store = track(dst, dstCommand, reply => record(dst, dstCommand, reply));
  let probes: { probe: MidTransferStatProbe; pending: Pending }[] = [];

  let cancelled = opts.signal?.aborted ?? false;
  let markCancelled: () => void = () => undefined;
  const cancel = new Promise<void>(resolve => { markCancelled = resolve; });
  const onAbort = () => { cancelled = true; markCancelled(); };
  if (cancelled) markCancelled();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let retrieve: Pending | undefined;
    if (sides.active === dst) {
      // The active destination connects to the source's port on STOR; the source must not start before.
      const first = await raceTimeout([store.started, cancel], opts.preliminaryTimeoutMs);
      if (first === 'timeout') {
        dst.destroy(`no reply to ${dstCommand} within ${opts.preliminaryTimeoutMs / 1000} s`);
        outcome.destroyed.push(dst);
        return { ...outcome, error: new FxpError('TIMEOUT', `No reply to ${dstCommand.split(' ')[0]} in time.`, { site: dst.site.name, command: dstCommand }) };
      }
    }
    if (store.final === undefined && !cancelled) {
      retrieve = track(src, srcCommand, reply => record(src, srcCommand, reply));
      if (sides.active === src) {
        // The active source says 1xx once it reached the destination; silence means the data connection never formed.
        const first = await raceTimeout([retrieve.started, store.promise, cancel], opts.preliminaryTimeoutMs);
        if (first === 'timeout') {
          await abortBoth([store, retrieve], opts, outcome);
          return {
            ...outcome,
            error: new FxpError('FXP_DATA_CONNECTION', `Neither server reported the data connection within ${opts.preliminaryTimeoutMs / 1000} s.`, {
              site: dst.site.name, command: dstCommand,
              hint: `${dst.site.name} most likely dropped the connection from ${src.site.name} (FXP not allowed on the passive side), or a firewall is in between.`,
            }),
          };
        }
      }
    }
    const transfers = retrieve ? [store, retrieve] : [store];
    let stalled = false;
    const passiveT = sides.passive === dst ? store : retrieve;
    probes = retrieve && opts.watch ? startStatProbes(store, retrieve, opts, opts.watch.intervalMs) : [];
    const statFigure = () => freshStatFigure(probes, opts.watch?.intervalMs ?? 1_000);
    const watching = opts.watch && retrieve && passiveT ? watchProgress(opts.watch, transfers, passiveT, () => { stalled = true; }, statFigure) : undefined;
    const abortedSides = await settleWithSkew(transfers, opts, () => cancelled || stalled, watching ? Promise.race([cancel, watching.stalled]) : cancel);
    watching?.stop();
    for (const p of probes) p.probe.stop();
    if (stalled && passiveT) {
      const passiveStarted = passiveT.hasStarted;
      await abortBoth(transfers, opts, outcome);
      const seconds = (opts.watch!.firstByteMs ?? opts.watch!.stallMs) / 1000;
      const stallError = opts.channel?.kind === 'tls'
        ? new FxpError('TLS_FXP_FAILED', `The servers did not complete the TLS handshake on the data connection within ${seconds} s.`, {
          site: sides.passive.site.name, command: passiveT.command,
          hint: 'Both servers probably waited as TLS server: SSCN/CPSV was accepted but not applied.',
        })
        : passiveStarted
          ? new FxpError('TIMEOUT', `The transfer made no progress for ${seconds} s.`, { site: dst.site.name, command: dstCommand })
          : passiveRefusal(side(sides.passive), passiveT.command, undefined);
      return { ...outcome, error: stallError };
    }

    if (cancelled) {
      await abortBoth(transfers, opts, outcome);
      return { ...outcome, error: cancelledError() };
    }
    await drainStat(probes, transfers, abortedSides, outcome, opts.abortGraceMs);
    for (const t of transfers) {
      if (t.final !== undefined && !(t.final instanceof Error)) record(t.conn, t.command, t.final);
      if (abortedSides.includes(t)) {
        // After ABOR a server may send one or two more replies: never reuse that control connection.
        t.conn.destroy('aborted after the other server failed');
        outcome.destroyed.push(t.conn);
      } else if (t.final === undefined) {
        t.conn.destroy(`silent ${opts.skewTimeoutMs / 1000} s after the other server finished`);
        outcome.destroyed.push(t.conn);
      }
    }
    const result = classify(src, dst, sides, store, retrieve, outcome, opts.channel, abortedSides);
    if (!result.ok) {
      // A refused transfer can leave a server waiting for another data connection and answering later:
      // such a control connection would hand its stale replies to the next command. Never reuse it.
      for (const t of transfers) {
        if (!result.destroyed.includes(t.conn)) {
          t.conn.destroy('its transfer did not complete cleanly');
          result.destroyed.push(t.conn);
        }
      }
    }
    return result;
  } finally {
    for (const p of probes) p.probe.detach();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** STAT during the transfer on each plain control connection whose site may answer it (see statProgress). */
function startStatProbes(store: Pending, retrieve: Pending, opts: AttemptOptions, intervalMs: number): { probe: MidTransferStatProbe; pending: Pending }[] {
  if (!opts.stat) return [];
  const sides = [
    { pending: store, verb: 'STOR' as const, memory: opts.stat.destination },
    { pending: retrieve, verb: 'RETR' as const, memory: opts.stat.source },
  ];
  return sides
    .filter(s => MidTransferStatProbe.eligible(s.pending.conn, s.verb, s.memory))
    .map(s => ({
      pending: s.pending,
      probe: new MidTransferStatProbe({
        conn: s.pending.conn, verb: s.verb, memory: s.memory, intervalMs, restartAt: opts.restartAt, logger: opts.logger,
        started: () => s.pending.hasStarted && s.pending.final === undefined,
      }),
    }));
}

/** The freshest figure from a STAT answer: the destination's (what has landed) before the source's (what was sent). */
function freshStatFigure(probes: { probe: MidTransferStatProbe }[], intervalMs: number): number | undefined {
  const maxAge = intervalMs * 2.5;
  for (const { probe } of probes) {
    if (probe.figure && Date.now() - probe.figure.at <= maxAge) return probe.figure.bytes;
  }
  return undefined;
}

/**
 * A STAT still unanswered when the transfer finished is answered after its final reply: wait for that answer on
 * every connection that stays in use, so it is never read as the reply to the next command. A server that does not
 * answer in time loses its connection.
 */
async function drainStat(
  probes: { probe: MidTransferStatProbe; pending: Pending }[], transfers: Pending[], abortedSides: Pending[], outcome: AttemptOutcome, graceMs: number,
): Promise<void> {
  await Promise.all(probes.map(async ({ probe, pending }) => {
    const reusable = transfers.includes(pending) && !abortedSides.includes(pending)
      && pending.final !== undefined && !(pending.final instanceof Error) && isCompletion(pending.final.code);
    if (!reusable) {
      probe.detach();
      return;
    }
    if (!(await probe.drain(graceMs))) {
      pending.conn.destroy(`no answer to STAT within ${graceMs / 1000} s after the transfer`);
      outcome.destroyed.push(pending.conn);
    }
  }));
}

/** Polls the destination size until every transfer has a final reply; resolves `stalled` when growth stops. */
function watchProgress(
  watch: TransferWatch, transfers: Pending[], passive: Pending, onStall: () => void, statFigure: () => number | undefined,
): { stalled: Promise<void>; stop: () => void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  let lastChange = Date.now();
  let fireStall: () => void = () => undefined;
  const stalled = new Promise<void>(resolve => { fireStall = resolve; });
  const tick = async () => {
    if (stopped || transfers.every(t => t.final !== undefined)) return;
    // STAT answered on a transfer's own control connection costs nothing; SIZE needs a connection of its own.
    const fromStat = statFigure();
    const size = fromStat ?? await watch.size().catch(() => undefined);
    if (stopped) return;
    if (size !== undefined && size !== last) {
      last = size;
      lastChange = Date.now();
      watch.onBytes?.(size, fromStat !== undefined ? 'stat' : 'size');
    }
    // Once one side has finished, the skew timeout is in charge, not the stall watch. Without a size to watch
    // (no spare connection, or a server that hides files being uploaded) only a passive side that never
    // started counts as stuck: a running transfer is not cut for lack of information.
    const limit = last === undefined || last === 0 ? Math.min(watch.firstByteMs ?? watch.stallMs, watch.stallMs) : watch.stallMs;
    const blind = last === undefined && passive.hasStarted;
    if (!blind && transfers.every(t => t.final === undefined) && Date.now() - lastChange >= limit) {
      onStall();
      fireStall();
      return;
    }
    timer = setTimeout(() => void tick(), watch.intervalMs);
  };
  timer = setTimeout(() => void tick(), watch.intervalMs);
  return { stalled, stop: () => { stopped = true; clearTimeout(timer); } };
}


async function raceTimeout(promises: Promise<unknown>[], ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise(resolve => { timer = setTimeout(() => resolve('timeout'), ms); });
  try {
    return await Promise.race([...promises, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for every final reply. Once one side has finished, the rest get `skewTimeoutMs`; once one side
 * has failed, waiting is pointless: the rest are sent ABOR and get `abortGraceMs`.
 */
async function settleWithSkew(transfers: Pending[], opts: AttemptOptions, isCancelled: () => boolean, cancel: Promise<void>): Promise<Pending[]> {
  const all = Promise.all(transfers.map(t => t.promise));
  await Promise.race([Promise.race(transfers.map(t => t.promise)), cancel]);
  if (isCancelled()) return [];
  const failedFirst = transfers.some(t => t.final !== undefined && (t.final instanceof Error || t.final.code >= 400));
  if (failedFirst && transfers.some(t => t.final === undefined)) {
    // The other server usually saw the same broken data connection and says so itself within moments;
    // only one still silent after that is sent ABOR (and its answer then says nothing about the cause).
    await raceTimeout([all, cancel], Math.min(1_000, opts.abortGraceMs));
    const waiting = transfers.filter(t => t.final === undefined);
    if (waiting.length === 0) return [];
    for (const t of waiting) t.conn.sendAbort();
    await raceTimeout([all, cancel], opts.abortGraceMs);
    return waiting;
  }
  await raceTimeout([all, cancel], opts.skewTimeoutMs);
  return [];
}

async function abortBoth(transfers: Pending[], opts: AttemptOptions, outcome: AttemptOutcome): Promise<void> {
  for (const t of transfers) if (t.final === undefined) t.conn.sendAbort();
  await raceTimeout([Promise.all(transfers.map(t => t.promise))], opts.abortGraceMs);
  for (const t of transfers) {
    // A transfer cut short leaves the control connection in an unknown state: never reuse it.
    t.conn.destroy('transfer cancelled');
    outcome.destroyed.push(t.conn);
  }
}

function classify(
  src: FtpConnection, dst: FtpConnection, sides: Sides, store: Pending, retrieve: Pending | undefined, outcome: AttemptOutcome,
  channel: DataChannel | undefined, abortedSides: Pending[],
): AttemptOutcome {
  const passiveT = sides.passive === dst ? store : retrieve;
  const activeT = sides.active === dst ? store : retrieve;
  // A side we sent ABOR to answers 426/226 because of us: its reply says nothing about the failure.
  const counts = (t: Pending | undefined): t is Pending => t !== undefined && !abortedSides.includes(t);
  const finalOf = (t: Pending | undefined) => (counts(t) && t.final && !(t.final instanceof Error) ? t.final : undefined);
  const passiveReply = finalOf(passiveT);
  const activeReply = finalOf(activeT);

  const tlsFailure = [store, retrieve].find(t => { const r = finalOf(t); return r !== undefined && looksLikeTlsFailure(r); });
  const connectionError = [store, retrieve].filter(counts).find(t => t.final instanceof Error);
  // One server's TLS refusal explains the other dropping its control connection (ProFTPD as SSCN client
  // disconnects when vsftpd closes the data connection with 522): the refusal is the diagnosis, not a lost server.
  if (connectionError && connectionError.final instanceof Error && !tlsFailure) {
    return { ...outcome, error: connectionError.final instanceof FxpError ? connectionError.final : new FxpError('CONNECTION_LOST', connectionError.final.message, { site: connectionError.conn.site.name, command: connectionError.command }) };
  }
  if (passiveReply && activeReply && isCompletion(passiveReply.code) && activeReply && isCompletion(activeReply.code)) {
    return { ...outcome, ok: true };
  }
  if (tlsFailure) return { ...outcome, error: tlsDataFailure(side(tlsFailure.conn), tlsFailure.command, finalOf(tlsFailure)!) };
  // The passive side refused, or stayed silent while the active side finished.
  const passiveSilent = passiveT !== undefined && !passiveReply && activeReply !== undefined && isCompletion(activeReply.code);
  if (passiveT && (passiveSilent || (passiveReply && looksLikePassiveRefusal(passiveReply)))) {
    return { ...outcome, error: passiveRefusal(side(sides.passive), passiveT.command, passiveReply) };
  }
  // 426: the data connection existed and broke off. Never a refusal, so the other ways stay open.
  // Both sides usually report the break; the sender's report comes first in blame (the receiver only saw it end).
  const broken = [retrieve, store].find(t => finalOf(t)?.code === 426);
  if (broken) {
    const reply = finalOf(broken)!;
    return {
      ...outcome,
      error: channel?.kind === 'tls'
        ? new FxpError('TLS_FXP_FAILED', 'The encrypted data connection between the servers broke off before the end.', {
          site: broken.conn.site.name, command: broken.command, reply,
          hint: 'ProFTPD acting as TLS client (SSCN) under TLS 1.3 is known to cut the connection at the end; "TLSProtocol TLSv1.2" on that server avoids it.',
        })
        : new FxpError('SERVER_REPLY', 'The data connection between the servers broke off during the transfer.', { site: broken.conn.site.name, command: broken.command, reply }),
    };
  }
  // Source errors (missing file, permission) and destination errors are about the file, not FXP.
  const retrReply = finalOf(retrieve);
  const storReply = finalOf(store);
  if (storReply && !isCompletion(storReply.code) && !isDataConnectionCode(storReply.code)) {
    return { ...outcome, error: dst.replyError(store.command, storReply) };
  }
  if (retrReply && !isCompletion(retrReply.code) && !isDataConnectionCode(retrReply.code)) {
    return { ...outcome, error: src.replyError(retrieve!.command, retrReply) };
  }
  if (activeReply && isDataConnectionCode(activeReply.code) && activeT) {
    return { ...outcome, error: dataConnectionFailure(side(sides.active), activeT.command, activeReply, side(sides.passive)) };
  }
  if (passiveReply && isDataConnectionCode(passiveReply.code) && passiveT) {
    return { ...outcome, error: passiveRefusal(side(sides.passive), passiveT.command, passiveReply) };
  }
  const silent = [store, retrieve].find(t => t && t.final === undefined);
  return {
    ...outcome,
    error: new FxpError('TIMEOUT', 'A server did not finish the transfer.', { site: silent?.conn.site.name, command: silent?.command }),
  };
}

function isDataConnectionCode(code: number): boolean {
  return code === 425;
}

