import { Client, FTPError, parseList, type FileInfo, type FTPResponse } from 'basic-ftp';
import { rootCertificates, type ConnectionOptions as TlsOptions, type PeerCertificate, type TLSSocket } from 'tls';
import { normalizeAddress } from './address';
import { ByteCounter, FramedContext } from './context';
import { asFxpError, cancelledError, FxpError, firstLine, type CertificateInfo } from './errors';
import { parseMlsd } from './mlsd';
import { emptyCapabilities, parseFeat, parsePwdReply, parseSizeReply, type Capabilities } from './parse';
import type { Reply } from './reply';
import { credentialKey, type Site } from './site';
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
  /**
   * A function is called only when the server asks for a password (331/332 to USER), so after the TLS certificate
   * was checked: nobody types a password for a server that is then refused.
   */
  password: string | (() => Promise<string>);
  logger: Logger;
  /** Per-command timeout while the control connection is expected to answer (not during FXP transfers). */
  timeoutMs?: number;
  bytes?: ByteCounter;
  signal?: AbortSignal;
  /** Any further strings to mask in the transcript. */
  secrets?: string[];
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** How long close() waits for the replies to commands sent without waiting. */
const OWED_REPLY_GRACE_MS = 5_000;
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
  /** The data protection level the server has now (PROT C/P); undefined on plain connections. */
  prot: 'C' | 'P' | undefined;
  private readonly timeoutMs: number;
  private busy = false;
  /** raw()'s hard deadline for the command in flight (0: none), and the one timer that enforces it. */
  private deadlineAt = 0;
  private deadlineCommand = '';
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineTimerAt = 0;

  private constructor(readonly site: Site, private readonly opts: ConnectOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.client = new Client(this.timeoutMs);
    this.ctx = new FramedContext(this.timeoutMs, site.name, opts.logger, [typeof opts.password === 'string' ? opts.password : '', ...(opts.secrets ?? [])].filter(Boolean), opts.bytes ?? new ByteCounter());
    (this.client as unknown as { ftp: FramedContext }).ftp = this.ctx;
    this.client.parseList = tolerantParseList;
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

  /** We verify the certificate ourselves after the handshake (system store + site CAs + pinned fingerprints). */
  private tlsOptions(): TlsOptions {
    return {
      host: this.site.host,
      servername: /^[\d.:]+$/.test(this.site.host) ? undefined : this.site.host,
      ca: this.site.ca && this.site.ca.length > 0 ? [...rootCertificates, ...this.site.ca] : undefined,
      rejectUnauthorized: false,
    };
  }

  private checkCertificate(): void {
    const socket = this.ctx.socket as TLSSocket;
    if (this.site.verifyCertificate === false || socket.authorized) return;
    const cert = socket.getPeerCertificate();
    const info = certificateInfo(cert, String(socket.authorizationError ?? 'unknown'));
    const pinned = (this.site.trustedFingerprints ?? []).map(normalizeFingerprint);
    if (pinned.includes(info.fingerprint256)) return;
    if (pinned.length > 0) {
      throw new FxpError('CERT_CHANGED', 'The server presented a different certificate from the one you trusted. This can mean an attack on the connection, or a renewed certificate.', {
        site: this.site.name, certificate: info,
        hint: `Compare the new fingerprint ${info.fingerprint256} with the server's admin before trusting it again.`,
      });
    }
    throw new FxpError('CERT_UNTRUSTED', `The server's certificate is not trusted (${info.reason}).`, {
      site: this.site.name, certificate: info,
      hint: 'Trust this certificate\'s fingerprint for this site, or add the CA that signed it.',
    });
  }

  private async connectAndLogin(): Promise<void> {
    const { site } = this;
    this.opts.logger('info', `${site.name}: connecting to ${site.host}:${site.port} (${site.security === 'none' ? 'plain FTP' : `${site.security} TLS`})`);
    let welcome: FTPResponse;
    try {
      if (site.security === 'implicit') {
        welcome = await this.client.connectImplicitTLS(site.host, site.port, this.tlsOptions());
        this.checkCertificate();
      } else {
        welcome = await this.client.connect(site.host, site.port);
      }
    } catch (err) {
      if (err instanceof FxpError) throw err;
      throw this.connectError(err);
    }
    this.welcome = welcome.message;
    this.make = detectServerMake(welcome.message);
    this.ctx.socket.setKeepAlive(true, KEEPALIVE_MS);
    // Commands sent without waiting (MFMT, then the next file's first command) must not wait for an ACK (Nagle).
    this.ctx.socket.setNoDelay(true);
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
          hint: 'Check that the server offers explicit TLS on this port (implicit TLS usually listens on 990).',
        });
      }
      this.checkCertificate();
    }
    if (site.security !== 'none') await waitForSessionTicket(this.ctx.socket as TLSSocket);
    await this.login();
    const feat = await this.raw('FEAT');
    this.caps = parseFeat(feat.code, feat.text);
    this.client.availableListCommands = this.caps.mlsd ? ['MLSD', 'LIST -a', 'LIST'] : ['LIST -a', 'LIST'];
    if (this.caps.utf8) await this.raw('OPTS UTF8 ON');
    await this.ok('TYPE I');
    if (site.security !== 'none') {
      await this.raw('PBSZ 0');
      await this.setProt('P');
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
    if (user.code === 331 || user.code === 332) final = await this.raw(`PASS ${await this.password()}`);
    if (final.code === 230 || final.code === 202) return;
    if (final.code === 530 || final.code === 331 || final.code === 332) {
      throw new FxpError('LOGIN_FAILED', `Login as "${this.site.user}" was refused.`, {
        site: this.site.name, command: final === user ? `USER ${this.site.user}` : 'PASS ****', reply: toInfo(final),
        hint: 'Check the user name and password. The engine does not retry, so the server will not lock the account.',
        credential: credentialKey(this.site),
      });
    }
    throw new FxpError('SERVER_REPLY', 'Login failed.', { site: this.site.name, command: 'PASS ****', reply: toInfo(final) });
  }

  private async password(): Promise<string> {
    const { password } = this.opts;
    const value = typeof password === 'string' ? password : await password();
    this.ctx.addSecret(value);
    return value;
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
    // The socket timeout only notices silence; a server dripping an endless reply needs a hard deadline too.
    this.armDeadline(command, (timeoutMs ?? this.timeoutMs) * 2 || 2 ** 31 - 1);
    try {
      return await this.ctx.handle(command, (res, task) => {
        if (res instanceof FTPError) task.resolve({ code: res.code, text: res.message });
        else if (res instanceof Error) task.reject(res);
        else if (res.code >= 200) task.resolve({ code: res.code, text: res.message });
      });
    } catch (err) {
      throw asFxpError(err, this.site.name, mask(command));
    } finally {
      this.deadlineAt = 0;
      this.busy = false;
      if (timeoutMs !== undefined) this.ctx.setTimeoutMs(this.timeoutMs);
    }
  }

  /**
   * The command in flight must be answered by then. One timer per connection, re-armed only when it fires
   * early or a shorter deadline comes, instead of a timer made and cleared for every command.
   */
  private armDeadline(command: string, ms: number): void {
    this.deadlineAt = Date.now() + ms;
    this.deadlineCommand = command;
    if (this.deadlineTimer !== undefined && this.deadlineTimerAt <= this.deadlineAt) return;
    this.startDeadlineTimer(ms);
  }

  private startDeadlineTimer(ms: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimerAt = Date.now() + ms;
    // Unreferenced: while a command waits, its socket keeps the process alive; an idle connection must not.
    this.deadlineTimer = setTimeout(this.checkDeadline, ms).unref();
  }

  private readonly checkDeadline = (): void => {
    this.deadlineTimer = undefined;
    if (this.deadlineAt === 0) return;
    const left = this.deadlineAt - Date.now();
    if (left > 0) {
      this.startDeadlineTimer(left);
      return;
    }
    this.ctx.closeWithError(new Error(`Timeout (no complete reply to ${mask(this.deadlineCommand).split(' ')[0]})`));
  };

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

  /**
   * Sends a command without waiting for its reply, for commands whose answer decides nothing (MFMT after a
   * verified copy: a refusal only costs the time stamp). The reply still comes, before any later command's,
   * and is consumed then, so the next command goes out at once instead of a round trip later. `close()`
   * waits for such replies, so the server has carried the command out before the session ends.
   */
  sendWithoutWaiting(command: string, onReply?: (reply: Reply) => void): void {
    this.claim(command);
    try {
      this.ctx.sendOwing(command, reply => onReply?.(reply));
    } finally {
      this.busy = false;
    }
  }

  /**
   * Sends several commands at once and resolves with their final replies, in order: one round trip instead
   * of one per command. Only for commands that do not depend on each other's replies (MKD of a folder tree,
   * parents first: the server still runs them one after the other).
   */
  async pipeline(commands: string[]): Promise<Reply[]> {
    if (commands.length === 0) return [];
    for (const command of commands) if (/[\r\n\0]/.test(command)) this.claim(command); // refuses it, as raw() would
    this.claim(commands[0]!);
    const replies: Reply[] = [];
    const deadline = setTimeout(() => this.ctx.closeWithError(new Error(`Timeout (no complete replies to ${commands.length} commands)`)),
      this.timeoutMs * 2 || 2 ** 31 - 1);
    try {
      const done = this.ctx.handle(undefined, (res, task) => {
        if (res instanceof FTPError) replies.push({ code: res.code, text: res.message });
        else if (res instanceof Error) task.reject(res);
        else if (res.code >= 200) replies.push({ code: res.code, text: res.message });
        if (replies.length === commands.length) task.resolve(replies);
      });
      for (const command of commands) this.ctx.send(command);
      return await done;
    } catch (err) {
      throw asFxpError(err, this.site.name, commands[replies.length]);
    } finally {
      clearTimeout(deadline);
      this.busy = false;
    }
  }

  /**
   * Resolves once the replies to commands sent without waiting have come, or the connection is gone: a server
   * that leaves one unanswered as long as raw() would wait is disconnected.
   */
  settled(): Promise<void> {
    if (!this.ctx.owesReplies) return Promise.resolve();
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.destroy('no reply to a command sent without waiting');
        resolve();
      }, this.timeoutMs * 2 || 2 ** 31 - 1);
      void this.ctx.settled().then(() => { clearTimeout(timer); resolve(); });
    });
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

  async setProt(level: 'C' | 'P'): Promise<void> {
    if (this.prot === level) return;
    await this.ok(`PROT ${level}`);
    this.prot = level;
  }

  /** SSCN ON/OFF: only after FEAT listed it and only on a TLS control connection (the seed spec's client rules 1 and 2). */
  async setSscn(clientMethod: boolean): Promise<Reply | undefined> {
    if (this.sscnClientMethod === clientMethod) return undefined;
    if (!this.caps.sscn || !this.isTls) {
      if (!clientMethod) return undefined;
      throw new FxpError('TLS_FXP_FAILED', 'The server does not offer SSCN.', { site: this.site.name, command: 'SSCN ON' });
    }
    const command = clientMethod ? 'SSCN ON' : 'SSCN OFF';
    const reply = await this.raw(command);
    // Only the reply code counts (spec): 2xx granted, anything else refused.
    if (reply.code < 200 || reply.code >= 300) {
      throw new FxpError('TLS_FXP_FAILED', `The server refused ${command}.`, { site: this.site.name, command, reply });
    }
    this.sscnClientMethod = clientMethod;
    return reply;
  }

  /** Runs a basic-ftp operation that handles its own data connection (listing, relay streams). */
  async library<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    this.claim(what);
    try {
      if (this.sscnClientMethod || (this.isTls && this.prot !== 'P')) {
        // SSCN is sticky and PROT may have been lowered for clear FXP: our own data connections need TLS server method + PROT P.
        this.busy = false;
        await this.setSscn(false);
        await this.setProt('P');
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
    if (this.ctx.closed) return;
    if (this.ctx.owesReplies) {
      // A command sent without waiting is answered first: QUIT and a reset socket could otherwise overtake it.
      const timer = setTimeout(() => this.client.close(), OWED_REPLY_GRACE_MS);
      void this.ctx.settled().then(() => { clearTimeout(timer); this.client.close(); });
      return;
    }
    this.client.close();
  }

  /** Drops the connection without QUIT (for a server that stopped answering). */
  destroy(reason: string): void {
    this.opts.logger('warn', `${this.site.name}: disconnecting: ${reason}`);
    this.ctx.socket.destroy();
    this.client.close();
  }
}

