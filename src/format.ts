/** Small text formatting shared by the tree, progress and messages. No `vscode` here. */
import type { TransferProgress } from './transfers';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export type ProgressFigures = Pick<TransferProgress, 'filesDone' | 'filesTotal' | 'bytesDone' | 'bytesTotal' | 'bytesPerSecond' | 'etaSeconds'>;

/** "2/5 files · 1.2 MB of 3.4 MB · 5.1 MB/s · 1 s left" */
export function progressText(p: ProgressFigures): string {
  const parts = [`${p.filesDone}/${p.filesTotal} file${p.filesTotal === 1 ? '' : 's'}`, `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`];
  if (p.bytesPerSecond !== undefined && p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== undefined && p.etaSeconds > 0) parts.push(`${formatDuration(p.etaSeconds)} left`);
  return parts.join(' · ');
}
