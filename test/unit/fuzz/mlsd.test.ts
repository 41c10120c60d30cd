import * as assert from 'assert';
import { parseList } from 'basic-ftp';
import * as fc from 'fast-check';
import { toEntries } from '../../../src/fxp/listing';
import { parseMlsd } from '../../../src/fxp/mlsd';
import { REAL_LIST, REAL_MLSD, counted, ftpishText, mutated, runs } from '../../faults/fuzz';

/**
 * The engine's own MLSD parser (src/fxp/mlsd.ts) against basic-ftp's: wherever basic-ftp reads a listing as MLSD
 * without failing, both give the same entries. (Where basic-ftp fails as a whole, the engine drops the bad lines,
 * as its tolerant parser always did.)
 */
describe('fuzz: the engine\'s MLSD parser gives what basic-ftp\'s gives', function () {
  this.timeout(120_000);
  const now = new Date('2026-01-01T00:00:00Z');

  function same(raw: string): void {
    const ours = parseMlsd(raw);
    if (!ours) return;
    let theirs;
    try {
      theirs = parseList(raw);
    } catch {
      return;
    }
    assert.strictEqual(ours.failed, 0, `a line failed that basic-ftp read: ${JSON.stringify(raw.slice(0, 200))}`);
    assert.deepStrictEqual(toEntries(ours.infos, now), toEntries(theirs, now), JSON.stringify(raw.slice(0, 300)));
  }

  it('real listings', () => {
    same(REAL_MLSD.join('\r\n'));
    assert.strictEqual(parseMlsd(REAL_LIST.join('\r\n')), undefined, 'LIST output is not taken for MLSD');
    const big = Array.from({ length: 2000 }, (_, i) => `type=file;size=${i};modify=20261121085857;UNIX.mode=0644;UNIX.uid=2121;UNIX.gid=2121;unique=803g${i}; entry-${i}`);
    same(big.join('\r\n'));
  });

  it('mutated and random listings', () => {
    const lines = fc.array(fc.oneof(mutated(REAL_MLSD), ftpishText, fc.constantFrom(...REAL_MLSD)), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(lines, fc.constantFrom('\r\n', '\n'), counted('listing: engine MLSD parser vs basic-ftp', (ls, eol) => same(ls.join(eol) + eol))),
      { numRuns: runs(10_000) });
  });
});
