/** Control-connection reply framing (RFC 959 4.2), independent of any socket. */

export interface Reply {
  readonly code: number;
  /** The whole reply, lines joined with '\n', CR removed. */
  readonly text: string;
}

export const MAX_REPLY_BYTES = 64 * 1024;
export const MAX_REPLY_LINES = 2000;

export class ReplyTooLargeError extends Error {
  constructor() {
    super(`Server reply exceeded ${MAX_REPLY_BYTES} bytes or ${MAX_REPLY_LINES} lines`);
    this.name = 'ReplyTooLargeError';
  }
}

/**
 * Accumulates control-connection text and yields complete replies. A reply is either one line
 * "ddd text" or a block that starts with "ddd-" and ends with a line starting with the same "ddd ".
 * Lines are only judged once their line ending has arrived, so a chunk boundary anywhere is harmless.
 */
export class ReplyFramer {
  private partialLine = '';
  private block: string[] | undefined;
  private blockCode = '';
  private pendingBytes = 0;

  push(chunk: string): Reply[] {
    const out: Reply[] = [];
    this.partialLine += chunk;
    this.pendingBytes += chunk.length;
    let nl: number;
    while ((nl = this.partialLine.indexOf('\n')) >= 0) {
      const line = this.partialLine.slice(0, nl).replace(/\r$/, '');
      this.partialLine = this.partialLine.slice(nl + 1);
      const reply = this.acceptLine(line);
      if (reply) {
        out.push(reply);
        this.pendingBytes = this.partialLine.length;
      }
    }
    if (this.pendingBytes > MAX_REPLY_BYTES || (this.block && this.block.length > MAX_REPLY_LINES)) {
      throw new ReplyTooLargeError();
    }
    return out;
  }

  private acceptLine(line: string): Reply | undefined {
    if (this.block) {
      this.block.push(line);
      if (line.startsWith(this.blockCode) && (line.length === 3 || line[3] === ' ')) {
        const text = this.block.join('\n');
        this.block = undefined;
        return { code: Number(this.blockCode), text };
      }
      return undefined;
    }
    const m = /^([1-5]\d\d)([ -]|$)/.exec(line);
    if (!m) return undefined; // noise between replies (some servers send blank lines): ignore
    if (m[2] === '-') {
      this.block = [line];
      this.blockCode = m[1]!;
      return undefined;
    }
    return { code: Number(m[1]), text: line };
  }
}

export const isCompletion = (code: number): boolean => code >= 200 && code < 300;
