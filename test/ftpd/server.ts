// A small in-process FTP/FTPS server for tests and the demo: FXP peer with
// SSCN and CPSV, fault injection hooks. Node built-ins only.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { FtpError, Vfs, fsError } from './vfs';
import { Entry, ftpTime, lsLine, mlsxLine, parseFtpTime, readEntries } from './listing';

export { FtpError } from './vfs';

// ---------------------------------------------------------------- public API

export type FaultAction =
  /** Send this raw reply text instead (may be multi-line; '\r\n' is appended). */
  | { kind: 'reply'; text: string }
  /** Never answer; the session stops processing commands (connection stays open). */
  | { kind: 'stall' }
  /** Swallow this command without a reply; later commands are handled normally. */
  | { kind: 'ignore' }
  /** Destroy the control connection. */
  | { kind: 'close' }
  /** Wait, then proceed normally. */
  | { kind: 'delay'; ms: number }
  /** Send this raw reply text slowly instead. */
  | { kind: 'drip'; text: string; bytesPerTick: number; tickMs: number }
  /** Send this raw text first (e.g. an unasked-for 1xx), then handle the command normally. */
  | { kind: 'preface'; text: string };

export interface SessionInfo {
  id: number;
  user?: string;
}

export interface TransferInfo {
  cmd: string;     // RETR, STOR, APPE, STOU, LIST, NLST, MLSD
  path: string;    // virtual path ('' for listings of the current folder)
  bytes: number;   // data bytes moved
  reply: string;   // the final reply that is about to be sent
}

/**
 * Fault hooks. The object is read live: tests may change its fields while the
 * server runs (FtpdServer.faults is the same object).
 */
export interface FaultHooks {
  /** Before the greeting. 'reply' replaces the greeting. */
  onConnect?(session: SessionInfo): FaultAction | undefined | Promise<FaultAction | undefined>;
  /** Before each command (cmd upper case). undefined = proceed normally. */
  onCommand?(cmd: string, arg: string, session: SessionInfo): FaultAction | undefined | Promise<FaultAction | undefined>;
  /** After a transfer, before its final reply. 'reply' replaces the final reply, 'stall'/'ignore' omit it. */
  onTransferDone?(info: TransferInfo, session: SessionInfo): FaultAction | undefined | Promise<FaultAction | undefined>;
  /** RETR sends only the first N bytes, closes the data connection cleanly and still replies 226. */
  truncateRetrAt?: number;
  /** RETR/STOR: after N bytes, drop the data connection abruptly (TCP reset when plain) and reply 426. */
  breakDataAt?: number;
  /** Throttle data transfers (both directions) to about this many bytes per second. */
  rateBytesPerSec?: number;
  /**
   * Bare STAT while a transfer runs. 'answer' (default): `213 Status: RETR in progress, N bytes transferred.` at once;
   * 'queue': answered only after the transfer's final reply, as idle STAT (vsftpd); 'refuse': `500 Unknown command`
   * at once (pure-ftpd); 'ignore': never answered; `{ reply }`: this raw text at once.
   */
  statDuringTransfer?: 'answer' | 'queue' | 'refuse' | 'ignore' | { reply: string };
}

export interface FtpdTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** When set, used to verify the peer when this server is TLS client on a data connection (SSCN ON / CPSV). */
  ca?: string | Buffer;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface FtpdFeatures {
  sscn?: boolean;   // default true (needs tls)
  cpsv?: boolean;   // default true (needs tls)
  pret?: boolean;   // default false
  mlsd?: boolean;   // MLSD + MLST, default true
  epsv?: boolean;   // EPSV, default true
  eprt?: boolean;   // EPRT, default = epsv
  hash?: boolean;   // HASH + OPTS HASH, default true
  xhash?: boolean;  // XSHA256, XSHA1, XMD5, XCRC, default = hash
  mfmt?: boolean;   // MFMT, default true
}

export interface FtpdOptions {
  host: string;
  port?: number;
  root: string;
  users: Record<string, string>;
  tls?: FtpdTlsOptions;
  implicitTls?: boolean;
  allowFxp?: boolean;
  features?: FtpdFeatures;
  requireTlsSessionReuse?: boolean;
  pasvPortRange?: [number, number];
  faults?: FaultHooks;
  log?: (line: string) => void;
  /** Passive mode: send 150 before the data connection arrives (default false, like pure-ftpd). */
  early150?: boolean;
  /** PASV/EPSV/CPSV refused until PRET was sent (like DrFTPD). Default false. */
  requirePret?: boolean;
  /** USER refused before AUTH TLS. Default false. */
  requireTls?: boolean;
  /** Initial TYPE. Default 'A' (RFC 959). */
  defaultType?: 'A' | 'I';
  /** SIZE refused in ASCII mode, like ProFTPD. Default false. */
  strictAscii?: boolean;
  /** Close the session after this many failed logins. Default 3. */
  maxLoginFailures?: number;
  /** How long a transfer waits for its data connection. Default 30000. */
  dataTimeoutMs?: number;
  /** TLS handshake limit on data connections. Default 15000. */
  tlsHandshakeTimeoutMs?: number;
  /** Close idle control connections with '421 Timeout.' (0 = never). Default 0. */
  idleTimeoutMs?: number;
  /** Refuse further sessions with '421 Too many connections.' Default unlimited. */
  maxSessions?: number;
  /** Greeting reply. Default '220 FXP test ftpd ready.' */
  greeting?: string;
  /** MLSD includes 'type=cdir' '.' and 'type=pdir' '..' entries. Default true. */
  mlsdDotEntries?: boolean;
}

export interface FtpdServer {
  host: string;
  port: number;
  url: string;
  /** The live fault hooks object (same as options.faults when given). */
  faults: FaultHooks;
  close(): Promise<void>;
  /** Open control + data sockets. */
  connections(): number;
}

// ------------------------------------------------------------------ helpers

const MAX_LINE = 4096;
const CRLF = '\r\n';

function normAddr(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Reply text -> wire form ('\n' or '\r\n' separated lines). */
function wire(text: string): string {
  return text.split(/\r?\n/).join(CRLF) + CRLF;
}

/** Remove Telnet IAC sequences (e.g. IAC IP IAC DM before ABOR). */
function stripTelnet(b: Buffer): Buffer {
  if (!b.includes(0xff)) return b;
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0xff) {
      const n = b[i + 1];
      if (n === 0xff) { out.push(0xff); i++; continue; }
      if (n === 0xfb || n === 0xfc || n === 0xfd || n === 0xfe) { i += 2; continue; } // WILL/WONT/DO/DONT opt
      i++;
      continue;
    }
    out.push(b[i]!);
  }
  return Buffer.from(out);
}

let crcTable: Int32Array | undefined;
function crc32(buf: Buffer, crc = 0): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = ~crc;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** LF -> CRLF (bare LFs only), for TYPE A downloads. */
async function* toCrlf(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let prev = -1;
  for await (const chunk of src) {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === 0x0a && prev !== 0x0d) out.push(0x0d);
      out.push(b);
      prev = b;
    }
    yield Buffer.from(out);
  }
}

/** CRLF -> LF for TYPE A uploads; state kept across chunks. */
class FromCrlf {
  private pendingCR = false;
  push(chunk: Buffer): Buffer {
    const out: number[] = [];
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk[0] !== 0x0a) out.push(0x0d);
    }
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x0d) {
        if (i + 1 === chunk.length) { this.pendingCR = true; continue; }
        if (chunk[i + 1] === 0x0a) continue;
      }
      out.push(b);
    }
    return Buffer.from(out);
  }
  flush(): Buffer {
    const r = this.pendingCR ? Buffer.from([0x0d]) : Buffer.alloc(0);
    this.pendingCR = false;
    return r;
  }
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  if (buf.length) yield buf;
}

// --------------------------------------------------------------- internals

class Abort extends Error {}
/** TLS negotiation on a data connection failed: 421 and close (SSCN rule 5). */
class TlsFailed extends Error {}
/** The data connection could not be made; carries the reply. */
class DataFailed extends Error {}

