import type { FtpConnection } from './connection';
import { isFxpError } from './errors';
import type { Reply } from './reply';
import { isCommandRefusalCode, isStatAnswerCode, parseStatTransferBytes, type TransferVerb } from './statReply';
import type { Logger } from './transcript';

/**
 * What a site did with STAT during a transfer:
 * - answers: in-band, with the bytes so far (pyftpdlib both ways, ProFTPD while receiving);
 * - refused: a 5xx at once (pure-ftpd "500 Unknown command");
 * - queued: no answer until after the transfer's final reply (vsftpd, ProFTPD while sending);
 * - no-figure: answers that never carry a byte count.
 */
export type StatVerdict = 'unknown' | 'answers' | 'refused' | 'queued' | 'no-figure';

/** Answers without a figure, in a row, before a site counts as `no-figure` (one may come as a transfer ends). */
const BLANK_ANSWERS_TO_GIVE_UP = 3;
/**
 * A STAT unanswered for this long when the transfer's final reply came was queued. Shorter says nothing: the
 * server may have finished before it read the STAT (a sender finishes early when the socket buffers hold the rest).
 */
const QUEUED_AFTER_MS = 1_000;

/** Learned per site and direction, kept by the site's pool: the next file of a job does not probe again. */
export class MidTransferStatMemory {
  private readonly verdicts: Record<TransferVerb, StatVerdict> = { RETR: 'unknown', STOR: 'unknown' };
  private readonly blankAnswers: Record<TransferVerb, number> = { RETR: 0, STOR: 0 };

  verdict(verb: TransferVerb): StatVerdict {
    return this.verdicts[verb];
  }

  /** Whether STAT is still worth sending during this kind of transfer. */
  usable(verb: TransferVerb): boolean {
    const v = this.verdicts[verb];
    return v === 'unknown' || v === 'answers';
  }

  learn(verb: TransferVerb, verdict: StatVerdict): void {
    this.verdicts[verb] = verdict;
    if (verdict === 'answers') this.blankAnswers[verb] = 0;
  }

  blankAnswer(verb: TransferVerb): void {
    if (++this.blankAnswers[verb] >= BLANK_ANSWERS_TO_GIVE_UP && this.verdicts[verb] === 'unknown') this.verdicts[verb] = 'no-figure';
  }
}

export interface StatProbeOptions {
  conn: FtpConnection;
  verb: TransferVerb;
  memory: MidTransferStatMemory;
  intervalMs: number;
  /** The transfer started at this offset (REST): the figure servers give counts from there. */
  restartAt: number;
  /** The transfer's 1xx arrived: the server is inside the transfer (before that, STAT would be answered as idle). */
  started: () => boolean;
  logger: Logger;
}

/** A figure from a STAT answer: the file position the transfer has reached, and when it was reported. */
export interface StatFigure {
  bytes: number;
  at: number;
}

/**
 * Sends plain, in-band `STAT` about once per interval on one plain control connection while its transfer command
 * runs (never urgent data: ProFTPD aborts the transfer on it; never on TLS: the caller checks), one at a time, and
 * routes its answer away from the transfer: the reply that ends the transfer still reaches the transfer command.
 * Replies on a control connection come in order, so once the transfer's final reply has passed, the next reply
 * answers the outstanding STAT: `drain` waits for it before the connection is used again.
 */
export class MidTransferStatProbe {
  /** The latest figure from an answer during the transfer. */
  figure: StatFigure | undefined;
  private outstanding = false;
  private sentAt = 0;
  private finalSeen = false;
  private stopped = false;
  private attached = true;
  private timer: NodeJS.Timeout | undefined;
  private onDrained: (() => void) | undefined;

  constructor(private readonly o: StatProbeOptions) {
    o.conn.ctx.interceptReply = reply => this.claim(reply);
    // The first STAT early, so that a site known to answer never needs the SIZE probe's extra connection.
    this.schedule(Math.min(250, o.intervalMs));
  }

