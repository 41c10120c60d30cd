/**
 * Smoothed transfer rates. During FXP the bytes never pass through us: the only figures are the
 * destination's SIZE, polled about once a second, and whole files finishing. Both arrive in bursts,
 * so the rate is an exponentially weighted average over a few seconds, not the last sample.
 */
export class RateMeter {
  private last: { at: number; bytes: number } | undefined;
  private rate = 0;
  private seeded = false;

  constructor(private readonly halfLifeMs = 3_000) {}

  /** `total`: bytes so far (monotonic), `now`: ms. */
  sample(total: number, now: number): void {
    if (!this.last) {
      this.last = { at: now, bytes: total };
      return;
    }
    const dt = now - this.last.at;
    if (dt < 50) return;
    const instant = (Math.max(0, total - this.last.bytes) * 1000) / dt;
    if (!this.seeded) {
      this.rate = instant;
      this.seeded = true;
    } else {
      const alpha = 1 - 2 ** (-dt / this.halfLifeMs);
      this.rate += alpha * (instant - this.rate);
    }
    this.last = { at: now, bytes: total };
  }

  get bytesPerSecond(): number {
    return this.rate;
  }
}

export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | undefined {
  if (remainingBytes <= 0) return 0;
  if (!(bytesPerSecond > 0)) return undefined;
  return remainingBytes / bytesPerSecond;
}

export interface FileProgress {
  /** Path relative to the job's source folder. */
  path: string;
  destination: string;
  size: number;
  /** Bytes at the destination (including a resumed prefix). */
  bytes: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  attempt: number;
}

export interface JobProgress {
  filesTotal: number;
  filesDone: number;
  filesSkipped: number;
  filesFailed: number;
  filesCancelled: number;
  /** Bytes of every file the job copies, and how many of them are at the destination by now. */
  bytesTotal: number;
  bytesDone: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  elapsedSeconds: number;
  active: FileProgress[];
}

/** "1.5 MiB" */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

/** One line for people: "120/1000 files, 3.2 MiB of 12.0 MiB, 5.1 MiB/s, 2 s left". */
export function describeProgress(p: JobProgress): string {
  const files = `${p.filesDone + p.filesSkipped}/${p.filesTotal} files`;
  const failed = p.filesFailed ? `, ${p.filesFailed} failed` : '';
  const eta = p.etaSeconds === undefined ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
  return `${files}${failed}, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}, ${formatBytes(p.bytesPerSecond)}/s${eta}`;
}
