/** Small text formatting shared by the tree, progress and messages. No `vscode` here. */
import type { TransferProgress } from './transfers';

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < UNITS.length - 1);
  // 9.96 MB rounds to "10.0": show "10 MB" as the next step would.
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export type ProgressFigures = Pick<TransferProgress, 'filesDone' | 'filesTotal' | 'bytesDone' | 'bytesTotal' | 'bytesPerSecond' | 'etaSeconds'>;

const positive = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0;

/**
 * "2/5 files · 1.2 MB of 3.4 MB · 5.1 MB/s · 1 s left". Without a byte total (sizes unknown) only the bytes so
 * far; speed and time left only while there is a speed to show (a stalled copy or one not measured yet has none).
 */
export function progressText(p: ProgressFigures): string {
  const files = `${p.filesDone}/${p.filesTotal} file${p.filesTotal === 1 ? '' : 's'}`;
  const bytes = p.bytesTotal > 0 ? `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` : `${formatBytes(p.bytesDone)} so far`;
  const parts = [files, bytes];
  if (positive(p.bytesPerSecond)) {
    parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
    if (positive(p.etaSeconds)) parts.push(`${formatDuration(p.etaSeconds)} left`);
  }
  return parts.join(' · ');
}

/** How far a transfer is, 0 to 100: by bytes where the total is known, else by files. */
export function progressPercent(p: ProgressFigures): number {
  const ratio = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0;
  return Math.min(100, Math.max(0, ratio * 100));
}

/** The progress notification's text: the figures, then the files being copied now. */
export function progressMessage(p: TransferProgress): string {
  const names = p.files.map(f => f.path);
  return names.length ? `${progressText(p)} · ${names.join(', ')}` : progressText(p);
}
