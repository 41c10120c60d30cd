import * as assert from 'assert';
import type { FileInfo } from 'basic-ftp';
import * as fc from 'fast-check';
import { FtpConnection, type ConnectOptions } from '../../../src/fxp/connection';
import { FxpError } from '../../../src/fxp/errors';
import { isUnsafeName, joinPath, parseUnixListDate, toEntries } from '../../../src/fxp/listing';
import { makeSite, type Site } from '../../../src/fxp/site';
import { REAL_LIST, REAL_MLSD, counted, ftpishText, mutated, runs, timed } from '../../faults/fuzz';

/** basic-ftp's own refusal of a listing format it does not know: the one error a listing may end in. */
const FORMAT_REFUSAL = /only supports MLSD, Unix- or DOS-style directory listing/;

/**
 * The listing parser exactly as an engine connection is configured with it (FtpConnection.list runs
 * basic-ftp's client.list, which parses with client.parseList): taken from a connection object that
 * is never connected, so that a parser the engine installs there is the one fuzzed.
 */
function engineParser(): (raw: string) => FileInfo[] {
  const Ctor = FtpConnection as unknown as new (site: Site, opts: ConnectOptions) => FtpConnection;
  const conn = new Ctor(makeSite({ host: '127.0.0.1' }, 'fuzz'), { password: 'unused', logger: () => undefined });
  const parse = conn.client.parseList.bind(conn.client);
  conn.client.close();
  return parse;
}
const parseList = engineParser();

/**
 * The listing pipeline as the engine runs it (parser above, then toEntries). Returns undefined when
 * the listing was refused as a whole: basic-ftp's format error, or a typed PROTOCOL error.
 */
function pipeline(raw: string): ReturnType<typeof toEntries> | undefined {
  let infos: FileInfo[];
  try {
    infos = timed(2_000, 'parseList', () => parseList(raw));
  } catch (err) {
    if (err instanceof Error && FORMAT_REFUSAL.test(err.message)) return undefined;
    if (err instanceof FxpError && err.code === 'PROTOCOL') return undefined;
    throw new Error(`a listing line made the parser throw ${(err as Error)?.name}: ${(err as Error)?.message} (listing ${JSON.stringify(raw.slice(0, 300))})`);
  }
  return timed(2_000, 'toEntries', () => toEntries(infos));
}

function checkEntries(out: ReturnType<typeof toEntries>): void {
  for (const e of out.entries) {
    assert.ok(!isUnsafeName(e.name), `unsafe name kept: ${JSON.stringify(e.name)}`);
    assert.ok(!/[/\r\n\0]/.test(e.name) && e.name !== '.' && e.name !== '..' && e.name !== '', JSON.stringify(e.name));
    assert.ok(['file', 'dir', 'link'].includes(e.kind), e.kind);
    assert.ok(Number.isSafeInteger(e.size) && e.size >= 0, `entry ${JSON.stringify(e.name)} has size ${e.size}`);
    if (e.modified !== undefined) assert.ok(!Number.isNaN(e.modified.getTime()), `invalid date on ${JSON.stringify(e.name)}`);
    // A name the engine keeps can be joined into a path under the folder without escaping it.
    const joined = joinPath('/folder', e.name);
    assert.strictEqual(joined, `/folder/${e.name}`);
  }
  for (const d of out.dropped) assert.doesNotMatch(d, /[\r\n\0]/, 'dropped names are reported escaped (JSON)');
}

/** Names a hostile server would love to see used in a command. */
const hostileName = fc.oneof(
  fc.constantFrom('..', '.', '../../etc/passwd', 'a/b', '/abs', 'x\r\nDELE /important', 'nul\0name', '-rf', '--help', ' lead', 'trail ',
    '\x1b[2J\x1b]0;pwned\x07', '\u202etxt.exe', 'ü€𝄞', '\ufffd\ufffd', 'a'.repeat(300), 'x'.repeat(5000), '..\\..\\win', 'con', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const size = fc.oneof(fc.nat().map(String), fc.constantFrom('-5', 'abc', '99999999999999999999999', '', '1e3', '0x10', 'NaN'));
const modify = fc.oneof(fc.constantFrom('20241121084000', '20241121084000.123', 'garbage', '20241399999999', '99999999999999', '2024', '', '20240101000000.xyz'),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }));

