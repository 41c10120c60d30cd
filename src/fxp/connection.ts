import { Client, FTPError, type FileInfo, type FTPResponse } from 'basic-ftp';
import type { ConnectionOptions as TlsOptions } from 'tls';
import { normalizeAddress } from './address';
import { ByteCounter, FramedContext } from './context';
import { asFxpError, cancelledError, FxpError, firstLine } from './errors';
import { emptyCapabilities, parseFeat, parsePwdReply, parseSizeReply, type Capabilities } from './parse';
import type { Reply } from './reply';
import type { Site } from './site';
import type { Logger } from './transcript';

export type ServerMake = 'pure-ftpd' | 'proftpd' | 'vsftpd' | 'pyftpdlib' | 'fxp-testd' | 'unknown';

export function detectServerMake(welcome: string): ServerMake {
  if (/pure-?ftpd/i.test(welcome)) return 'pure-ftpd';
  if (/proftpd/i.test(welcome)) return 'proftpd';
  if (/vsftpd/i.test(welcome)) return 'vsftpd';
  if (/pyftpdlib/i.test(welcome)) return 'pyftpdlib';
  if (/fxp-testd|FXP test ftpd/i.test(welcome)) return 'fxp-testd';
  return 'unknown';
}

export interface ConnectOptions {
  password: string;
  logger: Logger;
  /** Per-command timeout while the control connection is expected to answer (not during FXP transfers). */
  timeoutMs?: number;
  bytes?: ByteCounter;
  signal?: AbortSignal;
  /** Any further strings to mask in the transcript. */
  secrets?: string[];
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
const KEEPALIVE_MS = 30_000;

/** One logged-in control connection with its capabilities. One command at a time, like basic-ftp. */
export class FtpConnection {
  readonly client: Client;
  readonly ctx: FramedContext;
  caps: Capabilities = emptyCapabilities();
  welcome = '';
  make: ServerMake = 'unknown';
  /** SSCN is sticky on the server: remember what we set. */
  sscnClientMethod = false;
  private readonly timeoutMs: number;
  private busy = false;

  private constructor(readonly site: Site, private readonly opts: ConnectOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.client = new Client(this.timeoutMs);
    this.ctx = new FramedContext(this.timeoutMs, site.name, opts.logger, [opts.password, ...(opts.secrets ?? [])].filter(Boolean), opts.bytes ?? new ByteCounter());
    (this.client as unknown as { ftp: FramedContext }).ftp = this.ctx;
  }

