import * as assert from 'assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { scanForSecrets } from '../vscode/secretScan';

describe('scanForSecrets (what the extension-host runs left behind)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fxp-scan-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds each password in nested files, as UTF-8 or UTF-16 (SQLite and LevelDB text), and names the file', () => {
    mkdirSync(join(dir, 'logs', 'exthost'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'exthost', 'FXP.log'), 'PASS ****\nsomething about s3cret-one here\n');
    writeFileSync(join(dir, 'state.vscdb'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('journal: s3cret-two', 'utf16le')]));
    writeFileSync(join(dir, 'clean.json'), '{"fxp.sites": []}');
    const scan = scanForSecrets([dir], ['s3cret-one', 's3cret-two', 'never-there']);
    assert.strictEqual(scan.files, 3);
    assert.deepStrictEqual(scan.hits.map(h => [h.secret, h.file.slice(dir.length)]).sort(), [[0, '/logs/exthost/FXP.log'], [1, '/state.vscdb']]);
  });

  it('skips what it is told to (the browser\'s own storage) and does not follow symbolic links', () => {
    mkdirSync(join(dir, 'chromium-profile'));
    writeFileSync(join(dir, 'chromium-profile', 'Local Storage'), 's3cret-one');
    const outside = mkdtempSync(join(tmpdir(), 'fxp-scan-outside-'));
    try {
      writeFileSync(join(outside, 'f'), 's3cret-one');
      symlinkSync(outside, join(dir, 'link'));
      const scan = scanForSecrets([dir], ['s3cret-one'], f => f.startsWith(join(dir, 'chromium-profile')));
      assert.deepStrictEqual(scan.hits, []);
      assert.strictEqual(scan.files, 0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