/**
 * basic-ftp's parser, but one bad line (an impossible date, a garbled fact) costs that line, not the listing.
 * A listing in no known format is a protocol error.
 */
export function tolerantParseList(text: string): FileInfo[] {
  const mlsd = parseMlsd(text);
  if (mlsd) {
    if (mlsd.infos.length === 0 && mlsd.failed > 0) throw new FxpError('PROTOCOL', 'The server sent a listing in a format this client cannot read.');
    return mlsd.infos;
  }
  try {
    return parseList(text);
  } catch {
    const infos: FileInfo[] = [];
    let failed = 0;
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      try {
        infos.push(...parseList(line));
      } catch {
        failed++;
      }
    }
    if (infos.length === 0 && failed > 0) throw new FxpError('PROTOCOL', 'The server sent a listing in a format this client cannot read.');
    return infos;
  }
}

export function toInfo(reply: Reply): { code: number; text: string } {
  return { code: reply.code, text: reply.text };
}

export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}

function certificateInfo(cert: PeerCertificate, reason: string): CertificateInfo {
  const name = (n: PeerCertificate['subject'] | undefined) => (n ? Object.entries(n).map(([k, v]) => `${k}=${String(v)}`).join(', ') : '');
  return {
    subject: name(cert.subject), issuer: name(cert.issuer), validFrom: cert.valid_from, validTo: cert.valid_to,
    fingerprint256: normalizeFingerprint(cert.fingerprint256 ?? ''), reason,
  };
}

/**
 * Under TLS 1.3 the session ticket arrives after the handshake; data connections can only resume the
 * control connection's session (vsftpd, FileZilla Server insist) once it is there.
 */
async function waitForSessionTicket(socket: TLSSocket): Promise<void> {
  if (socket.getProtocol?.() !== 'TLSv1.3' || socket.getSession?.()) return;
  await new Promise<void>(resolve => {
    const timer = setTimeout(resolve, 1000);
    socket.once('session', () => { clearTimeout(timer); resolve(); });
  });
}

function mask(command: string): string {
  return /^PASS /i.test(command) ? 'PASS ****' : command;
}

