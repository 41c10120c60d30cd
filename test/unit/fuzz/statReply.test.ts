import * as assert from 'assert';
import * as fc from 'fast-check';
import { FxpError } from '../../../src/fxp/errors';
import { parseStatTransferBytes, type TransferVerb } from '../../../src/fxp/statReply';
import { REAL_REPLIES, counted, ftpishText, mutated, runs, timed } from '../../faults/fuzz';

/** STAT answers as the servers measured here send them (TESTING.md and the STAT probe of this change). */
const PYFTPDLIB_STOR = [
  '211-FTP server status:', ' Connected to: 127.0.0.85:2121', ' Logged in as: fxptest', ' TYPE: Binary; STRUcture: File; MODE: Stream',
  ' Data connection open:', ' Total bytes sent: 0', ' Total bytes received: 393216', ' Transfer elapsed time: 0.8041491280000628 secs',
  '211 End of status.',
].join('\n');
const PYFTPDLIB_RETR = PYFTPDLIB_STOR.replace('sent: 0', 'sent: 16384000').replace('received: 393216', 'received: 0');
const PYFTPDLIB_IDLE = ['211-FTP server status:', ' Connected to: 127.0.0.85:2121', ' Logged in as: fxptest', ' Data connection closed.', '211 End of status.'].join('\n');
const PROFTPD_STOR = [
  "211-Status of 'FXP test proftpd'", ' Connected from 127.0.0.1 (127.0.0.1)', ' Logged in as fxptest', ' TYPE: BINARY, STRUcture: File, Mode: Stream',
  ' Total bytes transferred for session: 1114112', ' Passive data transfer from from 127.0.0.1 port 49434', ' STOR /probe.bin (458752)', '211 End of status',
].join('\n');
const PROFTPD_IDLE = ["211-Status of 'FXP test proftpd'", ' Logged in as fxptest', ' Total bytes transferred for session: 67108864', ' No data connection', '211 End of status'].join('\n');
const VSFTPD_IDLE = ['211-FTP server status:', '     Connected to 127.0.0.1', '     Logged in as fxptest', '     TYPE: BINARY', '     vsFTPd 3.0.3 - secure, fast, stable', '211 End of status'].join('\n');
const SAMPLES = [PYFTPDLIB_STOR, PYFTPDLIB_RETR, PYFTPDLIB_IDLE, PROFTPD_STOR, PROFTPD_IDLE, VSFTPD_IDLE,
  '213 Status: RETR in progress, 123456 bytes transferred.', '213 Status: 1234 of 5678 bytes transferred', '500 Unknown command'];

/** A figure, undefined, or a typed error; anything else thrown fails. */
function parsed(text: string, verb: TransferVerb): number | undefined {
  try {
    return timed(2_000, 'parseStatTransferBytes', () => parseStatTransferBytes(text, verb));
  } catch (err) {
    if (err instanceof FxpError && err.code === 'PROTOCOL') return undefined;
    throw err;
  }
}

describe('STAT answers during a transfer (parseStatTransferBytes)', function () {
  this.timeout(120_000);

  it('reads the figure of the running transfer from each server\'s answer, in the right direction', () => {
    assert.strictEqual(parseStatTransferBytes(PYFTPDLIB_STOR, 'STOR'), 393216);
    assert.strictEqual(parseStatTransferBytes(PYFTPDLIB_RETR, 'RETR'), 16384000);
    assert.strictEqual(parseStatTransferBytes(PROFTPD_STOR, 'STOR'), 458752, 'the transfer, not the session total');
    assert.strictEqual(parseStatTransferBytes('213 Status: RETR in progress, 123456 bytes transferred.', 'RETR'), 123456);
    assert.strictEqual(parseStatTransferBytes('213 Status: 1234 of 5678 bytes transferred', 'STOR'), 1234);
    assert.strictEqual(parseStatTransferBytes(PROFTPD_STOR.replace('STOR /probe.bin', 'APPE /probe.bin'), 'STOR'), 458752);
  });

  it('finds no figure where the answer has none for this transfer', () => {
    for (const [text, verb] of [
      [PYFTPDLIB_IDLE, 'RETR'], [PROFTPD_IDLE, 'RETR'], [PROFTPD_IDLE, 'STOR'], [VSFTPD_IDLE, 'STOR'],
      [PROFTPD_STOR, 'RETR'], ['500 Unknown command', 'RETR'], ['', 'STOR'], ['211 End of status', 'RETR'],
      ['211-x\n RETR /a (12\n211 End', 'RETR'], ['211-x\n RETR /a (-12)\n211 End', 'RETR'],
    ] as [string, TransferVerb][]) {
      assert.strictEqual(parseStatTransferBytes(text, verb), undefined, JSON.stringify(text));
    }
  });

  it('a figure that cannot be a byte count is a PROTOCOL error, not a number', () => {
    for (const text of ['213 Status: RETR in progress, 99999999999999999999999 bytes transferred.', '211-s\n Total bytes sent: 9007199254740993\n211 End']) {
      assert.throws(() => parseStatTransferBytes(text, 'RETR'), (err: unknown) => err instanceof FxpError && err.code === 'PROTOCOL');
    }
  });

  it('fuzz: random, mutated and oversized answers give a safe integer, undefined or a PROTOCOL error, quickly', () => {
    const input = fc.tuple(
      fc.oneof(
        mutated(SAMPLES),
        mutated(REAL_REPLIES),
        ftpishText,
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.array(fc.oneof(fc.constant(' Total bytes sent: '), fc.constant(' STOR /f ('), fc.constant(')'), fc.constant(' bytes transferred'),
          fc.constant(' of '), fc.constant('\n'), fc.stringMatching(/^\d{1,30}$/), fc.constant('(')), { maxLength: 60 }).map(a => `211-${a.join('')}\n211 End`),
      ),
      fc.constantFrom<TransferVerb>('RETR', 'STOR'),
    );
    fc.assert(fc.property(input, counted('parseStatTransferBytes', ([text, verb]) => {
      const n = parsed(text, verb);
      if (n !== undefined) assert.ok(Number.isSafeInteger(n) && n >= 0, `figure ${n}`);
    })), { numRuns: runs(20_000) });
  });

  it('pathological lines (64 KB of digits and parentheses) are parsed in linear time', () => {
    for (const body of ['1'.repeat(65_000), '(1'.repeat(30_000), 'RETR '.concat('(1'.repeat(30_000)), '1 '.repeat(30_000), 'RETR ('.concat('1'.repeat(60_000))]) {
      for (const verb of ['RETR', 'STOR'] as TransferVerb[]) parsed(`211-${body}\n211 End`, verb);
    }
  });
});
