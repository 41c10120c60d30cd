import { FxpError } from './errors';

/** The transfer a server runs: RETR sends file data, STOR/APPE receive it. */
export type TransferVerb = 'RETR' | 'STOR';

/** Codes of a STAT answer (RFC 959: 211 system status, 212 directory status, 213 file status). */
export const isStatAnswerCode = (code: number): boolean => code === 211 || code === 212 || code === 213;

/**
 * Codes a server uses to refuse a command it will not run now (pure-ftpd mid-transfer: "500 Unknown command").
 * After a transfer's 1xx, its own final reply is never one of these (226/250, 425/426/451/452, 55x).
 */
export const isCommandRefusalCode = (code: number): boolean => code >= 500 && code <= 504;

const MAX_LINES = 64;

/**
 * The bytes the running transfer has moved so far, from the text of a STAT answer sent during it; undefined
 * when the answer carries no such figure (a server between transfers, or one that says nothing about it).
 * Forms seen on real servers:
 * - pyftpdlib: " Total bytes sent: 16384000" (RETR) and " Total bytes received: 393216" (STOR), both always listed;
 * - ProFTPD (answers during STOR only): " STOR /f.bin (1769472)"; its "Total bytes transferred for session" counts
 *   every transfer of the session and is ignored;
 * - wu-ftpd style "213 Status: 1234 of 5678 bytes transferred", this project's test server
 *   "213 Status: RETR in progress, 123456 bytes transferred.".
 * A figure that cannot be a byte count (beyond 2^53) is a PROTOCOL error; nothing else is thrown.
 */
export function parseStatTransferBytes(text: string, verb: TransferVerb): number | undefined {
  const lines = text.split('\n', MAX_LINES).map(l => l.trim());
  const wanted = verb === 'RETR' ? 'sent' : 'received';
  for (const line of lines) {
    const total = /^Total bytes (sent|received):\s*(\d+)$/i.exec(line);
    if (total && total[1]!.toLowerCase() === wanted) return byteCount(total[2]!, text);
  }
  for (const line of lines) {
    const proftpd = /^(RETR|STOR|APPE|STOU) .*\((\d+)\)$/.exec(line);
    if (proftpd && verbOf(proftpd[1]!) === verb) return byteCount(proftpd[2]!, text);
  }
  for (const line of lines) {
    const generic = /(?:^|[\s,:])(\d+) (?:of \d+ )?bytes transferred/i.exec(line);
    if (generic) return byteCount(generic[1]!, text);
  }
  return undefined;
}

function verbOf(command: string): TransferVerb {
  return command === 'RETR' ? 'RETR' : 'STOR';
}

function byteCount(digits: string, text: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) {
    throw new FxpError('PROTOCOL', `The STAT reply carries an impossible byte count: ${JSON.stringify(text.slice(0, 120))}`, {
      command: 'STAT',
    });
  }
  return n;
}
