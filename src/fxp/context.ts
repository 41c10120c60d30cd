import { FTPContext, FTPError, type FTPResponse, type ResponseHandler } from 'basic-ftp';
import { Socket } from 'net';
import { ReplyFramer, ReplyTooLargeError, type Reply } from './reply';
import { maskSecrets, type Logger } from './transcript';

const MAX_UNSOLICITED = 16;

/** Bytes seen on sockets the engine opened: control vs data. FXP must keep data at zero. */
export class ByteCounter {
  control = 0;
  data = 0;
}

/**
 * basic-ftp's FTPContext with three changes: replies are framed line by line (a chunk may split a
 * reply anywhere), every command and reply goes to the transcript with secrets masked, and every
 * socket it opens is counted.
 */
export class FramedContext extends FTPContext {
  private framer = new ReplyFramer();
  private creatingControl = false;
  /** Replies that arrived while no command was waiting. */
  unsolicited: Reply[] = [];
  /** Sees each reply before any command does; true = consumed (a STAT answered during a transfer, see statProgress). */
  interceptReply: ((reply: Reply) => boolean) | undefined;

  constructor(
    timeout: number,
    private readonly siteName: string,
    private readonly logger: Logger,
    private readonly secrets: string[],
    private readonly bytes: ByteCounter,
  ) {
    super(timeout);
  }

  setTimeoutMs(ms: number): void {
    (this as { timeout: number }).timeout = ms;
    if (this._task) this.socket.setTimeout(ms);
  }

  /** basic-ftp records a stack trace per command for debugging; at thousands of commands that is real CPU. */
  override handle(command: string | undefined, responseHandler: ResponseHandler): Promise<any> {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return super.handle(command, responseHandler);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  override send(command: string): void {
    if (/[\r\n\0]/.test(command)) {
      throw new Error('Command contains CR, LF or NUL and was not sent');
    }
    this.logger('debug', `${this.siteName} > ${maskSecrets(command, this.secrets)}`);
    this._socket.write(command + '\r\n', this.encoding);
  }

  override log(message: string): void {
    if (this.verbose) this.logger('trace', `${this.siteName} ${maskSecrets(message, this.secrets)}`);
  }

  override reset(): void {
    this.framer = new ReplyFramer();
    this.creatingControl = true;
    try {
      super.reset();
    } finally {
      this.creatingControl = false;
    }
  }

  protected override _onControlSocketData(chunk: string): void {
    let replies;
    try {
      replies = this.framer.push(chunk);
    } catch (err) {
      if (err instanceof ReplyTooLargeError) {
        this.closeWithError(err);
        return;
      }
      throw err;
    }
    for (const framed of replies) {
      // A server may echo the password back (530 ... for "secret"): mask it before anything keeps the text.
      const reply = { code: framed.code, text: maskSecrets(framed.text, this.secrets) };
      this.logger('debug', `${this.siteName} < ${reply.text.replace(/\n/g, '\n    ')}`);
      if (this.interceptReply?.(reply)) continue;
      if (!this._task) {
        // A reply nobody asked for (a passive server refusing a foreign connection says so at once): keep a few.
        this.unsolicited.push(reply);
        if (this.unsolicited.length > MAX_UNSOLICITED) this.unsolicited.shift();
        continue;
      }
      const response: FTPResponse = { code: reply.code, message: reply.text };
      this._passToHandler(reply.code >= 400 ? new FTPError(response) : response);
    }
  }

  /** basic-ftp makes control sockets through reset() and data sockets directly; count them apart. */
  override _newSocket(): Socket {
    const socket = new Socket();
    const counter = this.bytes as ByteCounter | undefined; // undefined while the super constructor runs
    if (!counter) return socket;
    const isData = !this.creatingControl;
    socket.on('close', () => {
      if (isData) counter.data += socket.bytesRead + socket.bytesWritten;
      else counter.control += socket.bytesRead + socket.bytesWritten;
    });
    return socket;
  }
}
