import * as vscode from 'vscode';
import { COMMANDS, CONTEXT_KEYS, STATUS_ITEM } from './constants';
import { progressMessage, progressPercent, progressText } from './format';
import type { ActiveFile, TransferControl, TransferProgress } from './transfers';

export interface JobHandle {
  readonly signal: AbortSignal;
  report(progress: TransferProgress): void;
  /** The job is running in the engine: its files can be cancelled one by one from now on. */
  attach(control: TransferControl): void;
}

/** A running transfer as the user sees it: read-only, kept up to date while it runs (tests read it too). */
export interface JobSnapshot {
  readonly title: string;
  /** The last figures the engine reported. */
  readonly progress?: TransferProgress;
  /** The notification's text now. */
  readonly message?: string;
}

interface Job extends JobSnapshot {
  abort: AbortController;
  progress?: TransferProgress;
  message?: string;
  control?: TransferControl;
  /** What the notification's Cancel button does: the listener its CancellationToken calls. */
  cancel(): void;
}

const REPORT_EVERY_MS = 250;

/**
 * Running transfers: a cancellable progress notification each (cancel aborts the engine's copy, which
 * sends ABOR to both servers), a status bar item while any runs, "Cancel Transfers" for all, and the
 * files being copied for "Cancel a File…".
 */
export class Jobs implements vscode.Disposable {
  private readonly running = new Set<Job>();
  /** The last value given to the "transfers running" context key (it changes only when a job starts or ends). */
  private contextRunning = false;
  private readonly status: vscode.StatusBarItem;

  constructor() {
    this.status = vscode.window.createStatusBarItem(STATUS_ITEM, vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'FXP transfers';
    this.status.command = COMMANDS.showLog;
    this.update();
  }

  get count(): number {
    return this.running.size;
  }

  /** The running transfers, oldest first. */
  list(): readonly JobSnapshot[] {
    return [...this.running];
  }

  /** The status bar item: shown while a transfer runs. */
  get statusItem(): { visible: boolean; text: string; tooltip: string } {
    const count = this.running.size;
    return { visible: count > 0, text: count > 0 ? this.status.text : '', tooltip: count > 0 ? String(this.status.tooltip ?? '') : '' };
  }

  run<T>(title: string, work: (job: JobHandle) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const job: Job = { title, abort, cancel: () => abort.abort() };
      const onCancel = token.onCancellationRequested(job.cancel);
      this.running.add(job);
      this.update();
      let lastReport = 0;
      let reportedPercent = 0;
      try {
        return await work({
          signal: abort.signal,
          attach: control => {
            job.control = control;
          },
          report: p => {
            job.progress = p;
            const now = Date.now();
            const finished = p.filesDone === p.filesTotal;
            if (!finished && now - lastReport < REPORT_EVERY_MS) return;
            lastReport = now;
            const increment = Math.max(0, progressPercent(p) - reportedPercent);
            reportedPercent += increment;
            job.message = progressMessage(p);
            progress.report({ message: job.message, increment });
            this.update();
          },
        });
      } finally {
        onCancel.dispose();
        this.running.delete(job);
        this.update();
      }
    });
  }

  /** Aborts every running transfer; returns how many. */
  cancelAll(): number {
    const count = this.running.size;
    for (const job of this.running) job.cancel();
    return count;
  }

  /** What the Cancel button of a job's notification does (its CancellationToken's listener); false: it is not running. */
  cancelFromNotification(job: JobSnapshot): boolean {
    const running = this.find(job);
    running?.cancel();
    return running !== undefined;
  }

  /** Every file being copied now, in every running transfer. */
  activeFiles(): { job: JobSnapshot; file: ActiveFile }[] {
    return [...this.running].flatMap(job => (job.control ? job.progress?.files ?? [] : []).map(file => ({ job: job as JobSnapshot, file })));
  }

  /** Cancels one file of a running transfer (ABOR on both servers); the transfer goes on with the others. */
  cancelFile(job: JobSnapshot, file: ActiveFile): boolean {
    return this.find(job)?.control?.cancelFile(file.key) ?? false;
  }

  private find(job: JobSnapshot): Job | undefined {
    return this.running.has(job as Job) ? job as Job : undefined;
  }

  private update(): void {
    const count = this.running.size;
    if (count > 0 !== this.contextRunning) {
      this.contextRunning = count > 0;
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.transfersRunning, this.contextRunning);
    }
    if (count === 0) {
      this.status.hide();
      return;
    }
    this.status.text = `$(sync~spin) FXP: ${count} transfer${count === 1 ? '' : 's'}`;
    this.status.tooltip = [...this.running]
      .map(j => `${j.title}${j.progress ? `: ${progressText(j.progress)}` : ''}`)
      .join('\n');
    this.status.show();
  }

  dispose(): void {
    this.cancelAll();
    this.status.dispose();
  }
}

/** A cancellable notification around work that takes an AbortSignal (not a transfer: no status bar, no journal). */
export function withCancellableProgress<T>(title: string, work: (signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    try {
      return await work(abort.signal);
    } finally {
      onCancel.dispose();
    }
  });
}