  /** Whether this kind of transfer on this site may get STAT at all. */
  static eligible(conn: FtpConnection, verb: TransferVerb, memory: MidTransferStatMemory): boolean {
    return !conn.isTls && !conn.closed && memory.usable(verb);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    const { conn, memory, verb } = this.o;
    if (this.stopped || this.finalSeen || conn.closed || !memory.usable(verb)) return;
    if (!this.outstanding && this.o.started()) {
      this.outstanding = true;
      this.sentAt = Date.now();
      try {
        conn.ctx.send('STAT');
      } catch (err) {
        this.outstanding = false;
        this.o.logger('warn', `${conn.site.name}: could not send STAT: ${(err as Error).message}`);
        return;
      }
    }
    this.schedule(this.o.intervalMs);
  }

  /** Sees every reply of the connection first; true when it was the answer to our STAT. */
  private claim(reply: Reply): boolean {
    if (!this.outstanding) {
      if (reply.code >= 200) this.finalSeen = true;
      return false;
    }
    if (this.finalSeen) {
      // After the transfer's final reply, the next reply is the STAT answer whatever it says.
      this.settleLate(reply);
      return true;
    }
    if (isStatAnswerCode(reply.code)) {
      this.outstanding = false;
      this.takeFigure(reply);
      return true;
    }
    if (isCommandRefusalCode(reply.code)) {
      this.outstanding = false;
      this.o.memory.learn(this.o.verb, 'refused');
      this.o.logger('info', `${this.o.conn.site.name}: refuses STAT during ${this.o.verb} (${reply.code}); progress from SIZE instead`);
      return true;
    }
    if (reply.code >= 200) {
      // The transfer's own final reply (226/250, 4xx, 55x): STAT was queued behind it.
      this.finalSeen = true;
      if (this.o.memory.verdict(this.o.verb) === 'unknown' && Date.now() - this.sentAt >= QUEUED_AFTER_MS) {
        this.o.memory.learn(this.o.verb, 'queued');
        this.o.logger('info', `${this.o.conn.site.name}: queues STAT during ${this.o.verb}; progress from SIZE instead`);
      }
    }
    return false;
  }

  private takeFigure(reply: Reply): void {
    const { memory, verb } = this.o;
    let bytes: number | undefined;
    try {
      bytes = parseStatTransferBytes(reply.text, verb);
    } catch (err) {
      if (!isFxpError(err)) throw err;
      bytes = undefined;
    }
    if (bytes === undefined) {
      memory.blankAnswer(verb);
      return;
    }
    memory.learn(verb, 'answers');
    this.figure = { bytes: this.o.restartAt + bytes, at: Date.now() };
  }

  private settleLate(reply: Reply): void {
    this.outstanding = false;
    if (isCommandRefusalCode(reply.code)) this.o.memory.learn(this.o.verb, 'refused');
    this.onDrained?.();
  }

  /** Stops sending; an answer still outstanding stays claimed until `drain` or `detach`. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * After the transfer's final reply: waits until the outstanding STAT (if any) has been answered, so that its
   * answer is never taken for the next command's. False when it did not come in time: the connection must go.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stop();
    try {
      if (!this.outstanding) return true;
      if (this.o.conn.closed) return false;
      this.o.logger('debug', `${this.o.conn.site.name}: waiting for the answer to STAT sent during the transfer`);
      let timer: NodeJS.Timeout | undefined;
      const drained = await new Promise<boolean>(resolve => {
        this.onDrained = () => resolve(true);
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      clearTimeout(timer);
      return drained;
    } finally {
      this.detach();
    }
  }

  /** Gives the connection's replies back to its commands. */
  detach(): void {
    this.stop();
    if (!this.attached) return;
    this.attached = false;
    this.onDrained = undefined;
    if (this.o.conn.ctx.interceptReply) this.o.conn.ctx.interceptReply = undefined;
  }
}
