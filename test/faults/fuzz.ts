/**
 * Shared pieces for the fuzz tests (test/unit/fuzz): a corpus of real server output (texts from
 * /work/shared/TESTING.md, test/ftpd/README.md and the servers in test/harness), a mutation
 * arbitrary, a time bound per run, and an iteration counter reported at the end of the run.
 */
import * as fc from 'fast-check';
import { record } from './figures';

/** Real replies as the servers send them (CRLF line endings). */
export const REAL_REPLIES: string[] = [
  '220 FXP test ftpd ready.',
  '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 08:40. Server port: 2121.\r\n220-IPv6 connections are also welcome on this server.\r\n220 You will be disconnected after 5 minutes of inactivity.',
  '220 ProFTPD Server (Debian) [127.0.0.23]',
  '220 (vsFTPd 3.0.3)',
  '220 pyftpdlib 1.5.7 ready.',
  '331 Password required for alice.',
  '331 Please specify the password.',
  '230 User alice logged in.',
  '230 OK. Current directory is /',
  '230-Your bandwidth usage is restricted\r\n230 OK. Current restricted directory is /',
  '530 Login incorrect.',
  '530 Login authentication failed',
  '227 Entering Passive Mode (127,0,0,2,117,95)',
  '227 Entering Passive Mode (127,0,0,23,117,95).',
  '227 Entering passive mode (127,0,0,25,78,33).',
  '229 Extended Passive mode OK (|||30007|)',
  '229 Entering Extended Passive Mode (|||30212|)',
  '229 Entering extended passive mode (|||30495|).',
  '200-FXP transfer: from 127.0.0.1 to 127.0.0.2\r\n200 PORT command successful',
  '200 PORT command successful. Consider using PASV.',
  '200 Active data connection established.',
  '500 I won\'t open a connection to 127.0.0.2 (only to 127.0.0.1)',
  '500 Illegal PORT command',
  '501 Rejected data connection to foreign address 127.0.0.2:30035.',
  '425 Unable to build data connection: Permission denied',
  '425 Security: Bad IP connecting.',
  '150 Accepted data connection',
  '150 Opening BINARY mode data connection for /f.bin (1234 bytes)',
  '125 Data connection already open. Transfer starting.',
  '226-File successfully transferred\r\n226 0.002 seconds (measured here), 512.00 Mbytes per second',
  '226 Transfer complete.',
  '426 Failure reading network stream.',
  '522 SSL connection failed; session reuse required',
  '211-Features:\r\n AUTH TLS\r\n CPSV\r\n EPRT\r\n EPSV\r\n HASH SHA-256*;SHA-1;MD5\r\n MDTM\r\n MFMT\r\n MLST type*;size*;modify*;perm*;\r\n PBSZ\r\n PRET\r\n PROT\r\n REST STREAM\r\n SIZE\r\n SSCN\r\n TVFS\r\n UTF8\r\n211 End',
  '211-Features:\r\n MDTM\r\n MFMT\r\n TVFS\r\n LANG en-US*\r\n MFF modify;UNIX.group;UNIX.mode;\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;\r\n REST STREAM\r\n SIZE\r\n HASH SHA-1;SHA-256*;SHA-512;MD5;CRC32\r\n XCRC filename;start;end\r\n XMD5 filename;start;end\r\n XSHA1 filename;start;end\r\n XSHA256 filename;start;end\r\n211 End',
  '211-Extensions supported:\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n MFMT\r\n REST STREAM\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n MLSD\r\n PRET\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n UTF8\r\n TVFS\r\n ESTA\r\n PASV\r\n EPSV\r\n ESTP\r\n211 End.',
  '211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End',
  '213 SHA-256 0-1023 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 /f.bin',
  '250 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08',
  '213 1048576',
  '213 20241121084000',
  '257 "/" is the current directory',
  '257 "/a ""quoted"" dir" created',
  '421 Too many connections (8) from this IP',
  '421 Timeout.',
  '550 /missing.bin: No such file or directory',
  '553 Could not create file.',
  '452 Insufficient storage space',
];

/** Real listing lines: MLSD (pure-ftpd, ProFTPD, pyftpdlib, ours) and LIST (ls -l style, DOS). */
export const REAL_MLSD: string[] = [
  'type=cdir;sizd=4096;modify=20241121084000;UNIX.mode=0755;UNIX.uid=2121;UNIX.gid=2121;unique=803g2; .',
  'type=pdir;sizd=4096;modify=20241121084000;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=803g1; ..',
  'type=file;size=1048576;modify=20241121084012;UNIX.mode=0644;UNIX.uid=2121;UNIX.gid=2121;unique=803g5; pair.bin',
  'modify=20241121084000;perm=flcdmpe;type=dir;unique=FD01U1A2B;UNIX.group=2121;UNIX.mode=0755;UNIX.owner=2121; sub folder',
  'modify=20241121084012;perm=adfrw;size=7;type=file;unique=FD01U1A2C;UNIX.group=2121;UNIX.mode=0644;UNIX.owner=2121; ünïcode.txt',
  'type=file;size=1234;modify=20241121084012;perm=r; a file.bin',
  'type=OS.unix=symlink;size=9;modify=20241121084012; link',
  'type=file;size=0;modify=20241121084012.123; empty',
];

