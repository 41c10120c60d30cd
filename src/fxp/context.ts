import { FTPContext, FTPError, type FTPResponse, type ResponseHandler } from 'basic-ftp';
import { Socket } from 'net';
import { ReplyFramer, ReplyTooLargeError, type Reply } from './reply';
import { logs, maskSecrets, type Logger } from './transcript';

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
  /** Handlers of the final replies still owed to commands sent without waiting (FtpConnection.sendWithoutWaiting). */
  private owed: ((reply: Reply) => void)[] = [];
  private settledWaiters: (() => void)[] = [];
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

  /** Masks one more secret from now on (a password asked for only when the server wants one). */
  addSecret(secret: string): void {
    if (secret && !this.secrets.includes(secret)) this.secrets.push(secret);
  }

  setTimeoutMs(ms: number): void {
    (this as { timeout: number }).timeout = ms;
    if (this._task) this.socket.setTimeout(ms);
  }

  /**
   * basic-ftp's handle() without the stack trace it records per command for debugging (an Error built and its
   * stack formatted, thousands of times in a folder job). Otherwise the same: one task at a time, a closed
   * context rejects at once, the socket timeout runs only while a task waits.
   */
  override handle(command: string | undefined, responseHandler: ResponseHandler): Promise<any> {
    if (this._task) this.closeWithError(new Error('User launched a task while another one is still running. Forgot to use \'await\' or \'.then()\'?'));
    return new Promise((resolveTask, rejectTask) => {
      this._task = {
        stack: '',
        responseHandler,
        resolver: {
          resolve: (arg: unknown) => { this._stopTrackingTask(); resolveTask(arg); },
          reject: (err: unknown) => { this._stopTrackingTask(); rejectTask(err); },
        },
      };
      const closing = this._closingError;
      if (closing) {
        const err: NodeJS.ErrnoException = new Error(`Client is closed because ${closing.message}`);
        err.stack += `\nClosing reason: ${closing.stack}`;
        err.code = closing.code !== undefined ? closing.code : '0';
        this._passToHandler(err);
        return;
      }
      this.socket.setTimeout(this.timeout);
      if (command) this.send(command);
    });
  }

  override send(command: string): void {
    if (/[\r\n\0]/.test(command)) {
      throw new Error('Command contains CR, LF or NUL and was not sent');
    }
    if (logs(this.logger, 'debug')) this.logger('debug', `${this.siteName} > ${maskSecrets(command, this.secrets)}`);
    this._socket.write(command + '\r\n', this.encoding);
  }

  override log(message: string): void {
    if (this.verbose) this.logger('trace', `${this.siteName} ${maskSecrets(message, this.secrets)}`);
  }

  /** Sends a command whose final reply is handed to `onReply` when it comes, ahead of any later command's replies. */
  sendOwing(command: string, onReply: (reply: Reply) => void): void {
    this.send(command);
    this.owed.push(reply => {
      onReply(reply);
      if (this.owed.length === 0) for (const wake of this.settledWaiters.splice(0)) wake();
    });
  }

  /** Whether replies to commands sent without waiting are still to come. */
  get owesReplies(): boolean {
    return this.owed.length > 0 && !this.closed;
  }

  /** Resolves once every reply owed to a command sent without waiting has come (or the connection closed). */
  settled(): Promise<void> {
    if (!this.owesReplies) return Promise.resolve();
    // Every way the control socket ends goes through closeWithError, which wakes these.
    return new Promise(resolve => this.settledWaiters.push(resolve));
  }

  override closeWithError(err: Error): void {
    super.closeWithError(err);
    this.owed = [];
    for (const wake of this.settledWaiters.splice(0)) wake();
  }

  override reset(): void {
    this.owed = [];
    for (const wake of this.settledWaiters.splice(0)) wake();
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
      if (logs(this.logger, 'debug')) this.logger('debug', `${this.siteName} < ${reply.text.replace(/\n/g, '\n    ')}`);
      if (this.owed.length > 0) {
        // Replies come in order: this one answers a command sent without waiting, before anything sent later.
        if (reply.code >= 200) this.owed.shift()!(reply);
        continue;
      }
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
