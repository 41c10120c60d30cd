import { cancelledError, isFxpError, type FxpError } from '../errors';

/**
 * How the queue treats a failed file:
 * - `cancelled`: the user asked; no retry.
 * - `full`: the server has no room for another connection (421, or ProFTPD's 530 "maximum number of
 *   clients"): lower that site's limit and try again; not a failure of the file.
 * - `login`: 530 on login; never retried (servers lock accounts after a few bad passwords), and every
 *   other file on that site would fail the same way.
 * - `transient`: 4xx replies, lost connections, timeouts: retried with backoff, a bounded number of times.
 * - `permanent`: 5xx about the file (missing, no permission, disk full), FXP refused by a server.
 * A copy that fails verification is transient: the next attempt copies it again.
 */
export type FailureKind = 'cancelled' | 'full' | 'login' | 'transient' | 'permanent';

/** Refusals that say something about the site pair or the file, never about the moment. */
const PERMANENT = new Set<FxpError['code']>([
  'FXP_REFUSED_ACTIVE', 'FXP_REFUSED_PASSIVE', 'FXP_UNSAFE_ADDRESS', 'FXP_ADDRESS_FAMILY', 'FXP_DATA_CONNECTION',
  'NOT_FOUND', 'INVALID_INPUT', 'EXISTS', 'RELAY_NOT_ALLOWED', 'PROTOCOL',
]);

const FULL_RE = /too many|maximum number|already connected|connection limit|max.*clients|try again later/i;

export function classifyFailure(err: FxpError): FailureKind {
  if (err.code === 'CANCELLED') return 'cancelled';
  const code = err.reply?.code;
  const atLogin = err.code === 'CONNECT_FAILED' || err.code === 'LOGIN_FAILED';
  const saysFull = FULL_RE.test(err.reply?.text ?? '');
  if ((atLogin && (code === 421 || ((code === 530 || code === 550) && saysFull))) || (code === 421 && saysFull)) return 'full';
  if (err.code === 'LOGIN_FAILED' || code === 530) return 'login';
  if (PERMANENT.has(err.code)) return 'permanent';
  if (err.code === 'FXP_IMPOSSIBLE') {
    return err.causes?.length && err.causes.every(c => classifyFailure(c) === 'transient') ? 'transient' : 'permanent';
  }
  if (code !== undefined) return code >= 400 && code < 500 ? 'transient' : 'permanent';
  if (err.code === 'CONNECTION_LOST' || err.code === 'TIMEOUT' || err.code === 'CONNECT_FAILED' || err.code === 'VERIFY_FAILED') return 'transient';
  return 'permanent';
}

/** Exponential backoff with jitter: base, 2 x base, 4 x base ... capped; `random` in [0, 1). */
export function backoffDelay(attempt: number, baseMs: number, maxMs = 30_000, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** The destination refused REST before STOR: resuming needs APPE there. */
export function refusedRestOnDestination(err: FxpError, dstSite: string): boolean {
  const all = [err, ...(err.causes ?? [])];
  return all.some(e => e.site === dstSite && /^REST /i.test(e.command ?? '') && (e.reply?.code ?? 0) >= 500);
}

export interface RetryPolicy {
  /** Further attempts after the first, for transient failures. */
  retries: number;
  backoffMs: number;
  signal?: AbortSignal;
  /** A server said it is full: lower that site's limit (the caller knows the pools). */
  onFull?: (err: FxpError) => void;
}

/** Waits `ms`, or rejects with CANCELLED as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs a short metadata operation (listing, MKD, SIZE) with the queue's failure policy. */
export async function retrying<T>(op: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isFxpError(err)) throw err;
      const kind = policy.signal?.aborted ? 'cancelled' : classifyFailure(err);
      if (kind === 'full' && attempt <= policy.retries + FULL_RETRIES) {
        policy.onFull?.(err);
        await sleep(backoffDelay(1, FULL_DELAY_MS), policy.signal);
        continue;
      }
      if (kind !== 'transient' || attempt > policy.retries) throw err;
      await sleep(backoffDelay(attempt, policy.backoffMs), policy.signal);
    }
  }
}

/** "Too many connections" is not the file's fault: it gets this many extra attempts, quickly. */
export const FULL_RETRIES = 20;
export const FULL_DELAY_MS = 200;
