import * as vscode from 'vscode';
import { COMMANDS, CONTEXT_KEYS, STATUS_ITEM } from './constants';
import { progressText } from './format';
import type { TransferProgress } from './transfers';

export interface JobHandle {
  readonly signal: AbortSignal;
  report(progress: TransferProgress): void;
}

interface Job {
  title: string;
  abort: AbortController;
  progress?: TransferProgress;
}

const REPORT_EVERY_MS = 250;

/**
 * Running transfers: a cancellable progress notification each (cancel aborts the engine's copy, which
 * sends ABOR to both servers), a status bar item while any runs, and "Cancel Transfers" for all.
 */
export class Jobs implements vscode.Disposable {
  private readonly running = new Set<Job>();
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

  run<T>(title: string, work: (job: JobHandle) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const job: Job = { title, abort: new AbortController() };
      const onCancel = token.onCancellationRequested(() => job.abort.abort());
      this.running.add(job);
      this.update();
      let lastReport = 0;
      let reportedPercent = 0;
      try {
        return await work({
          signal: job.abort.signal,
          report: p => {
            job.progress = p;
            const now = Date.now();
            const finished = p.filesDone === p.filesTotal;
            if (!finished && now - lastReport < REPORT_EVERY_MS) return;
            lastReport = now;
            const percent = p.bytesTotal > 0 ? (p.bytesDone / p.bytesTotal) * 100 : (p.filesTotal ? (p.filesDone / p.filesTotal) * 100 : 0);
            const increment = Math.max(0, percent - reportedPercent);
            reportedPercent += increment;
            const current = p.current.length ? ` · ${p.current.join(', ')}` : '';
            progress.report({ message: progressText(p) + current, increment });
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
    for (const job of this.running) job.abort.abort();
    return count;
  }

  private update(): void {
    const count = this.running.size;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.transfersRunning, count > 0);
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