const mlsdLine = fc.tuple(fc.constantFrom('file', 'dir', 'cdir', 'pdir', 'OS.unix=symlink', 'weird'), size, modify, hostileName)
  .map(([type, sz, mod, name]) => `type=${type};size=${sz};modify=${mod};perm=adfrw; ${name}`);
const listLine = fc.tuple(fc.constantFrom('-rw-r--r--', 'drwxr-xr-x', 'lrwxrwxrwx', 'crw-------', '?---------'), size,
  fc.constantFrom('Nov 21 08:40', 'Jan  3  2024', 'Foo 1 2024', 'Jan 45 99:99', 'Dec 31 23:59'), hostileName)
  .map(([mode, sz, date, name]) => `${mode}    1 ftp      ftp  ${sz} ${date} ${name}`);

function listing(lines: fc.Arbitrary<string>, real: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.array(fc.oneof(lines, mutated(real)), { maxLength: 12 }), fc.constantFrom('\r\n', '\n')).map(([ls, eol]) => ls.join(eol) + eol);
}

describe('fuzz: MLSD and LIST listings (the engine connection\'s parseList, then toEntries)', function () {
  this.timeout(120_000);

  it('real listings parse into the expected safe entries', () => {
    const mlsd = pipeline(REAL_MLSD.join('\r\n'))!;
    assert.deepStrictEqual(mlsd.entries.map(e => e.name).sort(), ['a file.bin', 'empty', 'link', 'pair.bin', 'sub folder', 'ünïcode.txt']);
    const list = pipeline(REAL_LIST.slice(0, 5).join('\r\n'))!;
    assert.deepStrictEqual(list.entries.map(e => e.name).sort(), ['a file.bin', 'link', 'old.bin', 'sub folder', 'ünïcode.txt']);
  });

  it('MLSD with hostile names, sizes and dates: only the format error, every kept entry safe', () => {
    fc.assert(fc.property(listing(mlsdLine, REAL_MLSD), counted('listing: MLSD', raw => {
      const out = pipeline(raw);
      if (out) checkEntries(out);
    })), { numRuns: runs(10_000) });
  });

  it('LIST (ls -l and DOS) with hostile names, sizes and dates: only the format error, every kept entry safe', () => {
    fc.assert(fc.property(listing(listLine, REAL_LIST), counted('listing: LIST', raw => {
      const out = pipeline(raw);
      if (out) checkEntries(out);
    })), { numRuns: runs(10_000) });
  });

  it('random bytes and mutated listings: only the format error, every kept entry safe', () => {
    const input = fc.oneof(ftpishText, fc.string({ unit: 'binary', maxLength: 400 }), mutated([REAL_MLSD.join('\r\n'), REAL_LIST.join('\r\n')]));
    fc.assert(fc.property(input, counted('listing: random + mutated', raw => {
      const out = pipeline(raw);
      if (out) checkEntries(out);
    })), { numRuns: runs(10_000) });
  });

  it('isUnsafeName / joinPath: a name that is joined never leaves the folder or breaks the command line', () => {
    fc.assert(fc.property(hostileName, counted('joinPath', name => {
      let joined: string;
      try {
        joined = joinPath('/folder', name);
      } catch {
        assert.ok(isUnsafeName(name));
        return;
      }
      assert.ok(joined.startsWith('/folder/'));
      const rest = joined.slice('/folder/'.length);
      assert.ok(!rest.includes('/') && rest !== '..' && rest !== '.' && !/[\r\n\0]/.test(rest), JSON.stringify(rest));
    })), { numRuns: runs(10_000) });
  });

  it('parseUnixListDate: never an invalid date', () => {
    const raw = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 20 }),
      fc.tuple(fc.constantFrom('Jan', 'feb', 'DEC', 'Foo'), fc.integer({ min: 0, max: 99 }), fc.oneof(fc.integer({ min: 0, max: 99999 }).map(String), fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([h, m]) => `${h}:${String(m).padStart(2, '0')}`)))
        .map(([mo, d, t]) => `${mo} ${d} ${t}`));
    fc.assert(fc.property(raw, counted('parseUnixListDate', text => {
      const d = parseUnixListDate(text, new Date(Date.UTC(2024, 10, 21)));
      if (d !== undefined) assert.ok(!Number.isNaN(d.getTime()), `invalid date from ${JSON.stringify(text)}`);
    })), { numRuns: runs(10_000) });
  });
});
