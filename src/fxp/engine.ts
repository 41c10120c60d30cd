import { Readable } from 'stream';
import { FtpConnection } from './connection';
import { ByteCounter } from './context';
import { copyFile, type CopyOptions, type CopyResult, type Timeouts } from './copy';
import { FxpError } from './errors';
import { toEntries, type Entry } from './listing';
import { SitePool, type ConnectionKind } from './pool';
import { credentialKey, type Site } from './site';
import type { Logger } from './transcript';

export interface EngineOptions {
  logger: Logger;
  /** Asked each time a connection is opened; the engine never keeps a password. */
  password: (site: Site) => Promise<string>;
  commandTimeoutMs?: number;
  timeouts?: Partial<Timeouts>;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  skewTimeoutMs: 10_000, preliminaryTimeoutMs: 15_000, abortGraceMs: 3_000, pollIntervalMs: 1_000, stallTimeoutMs: 60_000, tlsHandshakeTimeoutMs: 15_000,
};

export interface Listing {
  entries: Entry[];
  /** Names the server sent that cannot be used safely (slashes, line breaks, NUL). */
  dropped: string[];
}

/** The engine's front door: sites, pooled connections, listing, file operations and copies. */
export class FxpEngine {
  readonly bytes = new ByteCounter();
  private readonly pools = new Map<string, SitePool>();
  private readonly timeouts: Timeouts;

  constructor(private readonly options: EngineOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  get logger(): Logger {
    return this.options.logger;
  }

  pool(site: Site): SitePool {
    // Every setting is part of the key: a site edited (other host, other trust) never gets a connection made for the old one.
    const key = JSON.stringify(site);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new SitePool(site, signal => this.connect(site, signal));
      this.pools.set(key, pool);
    }
    return pool;
  }

  async connect(site: Site, signal?: AbortSignal): Promise<FtpConnection> {
    return FtpConnection.open(site, {
      password: () => this.options.password(site), logger: this.options.logger, timeoutMs: this.options.commandTimeoutMs, bytes: this.bytes, signal,
    });
  }

  /** Runs `fn` on a pooled connection; a connection that failed is not reused. */
  async withConnection<T>(site: Site, kind: ConnectionKind, fn: (conn: FtpConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const pool = this.pool(site);
    const conn = await pool.acquire(kind, signal);
    let healthy = true;
    try {
      return await fn(conn);
    } catch (err) {
      healthy = err instanceof FxpError && (err.code === 'SERVER_REPLY' || err.code === 'NOT_FOUND') && !conn.closed;
      throw err;
    } finally {
      pool.release(conn, kind, healthy);
    }
  }

  list(site: Site, path: string, signal?: AbortSignal): Promise<Listing> {
    return this.withConnection(site, 'browse', async conn => toEntries(await conn.list(path)), signal);
  }

  /** The folder the server puts the user in after login. */
  home(site: Site, signal?: AbortSignal): Promise<string> {
    return this.withConnection(site, 'browse', conn => conn.pwd(), signal);
  }

  async mkdir(site: Site, path: string): Promise<void> {
    await this.withConnection(site, 'browse', conn => conn.ok(`MKD ${path}`));
  }

  /** Creates every missing folder along `path`. */
  async ensureDir(site: Site, path: string): Promise<void> {
    await this.withConnection(site, 'browse', async conn => {
      const parts = path.split('/').filter(Boolean);
      let current = path.startsWith('/') ? '' : '.';
      for (const part of parts) {
        current = `${current}/${part}`;
        const reply = await conn.raw(`MKD ${current}`);
        if (reply.code >= 300 && reply.code !== 550 && reply.code !== 521) throw conn.replyError(`MKD ${current}`, reply);
      }
    });
  }

  async rename(site: Site, from: string, to: string): Promise<void> {
    await this.withConnection(site, 'browse', async conn => {
      await conn.ok(`RNFR ${from}`, c => c === 350);
      await conn.ok(`RNTO ${to}`);
    });
  }

  async deleteFile(site: Site, path: string): Promise<void> {
    await this.withConnection(site, 'browse', conn => conn.ok(`DELE ${path}`));
  }

  async removeDir(site: Site, path: string): Promise<void> {
    await this.withConnection(site, 'browse', conn => conn.library(`RMD ${path}`, c => c.removeDir(path)));
  }

  async size(site: Site, path: string): Promise<number | undefined> {
    return this.withConnection(site, 'browse', conn => conn.size(path));
  }

  /** Uploads bytes from this machine (used by the doctor's probe file and by tests). */
  async upload(site: Site, path: string, data: Buffer): Promise<void> {
    await this.withConnection(site, 'browse', conn => conn.library(`STOR ${path}`, c => c.uploadFrom(Readable.from([data]), path)));
  }

  copyFile(src: Site, srcPath: string, dst: Site, dstPath: string, options: CopyOptions): Promise<CopyResult> {
    return copyFile(this.pool(src), srcPath, this.pool(dst), dstPath, options, this.timeouts, this.options.logger);
  }

  /** Resolves once every server has answered the commands sent without waiting (MFMT after a copy). */
  async settle(): Promise<void> {
    await Promise.all([...this.pools.values()].map(pool => pool.settle()));
  }

  /** Closes every pool for this site: same name, or same credential (user, host, port, protocol). */
  disconnect(site: Site): void {
    for (const [key, pool] of this.pools) {
      if (pool.site.name === site.name || credentialKey(pool.site) === credentialKey(site)) {
        pool.close();
        this.pools.delete(key);
      }
    }
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }
}
