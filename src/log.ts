import * as vscode from 'vscode';
import { maskSecrets, type Logger, type LogLevel } from './fxp';
import { OUTPUT_CHANNEL } from './constants';

/**
 * The "FXP" LogOutputChannel. The engine's transcript (`site > CMD`, `site < reply`, already masked) is
 * written at info level so that it shows with VS Code's default log level; the channel adds timestamps.
 */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor() {
    this.channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  }

  /** The logger handed to the engine. */
  readonly engine: Logger = (level: LogLevel, message: string) => {
    const line = this.mask(message);
    switch (level) {
      case 'trace': this.channel.trace(line); break;
      case 'debug': this.channel.info(line); break;
      case 'info': this.channel.info(line); break;
      case 'warn': this.channel.warn(line); break;
      case 'error': this.channel.error(line); break;
    }
  };

  /** Strings (passwords typed this session) masked wherever they would appear. */
  addSecret(secret: string): void {
    if (secret.length >= 3) this.secrets.add(secret);
  }

  info(message: string): void {
    this.channel.info(this.mask(message));
  }

  warn(message: string): void {
    this.channel.warn(this.mask(message));
  }

  error(message: string | Error): void {
    const text = message instanceof Error ? `${message.message}${message.stack ? `\n${message.stack}` : ''}` : message;
    this.channel.error(this.mask(text));
  }

  show(): void {
    this.channel.show(true);
  }

  private mask(text: string): string {
    return maskSecrets(text, [...this.secrets]);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