export const REAL_LIST: string[] = [
  'drwxr-xr-x    2 2121     2121         4096 Nov 21 08:40 sub folder',
  '-rw-r--r--    1 2121     2121         1234 Nov 21 08:40 a file.bin',
  '-rw-r--r--   1 ftp      ftp       1048576 Jan  3  2024 old.bin',
  'lrwxrwxrwx   1 ftp      ftp             9 Nov 21 08:40 link -> target',
  '-rw-r--r-- 1 fxptest fxptest 7 Nov 21 08:40 ünïcode.txt',
  '11-21-24  08:40AM       <DIR>          dosdir',
  '11-21-24  08:40AM                 1234 dosfile.bin',
];

/** Characters hostile servers like: line breaks, NUL, separators, quotes, escapes, non-ASCII. */
const NASTY = ['\r', '\n', '\r\n', '\0', '/', '\\', '.', '..', ' ', '-', ',', '(', ')', '|', '"', ';', '=', '*', '\x1b', '\x7f', '\u202e', '\ufffd', 'ü', '𝄞', '9', '0', '255', '256', '999', '65535', '65536', '2', '-', '211 ', '226-', '\t'];

const nastyChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 8 }) },
);

type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'replace'; at: number; text: string }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: nastyChar }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: nastyChar }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }), times: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(base: string, m: Mutation): string {
  const at = base.length === 0 ? 0 : m.at % (base.length + 1);
  switch (m.op) {
    case 'insert': return base.slice(0, at) + m.text + base.slice(at);
    case 'delete': return base.slice(0, at) + base.slice(at + m.length);
    case 'replace': return base.slice(0, at) + m.text + base.slice(at + m.text.length);
    case 'duplicate': return base.slice(0, at) + base.slice(at, at + m.length).repeat(m.times + 1) + base.slice(at + m.length);
    case 'truncate': return base.slice(0, at);
  }
}

/** A real sample with 0-6 random mutations. */
export function mutated(samples: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { maxLength: 6 }))
    .map(([base, ms]) => ms.reduce(apply, base));
}

/** Random text made of FTP-ish tokens and nasty characters. */
export const ftpishText: fc.Arbitrary<string> = fc.array(fc.oneof(
  nastyChar,
  fc.constantFrom('220', '226', '150', '227', '229', '211', '550', '-', ' ', 'Entering Passive Mode', '(|||', '|)', '(127,0,0,1,', 'type=file;', 'size=', 'modify=', '; ', 'drwxr-xr-x 1 ftp ftp 0 Jan 1 2024 '),
), { maxLength: 60 }).map(parts => parts.join(''));

/** Splits text into chunks at arbitrary points (the way TCP delivers it). */
export function chunked(text: fc.Arbitrary<string>): fc.Arbitrary<{ text: string; chunks: string[] }> {
  return fc.tuple(text, fc.array(fc.nat(), { maxLength: 12 })).map(([t, cuts]) => {
    const points = [...new Set(cuts.map(c => (t.length === 0 ? 0 : c % t.length)))].sort((a, b) => a - b);
    const chunks: string[] = [];
    let last = 0;
    for (const p of points) {
      if (p > last) chunks.push(t.slice(last, p));
      last = Math.max(last, p);
    }
    chunks.push(t.slice(last));
    return { text: t, chunks };
  });
}

/** Counts every run of every property, per suite, for the closing figures. */
export function counted<A extends unknown[]>(suite: string, body: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    record.fuzz(suite);
    body(...args);
  };
}

/** Fails a run that takes longer than `ms` (a parser that backtracks or loops). */
/** Catastrophic slowness (regex backtracking, quadratic loops), not speed: bounds are generous so a GC pause never fails a run. */
export function timed<T>(ms: number, what: string, fn: () => T): T {
  const started = process.hrtime.bigint();
  try {
    return fn();
  } finally {
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (elapsed > ms) throw new Error(`${what} took ${elapsed.toFixed(1)} ms (bound ${ms} ms)`);
  }
}

/** The run count: FXP_FUZZ_RUNS overrides every property's default (e.g. 100000 for a long soak). */
export function runs(defaultRuns: number): number {
  const env = Number(process.env.FXP_FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : defaultRuns;
}
