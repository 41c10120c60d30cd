import * as vscode from 'vscode';
import { COMMANDS } from './constants';
import { explain } from './errorText';
import type { Log } from './log';

export const SHOW_LOG = 'Show Log';
export const DIAGNOSE = 'Diagnose';

/**
 * The one wrapper every command goes through: logs the call and its duration, turns errors into a
 * message naming the site, the server's reply and the setting to change, with "Show Log" (and
 * "Diagnose" for FXP refusals). Cancellation stays silent.
 */
export class CommandRunner {
  constructor(private readonly log: Log, private readonly onError: (err: unknown) => void) {}

  register(id: string, handler: (...args: any[]) => unknown): vscode.Disposable {
    return vscode.commands.registerCommand(id, (...args: unknown[]) => this.run(id, () => handler(...args)));
  }

  async run<T>(label: string, fn: () => T | Thenable<T>): Promise<T | undefined> {
    const started = Date.now();
    this.log.info(`> ${label}`);
    try {
      const result = await fn();
      this.log.info(`< ${label} [${Date.now() - started} ms]`);
      return result;
    } catch (err) {
      this.report(label, err, started);
      return undefined;
    }
  }

  report(label: string, err: unknown, started = Date.now()): void {
    this.onError(err);
    const explanation = explain(err);
    if (!explanation) {
      this.log.info(`< ${label} cancelled [${Date.now() - started} ms]`);
      return;
    }
    this.log.error(`< ${label} failed [${Date.now() - started} ms]: ${explanation.message}`);
    if (err instanceof Error) this.log.error(err);
    const actions = explanation.diagnose ? [DIAGNOSE, SHOW_LOG] : [SHOW_LOG];
    void vscode.window.showErrorMessage(explanation.message, ...actions).then(choice => {
      if (choice === SHOW_LOG) this.log.show();
      if (choice === DIAGNOSE) void vscode.commands.executeCommand(COMMANDS.diagnose);
    });
  }
}