  static async open(site: Site, opts: ConnectOptions): Promise<FtpConnection> {
    const conn = new FtpConnection(site, opts);
    const onAbort = () => conn.close();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (opts.signal?.aborted) throw cancelledError(site.name);
      await conn.connectAndLogin();
      return conn;
    } catch (err) {
      conn.close();
      if (opts.signal?.aborted) throw cancelledError(site.name);
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private tlsOptions(): TlsOptions {
    return {
      host: this.site.host,
      servername: /^[\d.:]+$/.test(this.site.host) ? undefined : this.site.host,
      ca: this.site.ca && this.site.ca.length > 0 ? this.site.ca : undefined,
      rejectUnauthorized: this.site.verifyCertificate !== false,
    };
  }

  private async connectAndLogin(): Promise<void> {
    const { site } = this;
    this.opts.logger('info', `${site.name}: connecting to ${site.host}:${site.port} (${site.security === 'none' ? 'plain FTP' : `${site.security} TLS`})`);
    let welcome: FTPResponse;
    try {
      if (site.security === 'implicit') {
        welcome = await this.client.connectImplicitTLS(site.host, site.port, this.tlsOptions());
      } else {
        welcome = await this.client.connect(site.host, site.port);
      }
    } catch (err) {
      throw this.connectError(err);
    }
    this.welcome = welcome.message;
    this.make = detectServerMake(welcome.message);
    this.ctx.socket.setKeepAlive(true, KEEPALIVE_MS);
    if (site.security === 'explicit') {
      try {
        await this.client.useTLS(this.tlsOptions());
      } catch (err) {
        if (err instanceof FTPError) {
          throw new FxpError('SERVER_REPLY', 'The server does not accept explicit TLS (AUTH TLS).', {
            site: site.name, command: 'AUTH TLS', reply: { code: err.code, text: err.message }, cause: err,
            hint: 'Choose plain FTP or implicit TLS for this site if the server does not offer explicit TLS.',
          });
        }
        throw new FxpError('CONNECT_FAILED', `TLS handshake failed: ${(err as Error).message}.`, {
          site: site.name, cause: err,
          hint: 'If the server uses a self-signed certificate, add its CA certificate or trust its fingerprint for this site.',
        });
      }
    }
    await this.login();
    const feat = await this.raw('FEAT');
    this.caps = parseFeat(feat.code, feat.text);
    this.client.availableListCommands = this.caps.mlsd ? ['MLSD', 'LIST -a', 'LIST'] : ['LIST -a', 'LIST'];
    if (this.caps.utf8) await this.raw('OPTS UTF8 ON');
    await this.ok('TYPE I');
    if (site.security !== 'none') {
      await this.raw('PBSZ 0');
      await this.ok('PROT P');
    }
  }

  private connectError(err: unknown): FxpError {
    const { site } = this;
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof FTPError) {
      return new FxpError('CONNECT_FAILED', 'The server refused the connection.', {
        site: site.name, reply: { code: err.code, text: err.message }, cause: err,
        hint: err.code === 421 ? 'The server may be full (too many connections) or shutting down: try again later or lower the connection limit.' : undefined,
      });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new FxpError('CONNECT_FAILED', `Unknown host "${site.host}".`, { site: site.name, cause: err, hint: 'Check the host name in the site settings.' });
    }
    if (code === 'ECONNREFUSED') {
      return new FxpError('CONNECT_FAILED', `Connection refused by ${site.host}:${site.port}.`, {
        site: site.name, cause: err, hint: 'Check that the server is running and that the port is right (21 for FTP and explicit TLS, 990 for implicit TLS).',
      });
    }
    return asFxpError(err, site.name);
  }

  private async login(): Promise<void> {
    const user = await this.raw(`USER ${this.site.user}`);
    let final = user;
    if (user.code === 331 || user.code === 332) final = await this.raw(`PASS ${this.opts.password}`);
    if (final.code === 230 || final.code === 202) return;
    if (final.code === 530 || final.code === 331 || final.code === 332) {
      throw new FxpError('LOGIN_FAILED', `Login as "${this.site.user}" was refused.`, {
        site: this.site.name, command: final === user ? `USER ${this.site.user}` : 'PASS ****', reply: toInfo(final),
        hint: 'Check the user name and password. The engine does not retry, so the server will not lock the account.',
      });
    }
    throw new FxpError('SERVER_REPLY', 'Login failed.', { site: this.site.name, command: 'PASS ****', reply: toInfo(final) });
  }

  get closed(): boolean {
    return this.ctx.closed;
  }

  /** The passive server's address as our socket sees it; this is what EPSV pairs with. */
  get peerAddress(): string {
    return normalizeAddress(this.ctx.socket.remoteAddress ?? this.site.host);
  }

  get isTls(): boolean {
    return this.ctx.hasTLS;
  }

  /** Sends a command and returns its final reply whatever its code; rejects only when the connection fails. */
  async raw(command: string, timeoutMs?: number): Promise<Reply> {
    this.claim(command);
    if (timeoutMs !== undefined) this.ctx.setTimeoutMs(timeoutMs);
    try {
      return await this.ctx.handle(command, (res, task) => {
        if (res instanceof FTPError) task.resolve({ code: res.code, text: res.message });
        else if (res instanceof Error) task.reject(res);
        else if (res.code >= 200) task.resolve({ code: res.code, text: res.message });
      });
    } catch (err) {
      throw asFxpError(err, this.site.name, mask(command));
    } finally {
      this.busy = false;
      if (timeoutMs !== undefined) this.ctx.setTimeoutMs(this.timeoutMs);
    }
  }

  /** Sends a command and requires a 2xx (or a code accepted by `accept`). */
  async ok(command: string, accept: (code: number) => boolean = c => c >= 200 && c < 300): Promise<Reply> {
    const reply = await this.raw(command);
    if (!accept(reply.code)) throw this.replyError(command, reply);
    return reply;
  }

