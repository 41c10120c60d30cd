import { FtpConnection } from './connection';
import { cancelledError, FxpError } from './errors';
import type { Site } from './site';
import { MidTransferStatMemory } from './statProgress';

export type ConnectionKind = 'browse' | 'transfer';

interface Waiter {
  kind: ConnectionKind;
  resolve: () => void;
}

const IDLE_CHECK_AFTER_MS = 20_000;

/**
 * Control connections of one site, bounded by its connection limit. Browsing and transfers never share
 * a connection: VS Code lists folders while copies run, and a control connection does one thing at a time.
 */
export class SitePool {
  private idle: { conn: FtpConnection; kind: ConnectionKind; since: number }[] = [];
  private open = 0;
  private connecting = 0;
  /** Connections counted in `open`: discarding one twice must not free two places. */
  private readonly live = new Set<FtpConnection>();
  private waiters: Waiter[] = [];
  private closed = false;
  limit: number;
  /** Whether this site answers STAT during its transfers, learned by the first copies. */
  readonly midTransferStat = new MidTransferStatMemory();

  constructor(
    readonly site: Site,
    private readonly connect: (signal?: AbortSignal) => Promise<FtpConnection>,
  ) {
    this.limit = site.connectionLimit;
  }

  get openConnections(): number {
    return this.open;
  }

  /** A server said "too many connections": stay one below what it took (connections still logging in do not count). */
  lowerLimit(): void {
    this.limit = Math.max(1, Math.min(this.limit, this.open - this.connecting) - 1);
  }

  async acquire(kind: ConnectionKind, signal?: AbortSignal): Promise<FtpConnection> {
    for (;;) {
      if (signal?.aborted) throw cancelledError(this.site.name);
      if (this.closed) throw new FxpError('CONNECTION_LOST', 'The site was disconnected.', { site: this.site.name });
      const reused = await this.takeIdle(kind);
      if (reused) return reused;
      if (this.open < this.limit) return this.openNew(signal);
      // At the limit: an idle connection of the other kind may be closed to make room.
      const other = this.idle.findIndex(i => i.kind !== kind);
      if (other >= 0) {
        const [victim] = this.idle.splice(other, 1);
        this.discard(victim!.conn);
        continue;
      }
      await this.wait(kind, signal);
    }
  }

  /** A connection now if one is idle or the limit allows a new one; undefined instead of waiting. */
  async tryAcquire(kind: ConnectionKind, signal?: AbortSignal): Promise<FtpConnection | undefined> {
    if (this.closed) return undefined;
    const reused = await this.takeIdle(kind);
    if (reused) return reused;
    if (this.open >= this.limit) return undefined;
    return this.openNew(signal);
  }

  private async openNew(signal?: AbortSignal): Promise<FtpConnection> {
    this.open++;
    this.connecting++;
    try {
      const conn = await this.connect(signal);
      this.live.add(conn);
      return conn;
    } catch (err) {
      this.open--;
      this.wakeOne();
      throw err;
    } finally {
      this.connecting--;
    }
  }

  private async takeIdle(kind: ConnectionKind): Promise<FtpConnection | undefined> {
    while (true) {
      const index = this.idle.findIndex(i => i.kind === kind);
      if (index < 0) return undefined;
      const [entry] = this.idle.splice(index, 1);
      const { conn, since } = entry!;
      if (conn.closed) {
        this.discard(conn);
        continue;
      }
      if (Date.now() - since > IDLE_CHECK_AFTER_MS) {
        // Servers drop idle sessions; find out now rather than in the middle of a transfer setup.
        const alive = await conn.raw('NOOP', 10_000).then(r => r.code < 400, () => false);
        if (!alive) {
          this.discard(conn);
          continue;
        }
      }
      return conn;
    }
  }

  /** Gives a connection back. A connection in an unknown state must be passed with reusable=false. */
  release(conn: FtpConnection, kind: ConnectionKind, reusable = true): void {
    if (this.closed || !reusable || conn.closed) {
      this.discard(conn);
      return;
    }
    this.idle.push({ conn, kind, since: Date.now() });
    this.wakeOne(kind);
  }

  discard(conn: FtpConnection): void {
    conn.close();
    if (!this.live.delete(conn)) return;
    this.open = Math.max(0, this.open - 1);
    this.wakeOne();
  }

  private wait(kind: ConnectionKind, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { kind, resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      const onAbort = () => {
        this.waiters = this.waiters.filter(w => w !== waiter);
        reject(cancelledError(this.site.name));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private wakeOne(kind?: ConnectionKind): void {
    const index = kind ? Math.max(0, this.waiters.findIndex(w => w.kind === kind)) : 0;
    const [waiter] = this.waiters.splice(index, 1);
    waiter?.resolve();
  }

  /** Resolves once no connection of this site still waits for replies to commands sent without waiting. */
  async settle(): Promise<void> {
    await Promise.all([...this.live].map(conn => conn.settled()));
  }

  close(): void {
    this.closed = true;
    for (const { conn } of this.idle) conn.close();
    this.idle = [];
    this.live.clear();
    this.open = 0;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
