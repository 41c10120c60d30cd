/** Stable error codes: callers (extension, CLI, tests) switch on these, never on message text. */
export type FxpErrorCode =
  | 'INVALID_INPUT'
  | 'CONNECT_FAILED'
  | 'LOGIN_FAILED'
  | 'TIMEOUT'
  | 'CONNECTION_LOST'
  | 'SERVER_REPLY'
  | 'PROTOCOL'
  | 'NOT_FOUND'
  | 'EXISTS'
  | 'FXP_REFUSED_ACTIVE'
  | 'FXP_REFUSED_PASSIVE'
  | 'FXP_UNSAFE_ADDRESS'
  | 'FXP_ADDRESS_FAMILY'
  | 'FXP_DATA_CONNECTION'
  | 'TLS_FXP_FAILED'
  | 'PROTECTION_REQUIRED'
  | 'CERT_UNTRUSTED'
  | 'CERT_CHANGED'
  | 'FXP_IMPOSSIBLE'
  | 'VERIFY_FAILED'
  | 'RELAY_NOT_ALLOWED'
  | 'CANCELLED';

export interface ReplyInfo {
  readonly code: number;
  readonly text: string;
}

export interface FxpErrorDetails {
  /** Name of the site the failure happened on, when it belongs to one. */
  site?: string;
  /** The command as sent (secrets masked). */
  command?: string;
  reply?: ReplyInfo;
  /** What the user (or the server's admin) can change to fix it. */
  hint?: string;
  /** What the engine did or will do next. */
  next?: string;
  cause?: unknown;
  /** A destination file left incomplete by this failure. */
  partial?: PartialFile;
  /** Earlier failures that led to this one (each FXP orientation tried). */
  causes?: FxpError[];
  /** The server certificate, for CERT_UNTRUSTED / CERT_CHANGED: what the user is asked to trust. */
  certificate?: CertificateInfo;
  /** For LOGIN_FAILED: the credential key (user, host, port, protocol) whose password was refused. */
  credential?: string;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by ':' (as Node and browsers show it). */
  fingerprint256: string;
  /** Why it is not trusted (Node's verification error code). */
  reason: string;
}

export interface PartialFile {
  site: string;
  path: string;
  bytes: number | undefined;
}

export class FxpError extends Error {
  readonly code: FxpErrorCode;
  readonly site?: string;
  readonly command?: string;
  readonly reply?: ReplyInfo;
  readonly hint?: string;
  next?: string;
  partial?: PartialFile;
  causes?: FxpError[];
  certificate?: CertificateInfo;
  credential?: string;

  constructor(code: FxpErrorCode, message: string, details: FxpErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FxpError';
    this.code = code;
    this.site = details.site;
    this.command = details.command;
    this.reply = details.reply;
    this.hint = details.hint;
    this.next = details.next;
    this.partial = details.partial;
    this.causes = details.causes;
    this.certificate = details.certificate;
    this.credential = details.credential;
  }

  /** One paragraph for people: what happened where, the server's words, what to change. */
  describe(): string {
    const parts: string[] = [];
    parts.push(this.site ? `${this.site}: ${this.message}` : this.message);
    if (this.command && this.reply) {
      parts.push(`The server answered "${this.command}" with "${firstLine(this.reply.text)}".`);
    } else if (this.reply) {
      parts.push(`Server reply: "${firstLine(this.reply.text)}".`);
    }
    if (this.hint) parts.push(this.hint);
    if (this.next) parts.push(this.next);
    return parts.join(' ');
  }

  toJSON(): FxpErrorJSON {
    return {
      code: this.code,
      message: this.message,
      site: this.site,
      command: this.command,
      reply: this.reply,
      hint: this.hint,
      next: this.next,
      partial: this.partial,
      causes: this.causes?.map(c => c.toJSON()),
      certificate: this.certificate,
      credential: this.credential,
    };
  }
}

export interface FxpErrorJSON {
  code: FxpErrorCode;
  message: string;
  site?: string;
  command?: string;
  reply?: ReplyInfo;
  hint?: string;
  next?: string;
  partial?: PartialFile;
  causes?: FxpErrorJSON[];
  certificate?: CertificateInfo;
  credential?: string;
}

export function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.trim();
}

export function isFxpError(err: unknown, code?: FxpErrorCode): err is FxpError {
  return err instanceof FxpError && (code === undefined || err.code === code);
}

export function cancelledError(site?: string): FxpError {
  return new FxpError('CANCELLED', 'The operation was cancelled.', { site });
}

/** Wraps anything thrown by lower layers into an FxpError that names the site. */
export function asFxpError(err: unknown, site: string, command?: string): FxpError {
  if (err instanceof FxpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/timeout/i.test(message)) {
    return new FxpError('TIMEOUT', `No answer in time${command ? ` to ${command}` : ''}.`, { site, command, cause: err });
  }
  return new FxpError('CONNECTION_LOST', `Connection failed: ${message}`, { site, command, cause: err });
}