interface PassiveSetup {
  kind: 'passive';
  server: net.Server;
  port: number;
  tlsClient: boolean; // CPSV
  socket?: net.Socket;
  rejected?: string;
  wake?: () => void;
  /** Dropped (new PASV/PORT, transfer over, session closed): connections are refused. */
  closed?: boolean;
}

interface ActiveSetup {
  kind: 'active';
  host: string;
  port: number;
}

type DataSetup = PassiveSetup | ActiveSetup;

class Transfer {
  bytes = 0;
  aborted: '' | 'ABOR' | 'closed' = '';
  readonly sockets = new Set<net.Socket>();
  cancel?: () => void;
  done: Promise<void>;
  resolve!: () => void;
  constructor(readonly cmd: string, readonly vpath: string) {
    this.done = new Promise((r) => (this.resolve = r));
  }
  abort(why: 'ABOR' | 'closed'): void {
    if (!this.aborted) this.aborted = why;
    this.cancel?.();
    for (const s of this.sockets) s.destroy();
  }
}

type QueueItem = { line: string } | { tooLong: true };

class Server implements FtpdServer {
  host: string;
  port = 0;
  url = '';
  faults: FaultHooks;
  readonly vfs: Vfs;
  readonly tlsCtx?: tls.SecureContext;
  private readonly listener: net.Server;
  private readonly sockets = new Set<net.Socket>();
  readonly sessions = new Set<Session>();
  private nextId = 1;
  closing = false;

  constructor(readonly opts: FtpdOptions) {
    this.host = normAddr(opts.host);
    this.faults = opts.faults ?? {};
    this.vfs = new Vfs(opts.root);
    if (opts.tls) {
      this.tlsCtx = tls.createSecureContext({
        key: opts.tls.key,
        cert: opts.tls.cert,
        minVersion: opts.tls.minVersion,
        maxVersion: opts.tls.maxVersion,
      });
    }
    if (opts.implicitTls && !this.tlsCtx) throw new Error('implicitTls needs tls options');
    this.listener = net.createServer({ pauseOnConnect: true }, (s) => this.onConnection(s));
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  feature<K extends keyof FtpdFeatures>(k: K): boolean {
    const f = this.opts.features ?? {};
    if (k === 'pret') return f.pret ?? false;
    if ((k === 'sscn' || k === 'cpsv') && !this.tlsCtx) return false;
    if (k === 'eprt') return f.eprt ?? f.epsv ?? true;
    if (k === 'xhash') return f.xhash ?? f.hash ?? true;
    return f[k] ?? true;
  }

  track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** Replace a socket by its TLS wrapper in the connection count. */
  retrack(raw: net.Socket, wrapped: net.Socket): void {
    this.sockets.delete(raw);
    this.track(wrapped);
  }

  connections(): number {
    let n = 0;
    for (const s of this.sockets) if (!s.destroyed) n++;
    return n;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen({ host: this.host, port: this.opts.port ?? 0 }, () => {
        this.listener.off('error', reject);
        resolve();
      });
    });
    this.port = (this.listener.address() as net.AddressInfo).port;
    const h = net.isIPv6(this.host) ? `[${this.host}]` : this.host;
    this.url = `${this.opts.implicitTls ? 'ftps' : 'ftp'}://${h}:${this.port}`;
    this.listener.on('error', (e) => this.log(`listener error: ${e.message}`));
  }

  private onConnection(raw: net.Socket): void {
    raw.on('error', () => {});
    if (this.closing) { raw.destroy(); return; }
    const id = this.nextId++;
    if (this.opts.maxSessions !== undefined && this.sessions.size >= this.opts.maxSessions) {
      this.track(raw);
      raw.end('421 Too many connections.' + CRLF);
      return;
    }
    let sock: net.Socket = raw;
    let secure = false;
    if (this.opts.implicitTls) {
      const t = new tls.TLSSocket(raw, { isServer: true, secureContext: this.tlsCtx });
      t.on('error', (e) => this.log(`[${id}] control TLS error: ${e.message}`));
      sock = t;
      secure = true;
    }
    this.track(sock);
    const s = new Session(this, id, sock, secure);
    this.sessions.add(s);
    void s.start();
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((r) => this.listener.close(() => r()));
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    await Promise.race([closed, sleep(2000)]);
    // let 'close' events run
    for (let i = 0; i < 50 && this.connections() > 0; i++) await sleep(10);
  }
}

class Session {
  user?: string;
  private pendingUser?: string;
  private loggedIn = false;
  private failures = 0;
  private cwd = '/';
  private type: 'A' | 'I';
  private rest = 0;
  private renameFrom?: string;
  private secure: boolean;
  private pbsz = false;
  private prot: 'C' | 'P' = 'C';
  private sscn = false;
  private hashAlgo = 'SHA-256';
  private epsvAll = false;
  private pret?: string;
  private data: DataSetup | null = null;
  private transfer: Transfer | null = null;
  private queue: QueueItem[] = [];
  private pumping = false;
  /** Commands wait until the greeting went out. */
  private greeted = false;
  private closed = false;
  /** After QUIT, a fatal 421 or a 'stall' fault: no more commands are handled. */
  private quitting = false;
  private inbuf: Buffer = Buffer.alloc(0);
  private discarding = false;
  private upgrading = false;
  private readonly peer: string;
  private idleTimer?: NodeJS.Timeout;
  private closeWaiters: (() => void)[] = [];

  constructor(private readonly srv: Server, readonly id: number, private ctrl: net.Socket, secure: boolean) {
    this.secure = secure;
    this.type = srv.opts.defaultType ?? 'A';
    this.peer = normAddr(ctrl.remoteAddress);
  }

  private get opts(): FtpdOptions {
    return this.srv.opts;
  }

  private get faults(): FaultHooks {
    return this.srv.faults;
  }

  get info(): SessionInfo {
    return { id: this.id, user: this.user };
  }

  private log(line: string): void {
    this.srv.log(`[${this.id}] ${line}`);
  }

  // ------------------------------------------------------------- control I/O

  async start(): Promise<void> {
    this.attach(this.ctrl);
    this.log(`connect from ${this.peer}${this.secure ? ' (implicit TLS)' : ''}`);
    const act = await this.faults.onConnect?.(this.info);
    if (act) {
      const r = await this.applyAction(act);
      if (act.kind === 'reply') this.send(act.text);
      if (r === 'handled') { this.armIdle(); this.greeted = true; void this.pump(); return; }
    }
    this.send(this.opts.greeting ?? '220 FXP test ftpd ready.');
    this.armIdle();
    this.greeted = true;
    void this.pump();
  }

  private attach(sock: net.Socket): void {
    sock.on('data', this.onData);
    sock.on('error', (e) => this.log(`control error: ${e.message}`));
    sock.once('close', this.onClose);
    sock.resume();
  }