  replyError(command: string, reply: Reply, message?: string): FxpError {
    const code = reply.code === 550 && /no such|not found|doesn't exist|does not exist|can't check for file existence/i.test(reply.text)
      ? 'NOT_FOUND' : 'SERVER_REPLY';
    return new FxpError(code, message ?? `${command.split(' ')[0]} failed: ${firstLine(reply.text)}`, {
      site: this.site.name, command: mask(command), reply: toInfo(reply),
    });
  }

  /**
   * A transfer command (RETR/STOR/APPE) whose data flows between the servers: no timeout while waiting
   * (the control connection is idle by design), 1xx replies reported through `onPreliminary`, the final
   * reply resolved whatever its code.
   */
  async transfer(command: string, onPreliminary: (reply: Reply) => void): Promise<Reply> {
    this.claim(command);
    this.ctx.setTimeoutMs(0);
    try {
      return await this.ctx.handle(command, (res, task) => {
        if (res instanceof FTPError) task.resolve({ code: res.code, text: res.message });
        else if (res instanceof Error) task.reject(res);
        else if (res.code < 200) onPreliminary({ code: res.code, text: res.message });
        else task.resolve({ code: res.code, text: res.message });
      });
    } catch (err) {
      throw asFxpError(err, this.site.name, command);
    } finally {
      this.busy = false;
      this.ctx.setTimeoutMs(this.timeoutMs);
    }
  }

  /** ABOR written straight to the socket, even while a transfer command waits for its reply. */
  sendAbort(): void {
    if (this.closed) return;
    try {
      this.ctx.send('ABOR');
    } catch (err) {
      this.opts.logger('warn', `${this.site.name}: could not send ABOR: ${(err as Error).message}`);
    }
  }

  private claim(command: string): void {
    if (/[\r\n\0]/.test(command)) {
      throw new FxpError('INVALID_INPUT', 'A command contained a line break or NUL and was not sent.', {
        site: this.site.name, command: mask(command).replace(/[\r\n\0]/g, '?'),
        hint: 'File names with line breaks cannot be used over FTP.',
      });
    }
    if (this.busy) throw new Error(`Internal: ${this.site.name} connection is busy; one command at a time`);
    if (this.closed) throw new FxpError('CONNECTION_LOST', 'The connection is closed.', { site: this.site.name, command: mask(command) });
    this.busy = true;
  }

  /** Runs a basic-ftp operation that handles its own data connection (listing, relay streams). */
  async library<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    if (this.busy) throw new Error(`Internal: ${this.site.name} connection is busy; one command at a time`);
    this.busy = true;
    try {
      if (this.sscnClientMethod) {
        // SSCN is sticky: a listing or relay on this connection must use the server method again.
        this.busy = false;
        await this.ok('SSCN OFF');
        this.sscnClientMethod = false;
        this.busy = true;
      }
      return await op(this.client);
    } catch (err) {
      if (err instanceof FTPError) {
        throw this.replyError(what, { code: err.code, text: err.message });
      }
      throw asFxpError(err, this.site.name, what);
    } finally {
      this.busy = false;
    }
  }

  async list(path: string): Promise<FileInfo[]> {
    return this.library(`LIST ${path}`, c => c.list(path));
  }

  async size(path: string): Promise<number | undefined> {
    const reply = await this.raw(`SIZE ${path}`);
    if (reply.code !== 213) return undefined;
    try {
      return parseSizeReply(reply.text);
    } catch {
      return undefined;
    }
  }

  async pwd(): Promise<string> {
    const reply = await this.ok('PWD', c => c === 257);
    return parsePwdReply(reply.text);
  }

  close(): void {
    if (!this.ctx.closed) this.client.close();
  }

  /** Drops the connection without QUIT (for a server that stopped answering). */
  destroy(reason: string): void {
    this.opts.logger('warn', `${this.site.name}: disconnecting: ${reason}`);
    this.ctx.socket.destroy();
    this.client.close();
  }
}

export function toInfo(reply: Reply): { code: number; text: string } {
  return { code: reply.code, text: reply.text };
}

function mask(command: string): string {
  return /^PASS /i.test(command) ? 'PASS ****' : command;
}

