// A minimal raw FTP control-connection client for tests: send a line, read
// replies (multi-line aware), upgrade to TLS. No data connection logic.
import * as net from 'net';
import * as tls from 'tls';

export interface Reply {
  code: number;
  /** Lines joined with '\n'. */
  text: string;
  lines: string[];
}

export interface RawOptions {
  implicitTls?: boolean;
  ca?: string | Buffer;
  timeoutMs?: number;
}

export class RawFtp {
  private buf = '';
  private pending: string[] = [];
  private replies: Reply[] = [];
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private ended = false;
  closedPromise: Promise<void>;
  private markClosed!: () => void;
  readonly timeoutMs: number;

  private constructor(public sock: net.Socket, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.closedPromise = new Promise((r) => (this.markClosed = r));
    this.attach(sock);
  }

  static async connect(host: string, port: number, o: RawOptions = {}): Promise<{ c: RawFtp; greeting: Reply }> {
    const sock: net.Socket = o.implicitTls
      ? tls.connect({ host, port, ca: o.ca, rejectUnauthorized: !!o.ca, checkServerIdentity: () => undefined })
      : net.connect({ host, port });
    const c = new RawFtp(sock, o.timeoutMs ?? 10000);
    const greeting = await c.next();
    return { c, greeting };
  }

  private attach(sock: net.Socket): void {
    sock.setEncoding('utf8');
    sock.on('data', this.onData);
    sock.on('error', () => {});
    sock.once('close', this.onClose);
  }

  private onData = (d: string): void => {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\r\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      this.pending.push(line);
      const first = this.pending[0] ?? '';
      const m = /^(\d{3})([- ])/.exec(first);
      if (!m) { this.pending = []; continue; }
      if (m[2] === ' ' || (this.pending.length > 1 && line.startsWith(m[1] + ' '))) {
        const lines = this.pending;
        this.pending = [];
        this.deliver({ code: Number(m[1]), text: lines.join('\n'), lines });
      }
    }
  };

  private onClose = (): void => {
    this.ended = true;
    this.markClosed();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('control connection closed'));
    }
  };

  private deliver(r: Reply): void {
    const w = this.waiters.shift();
    if (w) { clearTimeout(w.timer); w.resolve(r); } else this.replies.push(r);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The next reply (1xx included). */
  next(timeoutMs = this.timeoutMs): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.reject(new Error('control connection closed'));
    return new Promise((resolve, reject) => {
      const w = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no reply within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** The next final (non-1xx) reply; returns all replies seen, final last. */
  async final(timeoutMs = this.timeoutMs): Promise<Reply[]> {
    const seen: Reply[] = [];
    for (;;) {
      const r = await this.next(timeoutMs);
      seen.push(r);
      if (r.code >= 200) return seen;
    }
  }

  write(line: string | Buffer): void {
    this.sock.write(typeof line === 'string' ? line + '\r\n' : line);
  }

  /** Send a command and return its first reply. */
  async cmd(line: string, timeoutMs?: number): Promise<Reply> {
    this.write(line);
    return this.next(timeoutMs);
  }

  /** Send a command, expect a reply with this code, return it. */
  async expect(line: string, code: number): Promise<Reply> {
    const r = await this.cmd(line);
    if (r.code !== code) throw new Error(`${line.startsWith('PASS') ? 'PASS' : line} -> ${r.text} (wanted ${code})`);
    return r;
  }

  async login(user: string, pass: string): Promise<void> {
    await this.expect(`USER ${user}`, 331);
    await this.expect(`PASS ${pass}`, 230);
  }

  /** AUTH TLS and switch this control connection to TLS. */
  async authTls(ca?: string | Buffer): Promise<void> {
    await this.expect('AUTH TLS', 234);
    const raw = this.sock;
    raw.removeListener('data', this.onData);
    raw.removeListener('close', this.onClose);
    const t = tls.connect({ socket: raw, ca, rejectUnauthorized: !!ca, checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => {
      t.once('secureConnect', resolve);
      t.once('error', reject);
    });
    this.sock = t;
    this.attach(t);
  }

  /** Parse a 227 reply into host and port. */
  static pasv(r: Reply): { host: string; port: number; portArg: string } {
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(r.text);
    if (!m) throw new Error(`bad PASV reply: ${r.text}`);
    return { host: m.slice(1, 5).join('.'), port: Number(m[5]) * 256 + Number(m[6]), portArg: m.slice(1, 7).join(',') };
  }

  /** Parse a 229 reply into a port. */
  static epsv(r: Reply): number {
    const m = /\(\|\|\|(\d+)\|\)/.exec(r.text);
    if (!m) throw new Error(`bad EPSV reply: ${r.text}`);
    return Number(m[1]);
  }

  close(): void {
    this.sock.destroy();
  }

  async quit(): Promise<void> {
    if (this.ended) return;
    try {
      await this.cmd('QUIT', 3000);
    } catch {
      // ignore
    }
    this.sock.destroy();
  }
}