  private onData = (chunk: Buffer): void => {
    this.armIdle();
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, chunk]) : chunk;
    this.parseLines();
  };

  private onClose = (): void => {
    this.destroy();
  };

  private armIdle(): void {
    const ms = this.opts.idleTimeoutMs ?? 0;
    if (!ms || this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.quitting) return;
      if (this.transfer) { this.armIdle(); return; }
      this.send('421 Timeout.');
      this.endSession();
    }, ms);
    this.idleTimer.unref();
  }

  private parseLines(): void {
    while (!this.upgrading && !this.closed) {
      const nl = this.inbuf.indexOf(0x0a);
      if (nl < 0) {
        if (this.inbuf.length > MAX_LINE) {
          if (!this.discarding) {
            this.discarding = true;
            this.enqueue({ tooLong: true });
          }
          this.inbuf = Buffer.alloc(0);
        }
        return;
      }
      const raw = this.inbuf.subarray(0, nl);
      this.inbuf = this.inbuf.subarray(nl + 1);
      if (this.discarding) { this.discarding = false; continue; }
      if (raw.length > MAX_LINE) { this.enqueue({ tooLong: true }); continue; }
      let line = stripTelnet(raw).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (this.quitting) return;
    const { cmd, arg } = splitCmd(line);
    if (this.transfer && this.isUrgent(cmd, arg)) {
      this.log(`> ${line}`);
      this.urgent(cmd);
      return;
    }
    if (cmd === 'AUTH' && this.srv.tlsCtx && !this.secure) {
      // Stop reading: what follows is the TLS handshake.
      this.upgrading = true;
      this.ctrl.pause();
    }
    this.enqueue({ line });
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.greeted) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed && !this.quitting) {
        const item = this.queue[0]!;
        if (this.transfer) {
          if ('line' in item) {
            const { cmd, arg } = splitCmd(item.line);
            if (this.isUrgent(cmd, arg)) {
              this.queue.shift();
              this.log(`> ${item.line}`);
              this.urgent(cmd);
              continue;
            }
          }
          await this.transfer.done;
          continue;
        }
        this.queue.shift();
        if ('tooLong' in item) {
          this.send('500 Command line too long.');
          continue;
        }
        try {
          await this.handle(item.line);
        } catch (e) {
          if (e instanceof FtpError) this.send(e.reply);
          else {
            this.log(`internal error: ${(e as Error)?.stack ?? e}`);
            this.send(`451 Local error: ${(e as Error)?.message ?? e}`);
          }
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  send(text: string): void {
    if (this.closed || this.ctrl.destroyed) return;
    for (const l of text.split(/\r?\n/)) this.log(`< ${l}`);
    this.ctrl.write(wire(text));
  }

  private async drip(text: string, per: number, tickMs: number): Promise<void> {
    const buf = Buffer.from(wire(text));
    this.log(`< (drip) ${text}`);
    for (let i = 0; i < buf.length && !this.closed; i += Math.max(1, per)) {
      this.ctrl.write(buf.subarray(i, i + Math.max(1, per)));
      await sleep(tickMs);
    }
  }

  /** Resolves when the session is gone (used by 'stall'). */
  private whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => this.closeWaiters.push(r));
  }

  /** 'handled' when the action replaced normal processing, 'proceed' otherwise. */
  private async applyAction(act: FaultAction): Promise<'handled' | 'proceed'> {
    switch (act.kind) {
      case 'reply': return 'handled';
      case 'delay': await sleep(act.ms); return 'proceed';
      case 'ignore': return 'handled';
      case 'stall': this.log('(fault) stall'); this.quitting = true; await this.whenClosed(); return 'handled';
      case 'close': this.log('(fault) close'); this.destroy(); return 'handled';
      case 'drip': await this.drip(act.text, act.bytesPerTick, act.tickMs); return 'handled';
      case 'preface': this.send(act.text); return 'proceed';
    }
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.transfer?.abort('closed');
    this.dropData();
    this.ctrl.destroy();
    this.srv.sessions.delete(this);
    for (const w of this.closeWaiters.splice(0)) w();
    this.log('closed');
  }

  // ---------------------------------------------------------- dispatching

  private async handle(line: string): Promise<void> {
    const { cmd, arg } = splitCmd(line);
    this.log(`> ${cmd === 'PASS' ? 'PASS ****' : line}`);
    if (cmd === 'AUTH' && this.upgrading) {
      // handled separately because of the socket switch
      const act = await this.faults.onCommand?.(cmd, arg, this.info);
      if (act) {
        const r = await this.applyAction(act);
        if (act.kind === 'reply') this.send(act.text);
        if (r === 'handled') { this.resumeAfterAuth(); return; }
      }
      return this.cmdAuthUpgrade(arg);
    }
    if (!/^[A-Z][A-Z0-9]{2,7}$/.test(cmd)) {
      this.send(`500 '${cmd.slice(0, 20)}': command not understood.`);
      return;
    }
    const act = await this.faults.onCommand?.(cmd, arg, this.info);
    if (act) {
      const r = await this.applyAction(act);
      if (act.kind === 'reply') this.send(act.text);
      if (r === 'handled') return;
    }
    if (this.closed) return;
    const h = this.handlerFor(cmd);
    if (!h) {
      this.send(`500 '${cmd}': command not understood.`);
      return;
    }
    if (h.auth && !this.loggedIn) {
      this.send('530 Please login with USER and PASS.');
      return;
    }
    if (h.needArg && !arg) {
      this.send('501 Syntax error in parameters or arguments.');
      return;
    }
    // RNFR applies to the very next command only (RNTO).
    if (cmd !== 'RNTO') this.renameFrom = undefined;
    await h.fn.call(this, arg, cmd);
  }

  private handlerFor(cmd: string): { fn: (this: Session, arg: string, cmd: string) => Promise<void> | void; auth: boolean; needArg: boolean } | undefined {
    const f = (fn: (this: Session, arg: string, cmd: string) => Promise<void> | void, auth = true, needArg = false) => ({ fn, auth, needArg });
    const S = this.srv;
    switch (cmd) {
      case 'USER': return f(this.cmdUser, false, true);
      case 'PASS': return f(this.cmdPass, false);
      case 'AUTH': return f(this.cmdAuthRefused, false, true);
      case 'PBSZ': return S.tlsCtx ? f(this.cmdPbsz, false, true) : undefined;
      case 'PROT': return S.tlsCtx ? f(this.cmdProt, false, true) : undefined;
      case 'SSCN': return S.feature('sscn') ? f(this.cmdSscn, false) : undefined;
      case 'CPSV': return S.feature('cpsv') ? f(this.cmdPasv) : undefined;
      case 'FEAT': return f(this.cmdFeat, false);
      case 'SYST': return f(() => this.send('215 UNIX Type: L8'), false);
      case 'NOOP': return f(() => this.send('200 NOOP ok.'), false);
      case 'QUIT': return f(this.cmdQuit, false);
      case 'HELP': return f(this.cmdHelp, false);
      case 'OPTS': return f(this.cmdOpts, false, true);
      case 'ACCT': return f(() => this.send('202 ACCT not needed.'), false);
      case 'ALLO': return f(() => this.send('202 ALLO command ignored.'));
      case 'TYPE': return f(this.cmdType, true, true);
      case 'MODE': return f((a) => this.send(a.toUpperCase() === 'S' ? '200 Mode set to S.' : '504 Only mode S is supported.'), true, true);
      case 'STRU': return f((a) => this.send(a.toUpperCase() === 'F' ? '200 Structure set to F.' : '504 Only structure F is supported.'), true, true);
      case 'PWD': case 'XPWD': return f(() => this.send(`257 ${quote(this.cwd)} is the current directory`));
      case 'CWD': case 'XCWD': return f(this.cmdCwd, true, true);
      case 'CDUP': case 'XCUP': return f(() => this.cmdCwd('..'));
      case 'MKD': case 'XMKD': return f(this.cmdMkd, true, true);
      case 'RMD': case 'XRMD': return f(this.cmdRmd, true, true);
      case 'DELE': return f(this.cmdDele, true, true);
      case 'RNFR': return f(this.cmdRnfr, true, true);
      case 'RNTO': return f(this.cmdRnto, true, true);
      case 'SIZE': return f(this.cmdSize, true, true);
      case 'MDTM': return f(this.cmdMdtm, true, true);
      case 'MFMT': return S.feature('mfmt') ? f(this.cmdMfmt, true, true) : undefined;
      case 'MLSD': return S.feature('mlsd') ? f(this.cmdList) : undefined;
      case 'MLST': return S.feature('mlsd') ? f(this.cmdMlst) : undefined;
      case 'LIST': case 'NLST': return f(this.cmdList);
      case 'STAT': return f(this.cmdStat);
      case 'PASV': return f(this.cmdPasv);
      case 'EPSV': return S.feature('epsv') ? f(this.cmdEpsv) : undefined;
      case 'PORT': return f(this.cmdPort, true, true);
      case 'EPRT': return S.feature('eprt') ? f(this.cmdEprt, true, true) : undefined;
      case 'PRET': return S.feature('pret') ? f(this.cmdPret, true, true) : undefined;
      case 'REST': return f(this.cmdRest, true, true);
      case 'RETR': return f(this.cmdRetr, true, true);
      case 'STOR': case 'APPE': return f(this.cmdStor, true, true);
      case 'STOU': return f(this.cmdStor);
      case 'ABOR': return f(this.cmdAborIdle, false);
      case 'HASH': return S.feature('hash') ? f(this.cmdHash, true, true) : undefined;
      case 'XSHA256': case 'XSHA1': case 'XMD5': case 'XCRC':
        return S.feature('xhash') ? f(this.cmdXhash, true, true) : undefined;
      default: return undefined;
    }
  }

  // ---------------------------------------------------------- login, TLS

  private cmdUser(arg: string): void {
    if (this.opts.requireTls && !this.secure) {
      this.send('530 Non-anonymous sessions must use encryption.');
      return;
    }
    this.loggedIn = false;
    this.user = undefined;
    this.pendingUser = arg;
    this.send(`331 Password required for ${arg}.`);
  }

  private cmdPass(arg: string): void {
    if (this.loggedIn) { this.send('230 Already logged in.'); return; }
    if (this.pendingUser === undefined) { this.send('503 Login with USER first.'); return; }
    const u = this.pendingUser;
    this.pendingUser = undefined;
    const want = Object.prototype.hasOwnProperty.call(this.opts.users, u) ? this.opts.users[u] : undefined;
    if (want !== undefined && want === arg) {
      this.loggedIn = true;
      this.user = u;
      this.cwd = '/';
      this.send(`230 User ${u} logged in.`);
      return;
    }
    this.failures++;
    this.send('530 Login incorrect.');
    if (this.failures >= (this.opts.maxLoginFailures ?? 3)) {
      this.log('too many login failures');
      this.endSession();
    }
  }

  private cmdAuthRefused(arg: string): void {
    if (!this.srv.tlsCtx) this.send('500 AUTH not understood');
    else if (this.secure) this.send('503 TLS already active.');
    else this.send(`504 AUTH ${arg} not supported.`);
  }

  private resumeAfterAuth(): void {
    this.upgrading = false;
    this.ctrl.resume();
    this.parseLines();
  }

  private cmdAuthUpgrade(arg: string): void {
    const mech = arg.trim().toUpperCase();
    if (!['TLS', 'TLS-C', 'SSL', 'TLS-P'].includes(mech)) {
      this.send(`504 AUTH ${arg} not supported.`);
      this.resumeAfterAuth();
      return;
    }
    const raw = this.ctrl;
    this.log('< 234 AUTH TLS successful');
    raw.write(wire('234 AUTH TLS successful'), () => {
      if (this.closed) return;
      raw.removeListener('data', this.onData);
      raw.removeListener('close', this.onClose);
      if (this.inbuf.length) raw.unshift(this.inbuf);
      this.inbuf = Buffer.alloc(0);
      const t = new tls.TLSSocket(raw, { isServer: true, secureContext: this.srv.tlsCtx });
      this.srv.retrack(raw, t);
      this.ctrl = t;
      this.secure = true;
      // RFC 4217: a new login is needed after AUTH
      this.loggedIn = false;
      this.user = undefined;
      this.pendingUser = undefined;
      if (mech === 'SSL' || mech === 'TLS-P') { this.pbsz = true; this.prot = 'P'; }
      t.on('secure', () => this.log('control TLS established'));
      t.on('error', (e) => this.log(`control TLS error: ${e.message}`));
      this.upgrading = false;
      this.attach(t);
    });
  }

  private cmdPbsz(arg: string): void {
    if (!this.secure) { this.send('503 PBSZ not allowed on insecure control connection'); return; }
    this.pbsz = true;
    this.send(arg.trim() === '0' ? '200 PBSZ 0 successful' : '200 PBSZ=0');
  }

  private cmdProt(arg: string): void {
    if (!this.secure) { this.send('503 PROT not allowed on insecure control connection'); return; }
    if (!this.pbsz) { this.send('503 PBSZ required before PROT'); return; }
    const a = arg.trim().toUpperCase();
    if (a === 'C') { this.prot = 'C'; this.send('200 Protection set to Clear'); }
    else if (a === 'P') { this.prot = 'P'; this.send('200 Protection set to Private'); }
    else if (a === 'S' || a === 'E') this.send('536 Requested PROT level not supported by mechanism');
    else this.send('504 PROT level not understood');
  }

  private cmdSscn(arg: string): void {
    if (!this.secure) { this.send('500 SSCN not understood'); return; }
    const a = arg.trim().toUpperCase();
    if (a === 'ON') this.sscn = true;
    else if (a === 'OFF') this.sscn = false;
    else if (a !== '') { this.send('501 SSCN: ON or OFF expected'); return; }
    this.send(this.sscn ? '200 SSCN:CLIENT METHOD' : '200 SSCN:SERVER METHOD');
  }

  private cmdFeat(): void {
    const S = this.srv;
    const lines: string[] = [];
    if (S.tlsCtx && !this.opts.implicitTls) lines.push('AUTH TLS');
    if (S.feature('cpsv')) lines.push('CPSV');
    if (S.feature('eprt')) lines.push('EPRT');
    if (S.feature('epsv')) lines.push('EPSV');
    if (S.feature('hash')) lines.push('HASH ' + HASHES.map((h) => h + (h === this.hashAlgo ? '*' : '')).join(';'));
    lines.push('MDTM');
    if (S.feature('mfmt')) lines.push('MFMT');
    if (S.feature('mlsd')) lines.push('MLST type*;size*;modify*;perm*;');
    if (S.tlsCtx) lines.push('PBSZ');
    if (S.feature('pret')) lines.push('PRET');
    if (S.tlsCtx) lines.push('PROT');
    lines.push('REST STREAM');
    lines.push('SIZE');
    if (S.feature('sscn')) lines.push('SSCN');
    lines.push('TVFS');
    lines.push('UTF8');
    this.send(['211-Features:', ...lines.map((l) => ' ' + l), '211 End'].join(CRLF));
  }

  private cmdHelp(): void {
    this.send([
      '214-The following commands are recognized:',
      ' USER PASS ACCT AUTH PBSZ PROT SSCN CPSV FEAT SYST NOOP QUIT HELP OPTS',
      ' TYPE MODE STRU PWD CWD CDUP MKD RMD DELE RNFR RNTO SIZE MDTM MFMT',
      ' MLSD MLST LIST NLST STAT PASV EPSV PORT EPRT PRET REST RETR STOR',
      ' APPE STOU ABOR ALLO HASH XSHA256 XSHA1 XMD5 XCRC',
      '214 Help OK.',
    ].join(CRLF));
  }

  private cmdOpts(arg: string): void {
    const [name = '', ...rest] = arg.trim().split(/\s+/);
    const val = rest.join(' ');
    switch (name.toUpperCase()) {
      case 'UTF8':
      case 'UTF-8':
        if (!val || val.toUpperCase() === 'ON') this.send('200 UTF8 set to on');
        else this.send('501 UTF8 is always on');
        return;
      case 'MLST':
        this.send('200 MLST OPTS type;size;modify;perm;');
        return;
      case 'HASH': {
        if (!this.srv.feature('hash')) break;
        if (!val) { this.send(`200 ${this.hashAlgo}`); return; }
        const a = val.toUpperCase();
        if (!HASHES.includes(a)) { this.send('501 Unknown algorithm, current selection not changed'); return; }
        this.hashAlgo = a;
        this.send(`200 ${a}`);
        return;
      }
    }
    this.send('501 Option not understood.');
  }

  private cmdQuit(): void {
    this.send('221 Goodbye.');
    this.transfer?.abort('closed');
    this.dropData();
    this.endSession();
  }

  /** Stop handling commands, end the control connection, destroy soon. */
  private endSession(): void {
    this.quitting = true;
    this.ctrl.end();
    setTimeout(() => this.destroy(), 2000).unref();
  }

  private cmdType(arg: string): void {
    const a = arg.trim().toUpperCase();
    if (a === 'I' || a === 'L 8' || a === 'L8') { this.type = 'I'; this.send('200 Type set to I.'); }
    else if (a === 'A' || a === 'A N') { this.type = 'A'; this.send('200 Type set to A.'); }
    else this.send(`504 TYPE ${arg} not supported.`);
  }

  // ------------------------------------------------------- file commands

  private vpath(arg: string): string {
    return this.srv.vfs.virtual(this.cwd, arg);
  }

  private async cmdCwd(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const real = await this.srv.vfs.follow(vp);
    const st = await fs.promises.stat(real).catch((e) => { throw fsError(e, vp); });
    if (!st.isDirectory()) throw new FtpError(`550 ${vp}: Not a directory`);
    this.cwd = vp;
    this.send(`250 Directory changed to ${vp}`);
  }

  private async cmdMkd(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const p = await this.srv.vfs.entry(vp);
    await fs.promises.mkdir(p).catch((e) => { throw fsError(e, vp); });
    this.send(`257 ${quote(vp)} directory created`);
  }

  private async cmdRmd(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const p = await this.srv.vfs.entry(vp);
    await fs.promises.rmdir(p).catch((e) => { throw fsError(e, vp); });
    this.send('250 Directory removed.');
  }

  private async cmdDele(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const p = await this.srv.vfs.entry(vp);
    const st = await fs.promises.lstat(p).catch((e) => { throw fsError(e, vp); });
    if (st.isDirectory()) throw new FtpError(`550 ${vp}: Is a directory`);
    await fs.promises.unlink(p).catch((e) => { throw fsError(e, vp); });
    this.send('250 File deleted.');
  }

  private async cmdRnfr(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const p = await this.srv.vfs.entry(vp);
    await fs.promises.lstat(p).catch((e) => { throw fsError(e, vp); });
    this.renameFrom = vp;
    this.send('350 File exists, ready for destination name.');
  }

  private async cmdRnto(arg: string): Promise<void> {
    const from = this.renameFrom;
    this.renameFrom = undefined;
    if (!from) { this.send('503 Bad sequence of commands: RNFR first.'); return; }
    const vp = this.vpath(arg);
    const src = await this.srv.vfs.entry(from);
    const dst = await this.srv.vfs.entry(vp);
    await fs.promises.rename(src, dst).catch((e) => { throw fsError(e, vp); });
    this.send('250 Rename successful.');
  }

  private async regularFile(vp: string): Promise<{ real: string; st: fs.Stats }> {
    const real = await this.srv.vfs.follow(vp);
    const st = await fs.promises.stat(real).catch((e) => { throw fsError(e, vp); });
    if (!st.isFile()) throw new FtpError(`550 ${vp}: not a regular file`);
    return { real, st };
  }

  private async cmdSize(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    if (this.opts.strictAscii && this.type === 'A') throw new FtpError('550 SIZE not allowed in ASCII mode');
    const { st } = await this.regularFile(vp);
    this.send(`213 ${st.size}`);
  }

  private async cmdMdtm(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const { st } = await this.regularFile(vp);
    this.send(`213 ${ftpTime(st.mtime)}`);
  }

  private async cmdMfmt(arg: string): Promise<void> {
    const m = /^(\S+) (.+)$/.exec(arg);
    const d = m ? parseFtpTime(m[1]!) : undefined;
    if (!m || !d) throw new FtpError('501 Syntax: MFMT YYYYMMDDHHMMSS path');
    const vp = this.vpath(m[2]!);
    const { real } = await this.regularFile(vp);
    await fs.promises.utimes(real, d, d).catch((e) => { throw fsError(e, vp); });
    this.send(`213 Modify=${m[1]}; ${vp}`);
  }

  private async cmdMlst(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const real = await this.srv.vfs.follow(vp);
    const st = await fs.promises.stat(real).catch((e) => { throw fsError(e, vp); });
    this.send([`250-Listing ${vp}`, ' ' + mlsxLine({ name: vp, stat: st }), '250 End'].join(CRLF));
  }

  private async cmdStat(arg: string): Promise<void> {
    if (!arg) {
      const lines = [
        '211-FTP server status:',
        ` Connected to ${this.peer}`,
        ` Logged in as ${this.user}`,
        ` TYPE: ${this.type === 'I' ? 'BINARY' : 'ASCII'}, STRU: File, MODE: Stream`,
        ` Control connection: ${this.secure ? 'TLS' : 'plain'}; data protection: ${this.prot === 'P' ? 'Private' : 'Clear'}; SSCN: ${this.sscn ? 'CLIENT' : 'SERVER'} METHOD`,
        ` ${this.data ? `Data connection set up (${this.data.kind})` : 'No data connection'}`,
        '211 End of status',
      ];
      this.send(lines.join(CRLF));
      return;
    }
    const { entries } = await this.listingEntries(arg);
    this.send([`213-Status of ${arg}:`, ...entries.map((e) => ' ' + lsLine(e)), '213 End of status'].join(CRLF));
  }

  // ------------------------------------------------------------ data setup

  private dropData(): void {
    const d = this.data;
    this.data = null;
    if (d?.kind === 'passive') {
      d.closed = true;
      d.server.close();
      d.socket?.destroy();
    }
  }

  private pasvReply(port: number): string {
    const h = this.srv.host.split('.').join(',');
    return `227 Entering Passive Mode (${h},${port >> 8},${port & 255}).`;
  }

  private checkPret(): boolean {
    if (this.opts.requirePret && this.srv.feature('pret') && !this.pret) {
      this.send('500 You need to use a client supporting PRET (PRE Transfer) to use PASV');
      return false;
    }
    this.pret = undefined;
    return true;
  }

  private async cmdPasv(_arg: string, cmd: string): Promise<void> {
    if (this.epsvAll) { this.send(`503 ${cmd} not allowed after EPSV ALL`); return; }
    if (!net.isIPv4(this.srv.host)) { this.send(`500 ${cmd} is IPv4 only; use EPSV.`); return; }
    if (!this.checkPret()) return;
    const d = await this.openPassive(cmd === 'CPSV');
    this.send(this.pasvReply(d.port));
  }

  private async cmdEpsv(arg: string): Promise<void> {
    const a = arg.trim().toUpperCase();
    const fam = net.isIPv6(this.srv.host) ? '2' : '1';
    if (a === 'ALL') { this.epsvAll = true; this.send('200 EPSV ALL ok.'); return; }
    if (a && a !== fam) { this.send(`522 Network protocol not supported, use (${fam})`); return; }
    if (!this.checkPret()) return;
    const d = await this.openPassive(false);
    this.send(`229 Entering Extended Passive Mode (|||${d.port}|)`);
  }

  private async openPassive(tlsClient: boolean): Promise<PassiveSetup> {
    this.dropData();
    const server = net.createServer({ pauseOnConnect: true });
    server.on('error', () => {});
    const port = await this.listenPassive(server);
    const d: PassiveSetup = { kind: 'passive', server, port, tlsClient };
    server.on('connection', (s) => {
      this.srv.track(s);
      s.on('error', () => {});
      if (d.socket || d.rejected || d.closed) { s.destroy(); return; }
      const ra = normAddr(s.remoteAddress);
      server.close();
      if (!this.opts.allowFxp && ra !== this.peer) {
        this.log(`data: rejected connection from foreign address ${ra}:${s.remotePort}`);
        d.rejected = `425 Rejected data connection from foreign address ${ra}:${s.remotePort}.`;
        s.destroy();
      } else {
        this.log(`data: accepted connection from ${ra}:${s.remotePort}`);
        d.socket = s;
      }
      d.wake?.();
    });
    this.data = d;
    return d;
  }

  private async listenPassive(server: net.Server): Promise<number> {
    const host = this.srv.host;
    const tryPort = (port: number) => new Promise<boolean>((resolve) => {
      const onErr = () => resolve(false);
      server.once('error', onErr);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onErr);
        resolve(true);
      });
    });
    const range = this.opts.pasvPortRange;
    if (!range) {
      if (await tryPort(0)) return (server.address() as net.AddressInfo).port;
    } else {
      const [lo, hi] = range;
      const n = hi - lo + 1;
      const start = Math.floor(Math.random() * n);
      for (let i = 0; i < n; i++) {
        const p = lo + ((start + i) % n);
        if (await tryPort(p)) return p;
      }
    }
    throw new FtpError('425 No free passive port.');
  }

  private async setActive(ip: string, port: number, what: string): Promise<void> {
    if (this.epsvAll) { this.send(`503 ${what} not allowed after EPSV ALL`); return; }
    if (port < 1024) { this.send(`504 ${what}: port ${port} refused (below 1024).`); return; }
    const foreign = normAddr(ip) !== this.peer;
    if (foreign && !this.opts.allowFxp) {
      this.send(`500 I won't open a connection to ${ip} (only to ${this.peer})`);
      return;
    }
    this.dropData();
    this.data = { kind: 'active', host: ip, port };
    this.pret = undefined;
    const ok = `200 ${what} command successful.`;
    this.send(foreign ? `200-FXP transfer: from ${this.peer} to ${ip}${CRLF}${ok}` : ok);
  }

  private async cmdPort(arg: string): Promise<void> {
    if (!net.isIPv4(this.srv.host)) { this.send('500 PORT is IPv4 only; use EPRT.'); return; }
    const n = arg.trim().split(',').map((x) => (/^\d{1,3}$/.test(x.trim()) ? Number(x) : NaN));
    if (n.length !== 6 || n.some((x) => Number.isNaN(x) || x > 255)) {
      this.send('501 Illegal PORT command.');
      return;
    }
    await this.setActive(n.slice(0, 4).join('.'), n[4]! * 256 + n[5]!, 'PORT');
  }

  private async cmdEprt(arg: string): Promise<void> {
    const a = arg.trim();
    const delim = a[0] ?? '';
    const parts = a.split(delim);
    // '', proto, addr, port, ''
    if (!delim || parts.length !== 5 || parts[4] !== '') { this.send('501 Illegal EPRT command.'); return; }
    const [, proto = '', addr = '', portS = ''] = parts;
    const port = Number(portS);
    const fam = net.isIPv6(this.srv.host) ? '2' : '1';
    if (proto !== '1' && proto !== '2') { this.send(`522 Network protocol not supported, use (${fam})`); return; }
    if (proto !== fam) { this.send(`522 Network protocol not supported, use (${fam})`); return; }
    if ((proto === '1' && !net.isIPv4(addr)) || (proto === '2' && !net.isIPv6(addr)) || !/^\d{1,5}$/.test(portS) || port > 65535) {
      this.send('501 Illegal EPRT command.');
      return;
    }
    await this.setActive(addr, port, 'EPRT');
  }

  private cmdPret(arg: string): void {
    const c = (arg.trim().split(/\s+/)[0] ?? '').toUpperCase();
    if (!['RETR', 'STOR', 'APPE', 'STOU', 'LIST', 'NLST', 'MLSD'].includes(c)) {
      this.send('501 PRET: unknown transfer command');
      return;
    }
    this.pret = c;
    this.send(`200 PRET ${c} accepted.`);
  }

  private cmdRest(arg: string): void {
    const a = arg.trim();
    if (!/^\d+$/.test(a) || !Number.isSafeInteger(Number(a))) { this.send('501 REST requires a non-negative integer.'); return; }
    this.rest = Number(a);
    this.send(`350 Restarting at ${this.rest}. Send STOR or RETR to initiate transfer.`);
  }

  // ------------------------------------------------------------- transfers

  private takeRest(): number {
    const r = this.rest;
    this.rest = 0;
    return r;
  }

  private async listingEntries(arg: string): Promise<{ vp: string; entries: Entry[]; isDir: boolean }> {
    // strip ls options such as -a, -la
    let a = arg.trim();
    while (/^-[A-Za-z]+(\s|$)/.test(a)) a = a.replace(/^-[A-Za-z]+\s*/, '');
    const vp = this.vpath(a);
    const real = await this.srv.vfs.follow(vp);
    const st = await fs.promises.stat(real).catch((e) => { throw fsError(e, vp); });
    if (!st.isDirectory()) return { vp, entries: [{ name: path.posix.basename(vp), stat: st }], isDir: false };
    return { vp, entries: await readEntries(this.srv.vfs, real), isDir: true };
  }

  private async cmdList(arg: string, cmd: string): Promise<void> {
    const d = this.requireData();
    if (!d) { this.takeRest(); return; }
    this.takeRest();
    let text: string;
    try {
      const { vp, entries, isDir } = await this.listingEntries(arg);
      if (cmd === 'MLSD') {
        if (!isDir) throw new FtpError(`501 ${vp}: Not a directory`);
        const lines: string[] = [];
        if (this.opts.mlsdDotEntries ?? true) {
          const real = await this.srv.vfs.follow(vp);
          lines.push(mlsxLine({ name: '.', stat: await fs.promises.stat(real) }, 'cdir'));
          const preal = await this.srv.vfs.follow(path.posix.dirname(vp));
          lines.push(mlsxLine({ name: '..', stat: await fs.promises.stat(preal) }, 'pdir'));
        }
        for (const e of entries) lines.push(mlsxLine(e));
        text = lines.map((l) => l + CRLF).join('');
      } else if (cmd === 'NLST') {
        text = entries.map((e) => e.name + CRLF).join('');
      } else {
        const now = new Date();
        text = entries.map((e) => lsLine(e, now) + CRLF).join('');
      }
    } catch (e) {
      this.dropData();
      throw e;
    }
    const label = cmd === 'MLSD' ? 'MLSD' : cmd === 'NLST' ? 'file list' : 'directory listing';
    this.startTransfer(cmd, '', d, `150 Opening ASCII mode data connection for ${label}`, false, {
      send: () => once(Buffer.from(text, 'utf8')),
    });
  }

  private requireData(): DataSetup | null {
    const d = this.data;
    if (!d) {
      this.send('425 Use PORT or PASV first.');
      return null;
    }
    return d;
  }

  private async cmdRetr(arg: string): Promise<void> {
    const d = this.requireData();
    const rest = this.takeRest();
    if (!d) return;
    const vp = this.vpath(arg);
    let real: string, st: fs.Stats;
    try {
      ({ real, st } = await this.regularFile(vp));
      if (rest > st.size) throw new FtpError(`554 Restart offset ${rest} is beyond the file size ${st.size}.`);
    } catch (e) {
      this.dropData();
      throw e;
    }
    const mode = this.type === 'I' ? 'BINARY' : 'ASCII';
    const ascii = this.type === 'A';
    this.startTransfer('RETR', vp, d, `150 Opening ${mode} mode data connection for ${vp} (${st.size} bytes)`, true, {
      send: () => {
        const rs = fs.createReadStream(real, { start: rest, highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>;
        return ascii ? toCrlf(rs) : rs;
      },
    });
  }

  private async cmdStor(arg: string, cmd: string): Promise<void> {
    const d = this.requireData();
    const rest = this.takeRest();
    if (!d) return;
    let fh: fs.promises.FileHandle;
    let vp: string;
    let position: number | null = 0;
    try {
      if (cmd === 'STOU') {
        const base = arg ? this.vpath(arg) : this.vpath('stou');
        const parent = await this.srv.vfs.entry(base);
        let n = 0;
        for (;;) {
          const cand = n === 0 ? parent : `${parent}.${n}`;
          try {
            fh = await fs.promises.open(cand, 'wx');
            vp = n === 0 ? base : `${base}.${n}`;
            break;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw fsError(e, base);
            n++;
          }
        }
      } else {
        vp = this.vpath(arg);
        const p = await this.srv.vfs.forWrite(vp);
        if (cmd === 'APPE') {
          fh = await fs.promises.open(p, 'a').catch((e) => { throw fsError(e, vp); });
          position = null;
        } else if (rest > 0) {
          fh = await fs.promises.open(p, 'r+').catch((e) => { throw fsError(e, vp); });
          const size = (await fh.stat()).size;
          if (rest > size) {
            await fh.close();
            throw new FtpError(`554 Restart offset ${rest} is beyond the file size ${size}.`);
          }
          await fh.truncate(rest);
          position = rest;
        } else {
          fh = await fs.promises.open(p, 'w').catch((e) => { throw fsError(e, vp); });
        }
      }
    } catch (e) {
      this.dropData();
      throw e;
    }
    const mode = this.type === 'I' ? 'BINARY' : 'ASCII';
    const conv = this.type === 'A' ? new FromCrlf() : undefined;
    const label = cmd === 'STOU' ? `150 FILE: ${vp}` : `150 Opening ${mode} mode data connection for ${vp}`;
    const file = fh;
    this.startTransfer(cmd, vp, d, label, true, {
      recv: async (chunk: Buffer) => {
        const b = conv ? conv.push(chunk) : chunk;
        if (!b.length) return;
        await file.write(b, 0, b.length, position);
        if (position !== null) position += b.length;
      },
      finish: async () => {
        const b = conv?.flush();
        if (b?.length) await file.write(b, 0, b.length, position);
      },
      cleanup: () => file.close().catch(() => {}),
    });
  }

  /**
   * Run a transfer in the background; the command queue waits for it (except
   * ABOR and STAT). Consumes the data setup.
   */
  private startTransfer(
    cmd: string,
    vpath: string,
    setup: DataSetup,
    reply150: string,
    fileCmd: boolean,
    io: {
      send?: () => AsyncIterable<Buffer>;
      recv?: (chunk: Buffer) => Promise<void>;
      finish?: () => Promise<void>;
      cleanup?: () => Promise<void>;
    },
  ): void {
    const t = new Transfer(cmd, vpath);
    this.transfer = t;
    if (this.data === setup) this.data = null;
    const tlsRole: 'server' | 'client' =
      (setup.kind === 'passive' && setup.tlsClient) || (this.sscn && fileCmd) ? 'client' : 'server';
    void (async () => {
      let final = '226 Transfer complete.';
      let closeCtrl = false;
      let sent150 = false;
      const say150 = () => {
        if (!sent150 && !t.aborted) {
          sent150 = true;
          this.send(reply150);
        }
      };
      try {
        let sock = await this.connectData(setup, t, say150);
        say150();
        if (this.prot === 'P') sock = await this.dataTls(sock, tlsRole, t);
        if (io.send) await this.sendData(sock, io.send(), t, cmd === 'RETR');
        else if (io.recv) {
          await this.recvData(sock, io.recv, t);
          await io.finish?.();
        }
        await closeGracefully(sock, t);
      } catch (e) {
        if (t.aborted) final = '426 Transfer aborted.';
        else if (e instanceof TlsFailed) {
          this.log(`data TLS failed: ${e.message}`);
          final = '421 Connection closed (SSL/TLS negotiation failed).';
          closeCtrl = true;
        } else if (e instanceof DataFailed) final = e.message;
        else if (e instanceof FtpError) final = e.reply;
        else {
          this.log(`transfer error: ${(e as Error)?.message ?? e}`);
          final = isNetError(e) ? '426 Connection closed; transfer aborted.' : `451 Local error: ${(e as Error)?.message ?? e}`;
        }
      } finally {
        for (const s of t.sockets) s.destroy();
        if (setup.kind === 'passive') {
          setup.closed = true;
          setup.server.close();
          setup.socket?.destroy();
        }
        await io.cleanup?.();
      }
      if (t.aborted === 'closed' || this.closed) {
        this.finishTransfer(t);
        return;
      }
      let skipFinal = false;
      const hook = this.faults.onTransferDone;
      if (hook && t.aborted !== 'ABOR') {
        const act = await hook({ cmd, path: vpath, bytes: t.bytes, reply: final }, this.info);
        if (act) {
          if (act.kind === 'reply') { final = act.text; }
          else if (act.kind === 'delay') await sleep(act.ms);
          else if (act.kind === 'ignore') skipFinal = true;
          else if (act.kind === 'stall') { this.log('(fault) stall after transfer'); this.quitting = true; this.finishTransfer(t); return; }
          else if (act.kind === 'close') { this.finishTransfer(t); this.destroy(); return; }
          else if (act.kind === 'drip') { await this.drip(act.text, act.bytesPerTick, act.tickMs); skipFinal = true; }
          else if (act.kind === 'preface') this.send(act.text);
        }
      }
      if (!skipFinal) this.send(final);
      if (t.aborted === 'ABOR') this.send('226 ABOR command successful.');
      this.finishTransfer(t);
      if (closeCtrl) this.endSession();
    })();
  }

  private finishTransfer(t: Transfer): void {
    if (this.transfer === t) this.transfer = null;
    t.resolve();
  }

  /** Get the raw TCP data connection. */
  private connectData(setup: DataSetup, t: Transfer, say150: () => void): Promise<net.Socket> {
    const timeoutMs = this.opts.dataTimeoutMs ?? 30000;
    if (setup.kind === 'active') {
      return new Promise((resolve, reject) => {
        const local = net.isIPv6(setup.host) === net.isIPv6(this.srv.host) ? this.srv.host : undefined;
        const s = new net.Socket();
        s.on('error', () => {}); // reported through the handlers below and the transfer
        s.pause();
        this.srv.track(s);
        t.sockets.add(s);
        const timer = setTimeout(() => { s.destroy(); reject(new DataFailed("425 Can't open data connection.")); }, timeoutMs);
        s.once('error', (e) => {
          clearTimeout(timer);
          this.log(`data: connect to ${setup.host}:${setup.port} failed: ${e.message}`);
          reject(t.aborted ? new Abort() : new DataFailed("425 Can't open data connection."));
        });
        s.once('close', () => { clearTimeout(timer); reject(t.aborted ? new Abort() : new DataFailed("425 Can't open data connection.")); });
        t.cancel = () => { clearTimeout(timer); s.destroy(); reject(new Abort()); };
        s.connect({ host: setup.host, port: setup.port, localAddress: local }, () => {
          clearTimeout(timer);
          t.cancel = undefined;
          this.log(`data: connected to ${setup.host}:${setup.port}`);
          resolve(s);
        });
      });
    }
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (setup.rejected) { reject(new DataFailed(setup.rejected)); return true; }
        if (setup.socket) {
          setup.server.close();
          const s = setup.socket;
          t.sockets.add(s);
          resolve(s);
          return true;
        }
        return false;
      };
      if (check()) return;
      if (this.opts.early150) say150();
      const timer = setTimeout(() => {
        setup.wake = undefined;
        reject(new DataFailed("425 Can't open data connection."));
      }, timeoutMs);
      setup.wake = () => { clearTimeout(timer); setup.wake = undefined; check(); };
      t.cancel = () => { clearTimeout(timer); setup.wake = undefined; reject(new Abort()); };
    });
  }

  /** TLS on a data connection; on failure TlsFailed (421, SSCN rule 5). */
  private dataTls(raw: net.Socket, role: 'server' | 'client', t: Transfer): Promise<tls.TLSSocket> {
    const topts = this.opts.tls!;
    const ms = this.opts.tlsHandshakeTimeoutMs ?? 15000;
    return new Promise((resolve, reject) => {
      let s: tls.TLSSocket;
      let settled = false;
      const fail = (msg: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s?.destroy();
        reject(t.aborted ? new Abort() : new TlsFailed(msg));
      };
      const timer = setTimeout(() => fail('TLS handshake timeout'), ms);
      const ok = () => {
        if (settled) return;
        if (role === 'server' && this.opts.requireTlsSessionReuse && !s.isSessionReused()) {
          settled = true;
          clearTimeout(timer);
          this.log('data TLS: session not reused, refused');
          s.destroy();
          reject(new DataFailed('522 SSL connection failed; session reuse required'));
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.log(`data TLS established as ${role} (${s.getProtocol()}${s.isSessionReused() ? ', resumed' : ''})`);
        resolve(s);
      };
      if (role === 'server') {
        s = new tls.TLSSocket(raw, { isServer: true, secureContext: this.srv.tlsCtx });
        s.once('secure', ok);
      } else {
        s = tls.connect({
          socket: raw,
          ca: topts.ca,
          rejectUnauthorized: topts.ca !== undefined,
          checkServerIdentity: () => undefined,
          minVersion: topts.minVersion,
          maxVersion: topts.maxVersion,
        });
        s.once('secureConnect', ok);
      }
      this.srv.retrack(raw, s);
      t.sockets.add(s);
      s.on('error', (e) => fail(`TLS error: ${e.message}`));
      s.on('_tlsError', (e: Error) => fail(`TLS error: ${e.message}`));
      s.once('close', () => fail('data connection closed during TLS handshake'));
      t.cancel = () => fail('aborted');
    });
  }

  private async throttle(t: Transfer, started: number): Promise<void> {
    const rate = this.faults.rateBytesPerSec;
    if (!rate) return;
    const due = started + (t.bytes / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }

  private breakData(sock: net.Socket, t: Transfer): never {
    this.log(`(fault) breaking data connection after ${t.bytes} bytes`);
    const s = sock as net.Socket & { resetAndDestroy?: () => void };
    if (!(sock instanceof tls.TLSSocket) && typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else sock.destroy();
    throw new DataFailed('426 Connection closed; transfer aborted.');
  }

  private async sendData(sock: net.Socket, src: AsyncIterable<Buffer>, t: Transfer, isRetr: boolean): Promise<void> {
    sock.on('data', () => {}); // discard whatever the peer sends, so that closing never resets
    sock.resume();
    const started = Date.now();
    const rate = this.faults.rateBytesPerSec;
    const piece = rate ? Math.max(1, Math.min(64 * 1024, Math.floor(rate / 20))) : Infinity;
    for await (const chunk0 of src) {
      let chunk = chunk0;
      const trunc = isRetr ? this.faults.truncateRetrAt : undefined;
      if (trunc !== undefined && t.bytes + chunk.length > trunc) chunk = chunk.subarray(0, Math.max(0, trunc - t.bytes));
      for (let off = 0; off < chunk.length; off += piece) {
        if (t.aborted) throw new Abort();
        if (sock.destroyed) throw new DataFailed('426 Connection closed; transfer aborted.');
        let part = chunk.subarray(off, off + piece);
        const brk = this.faults.breakDataAt;
        if (brk !== undefined && t.bytes + part.length >= brk) {
          part = part.subarray(0, Math.max(0, brk - t.bytes));
          if (part.length) await writeAll(sock, part, t);
          t.bytes += part.length;
          this.breakData(sock, t);
        }
        await writeAll(sock, part, t);
        t.bytes += part.length;
        await this.throttle(t, started);
      }
      if (trunc !== undefined && t.bytes >= trunc) {
        this.log(`(fault) RETR truncated at ${t.bytes} bytes`);
        break;
      }
    }
  }

  private async recvData(sock: net.Socket, sink: (b: Buffer) => Promise<void>, t: Transfer): Promise<void> {
    const started = Date.now();
    try {
      for await (const chunk of sock as AsyncIterable<Buffer>) {
        if (t.aborted) throw new Abort();
        let c = chunk;
        const brk = this.faults.breakDataAt;
        if (brk !== undefined && t.bytes + c.length >= brk) {
          c = c.subarray(0, Math.max(0, brk - t.bytes));
          if (c.length) await sink(c);
          t.bytes += c.length;
          this.breakData(sock, t);
        }
        await sink(c);
        t.bytes += c.length;
        await this.throttle(t, started);
      }
    } catch (e) {
      if (t.aborted) throw new Abort();
      throw e;
    }
    if (t.aborted) throw new Abort();
  }

  // ------------------------------------------------------ ABOR and STAT

  private urgent(cmd: string): void {
    const t = this.transfer;
    if (!t) {
      if (cmd === 'ABOR') this.cmdAborIdle();
      return;
    }
    if (cmd === 'ABOR') {
      this.log('ABOR: aborting transfer');
      t.abort('ABOR');
    } else {
      const mode = this.faults.statDuringTransfer ?? 'answer';
      if (mode === 'refuse') this.send('500 Unknown command');
      else if (mode === 'ignore') this.log('(fault) STAT during the transfer left unanswered');
      else if (typeof mode === 'object') this.send(mode.reply);
      else this.send(`213 Status: ${t.cmd} in progress, ${t.bytes} bytes transferred.`);
    }
  }

  /** Commands handled at once while a transfer runs (STAT only when not queued like vsftpd does). */
  private isUrgent(cmd: string, arg: string): boolean {
    return cmd === 'ABOR' || (cmd === 'STAT' && arg.trim() === '' && this.faults.statDuringTransfer !== 'queue');
  }

  private cmdAborIdle(): void {
    if (this.data) {
      this.dropData();
      this.send('225 ABOR command successful; data connection closed.');
    } else this.send('225 No transfer to abort.');
  }

  // -------------------------------------------------------------- hashes

  private async digest(vp: string, algo: string): Promise<{ hex: string; size: number }> {
    const { real, st } = await this.regularFile(vp);
    const rs = fs.createReadStream(real) as AsyncIterable<Buffer>;
    if (algo === 'CRC32') {
      let c = 0;
      for await (const b of rs) c = crc32(b, c);
      return { hex: c.toString(16).padStart(8, '0').toUpperCase(), size: st.size };
    }
    const h = crypto.createHash(algo.replace('-', '').toLowerCase());
    for await (const b of rs) h.update(b);
    return { hex: h.digest('hex'), size: st.size };
  }

  private async cmdHash(arg: string): Promise<void> {
    const vp = this.vpath(arg);
    const { hex, size } = await this.digest(vp, this.hashAlgo);
    this.send(`213 ${this.hashAlgo} 0-${size} ${hex} ${arg}`);
  }

  private async cmdXhash(arg: string, cmd: string): Promise<void> {
    const algo = ({ XSHA256: 'SHA-256', XSHA1: 'SHA-1', XMD5: 'MD5', XCRC: 'CRC32' } as Record<string, string>)[cmd] ?? 'SHA-256';
    const vp = this.vpath(arg);
    const { hex } = await this.digest(vp, algo);
    this.send(`250 ${hex}`);
  }
}

const HASHES = ['SHA-256', 'SHA-1', 'MD5'];

function quote(p: string): string {
  return `"${p.replace(/"/g, '""')}"`;
}

function splitCmd(line: string): { cmd: string; arg: string } {
  const i = line.indexOf(' ');
  if (i < 0) return { cmd: line.toUpperCase(), arg: '' };
  return { cmd: line.slice(0, i).toUpperCase(), arg: line.slice(i + 1) };
}

function isNetError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return /^(ECONNRESET|EPIPE|ETIMEDOUT|ERR_STREAM_PREMATURE_CLOSE|ERR_STREAM_DESTROYED|ERR_SSL|ECONNABORTED)/.test(code) ||
    /^ERR_SSL/.test(code);
}

function writeAll(sock: net.Socket, b: Buffer, t: Transfer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sock.destroyed) { reject(t.aborted ? new Abort() : new DataFailed('426 Connection closed; transfer aborted.')); return; }
    const onClose = () => { cleanup(); reject(t.aborted ? new Abort() : new DataFailed('426 Connection closed; transfer aborted.')); };
    const onDrain = () => { cleanup(); resolve(); };
    const cleanup = () => { sock.off('close', onClose); sock.off('drain', onDrain); };
    if (sock.write(b)) { resolve(); return; }
    sock.on('close', onClose);
    sock.on('drain', onDrain);
  });
}

/**
 * Finish a data connection: end our side (close_notify under TLS), keep
 * reading until the peer closes, so that nothing is lost to a reset.
 */
async function closeGracefully(sock: net.Socket, t: Transfer): Promise<void> {
  if (sock.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { sock.destroy(); resolve(); }, 10000);
    sock.once('close', () => { clearTimeout(timer); resolve(); });
    sock.on('data', () => {});
    sock.resume();
    sock.end();
  });
  if (t.aborted) throw new Abort();
}

// ------------------------------------------------------------------ start

export async function startFtpd(opts: FtpdOptions): Promise<FtpdServer> {
  const s = new Server(opts);
  await s.listen();
  return s;
}
