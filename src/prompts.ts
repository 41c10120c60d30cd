import * as vscode from 'vscode';

export type Severity = 'info' | 'warning' | 'error';

/** What a prompt asks, as plain data: what a test handler sees (and what `shown` records). */
export type PromptRequest =
  | { kind: 'message'; severity: Severity; message: string; detail?: string; modal: boolean; actions: string[] }
  | { kind: 'pick'; title?: string; placeHolder?: string; items: string[]; descriptions: (string | undefined)[]; many: boolean }
  | { kind: 'input'; title?: string; prompt?: string; value?: string; password: boolean };

/** An action or item label (labels for a multi-pick; codicons may be left out), the text typed, or undefined (Escape). */
export type PromptAnswer = string | readonly string[] | undefined;
export type PromptHandler = (request: PromptRequest) => PromptAnswer | Promise<PromptAnswer>;

export interface MessageOptions {
  modal?: boolean;
  detail?: string;
}

const withoutIcons = (label: string) => label.replace(/\$\([^)]*\)\s*/g, '').trim();

/**
 * The questions and messages of the transfer, certificate and job flows go through here: VS Code's
 * windows for the user, or a handler that answers instead (the extension-host tests). Nothing else.
 */
export class Prompts {
  private handler: PromptHandler | undefined;
  /** Every prompt answered by the handler, in order (cleared when a handler is set). */
  readonly shown: PromptRequest[] = [];

  /** Tests: answer every prompt with `handler` instead of showing it; undefined shows them again. */
  answerWith(handler: PromptHandler | undefined): void {
    this.handler = handler;
    this.shown.length = 0;
  }

  async message(severity: Severity, message: string, options: MessageOptions = {}, ...actions: string[]): Promise<string | undefined> {
    const modal = options.modal ?? false;
    if (this.handler) {
      const answer = await this.ask({ kind: 'message', severity, message, detail: options.detail, modal, actions });
      return actions.find(a => typeof answer === 'string' && (a === answer || withoutIcons(a) === answer));
    }
    const opts: vscode.MessageOptions = { modal, detail: options.detail };
    switch (severity) {
      case 'error': return vscode.window.showErrorMessage(message, opts, ...actions);
      case 'warning': return vscode.window.showWarningMessage(message, opts, ...actions);
      default: return vscode.window.showInformationMessage(message, opts, ...actions);
    }
  }

  async pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions = {}): Promise<T | undefined> {
    if (this.handler) {
      const answer = await this.ask(this.pickRequest(items, options, false));
      return typeof answer === 'string' ? this.find(items, answer) : undefined;
    }
    return vscode.window.showQuickPick(items, { ...options, canPickMany: false });
  }

  async pickMany<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions = {}): Promise<T[] | undefined> {
    if (this.handler) {
      const answer = await this.ask(this.pickRequest(items, options, true));
      if (answer === undefined) return undefined;
      return (typeof answer === 'string' ? [answer] : answer).map(a => this.find(items, a)).filter((i): i is T => i !== undefined);
    }
    return vscode.window.showQuickPick(items, { ...options, canPickMany: true });
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    if (this.handler) {
      const answer = await this.ask({ kind: 'input', title: options.title, prompt: options.prompt, value: options.value, password: options.password ?? false });
      if (typeof answer !== 'string') return undefined;
      const invalid = await options.validateInput?.(answer);
      if (invalid) throw new Error(`Prompts: the answer "${answer}" is invalid: ${typeof invalid === 'string' ? invalid : invalid.message}`);
      return answer;
    }
    return vscode.window.showInputBox(options);
  }

  private pickRequest(items: readonly vscode.QuickPickItem[], options: vscode.QuickPickOptions, many: boolean): PromptRequest {
    const usable = items.filter(i => i.kind !== vscode.QuickPickItemKind.Separator);
    return { kind: 'pick', title: options.title, placeHolder: options.placeHolder, items: usable.map(i => i.label), descriptions: usable.map(i => i.description), many };
  }

  private find<T extends vscode.QuickPickItem>(items: readonly T[], answer: string): T | undefined {
    const usable = items.filter(i => i.kind !== vscode.QuickPickItemKind.Separator);
    return usable.find(i => i.label === answer) ?? usable.find(i => withoutIcons(i.label) === answer);
  }

  private async ask(request: PromptRequest): Promise<PromptAnswer> {
    this.shown.push(request);
    return this.handler!(request);
  }
}
