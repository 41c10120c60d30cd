import { Transform } from 'stream';
import type { FtpConnection } from './connection';
import { cancelledError, FxpError } from './errors';

export interface RelayResult {
  bytes: number;
}

/** Bounded buffer between download and upload: backpressure keeps memory flat whatever the file size. */
const RELAY_HIGH_WATER = 1024 * 1024;

/** RETR streamed straight into STOR through this machine: no temporary file, bounded memory. */
export async function relayCopy(
  src: FtpConnection, srcPath: string, dst: FtpConnection, dstPath: string,
  opts: { signal?: AbortSignal; restartAt?: number; append?: boolean; onBytes?: (n: number) => void },
): Promise<RelayResult> {
  if (opts.signal?.aborted) throw cancelledError();
  let bytes = 0;
  // One stream stage: the download writes into it, the upload reads from it; backpressure bounds memory.
  const counter = new Transform({
    highWaterMark: RELAY_HIGH_WATER,
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      opts.onBytes?.((opts.restartAt ?? 0) + bytes);
      done(null, chunk);
    },
  });
  // Failures are reported through the two transfer promises; a stream destroyed after basic-ftp let go of it must not crash the process.
  counter.on('error', () => undefined);
  const onAbort = () => {
    counter.destroy(cancelledError());
    src.close();
    dst.close();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const download = src.library(`RETR ${srcPath}`, c => c.downloadTo(counter, srcPath, opts.restartAt ?? 0));
    // A resumed relay appends: the destination holds exactly restartAt bytes, and REST before STOR would have to
    // survive the EPSV/PASV that basic-ftp sends in between, which not every server allows.
    const appending = opts.append || (opts.restartAt ?? 0) > 0;
    const upload = dst.library(`${appending ? 'APPE' : 'STOR'} ${dstPath}`, c => (appending ? c.appendFrom(counter, dstPath) : c.uploadFrom(counter, dstPath)));
    // One side failing must stop the other at once, or it would wait for data forever.
    let firstFailure: unknown;
    const stop = (err: unknown) => {
      firstFailure ??= err;
      counter.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    download.catch(stop);
    upload.catch(stop);
    const results = await Promise.allSettled([download, upload]);
    if (opts.signal?.aborted) throw cancelledError();
    if (results.some(r => r.status === 'rejected')) {
      throw firstFailure instanceof FxpError ? firstFailure : new FxpError('CONNECTION_LOST', String(firstFailure));
    }
    return { bytes };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
