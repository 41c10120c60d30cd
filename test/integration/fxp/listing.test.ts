import * as assert from 'assert';
import { FXP_IDS, makeDir, putFile, random, siteFor, useServers } from '../fixtures';

describe('listing on real servers', function () {
  this.timeout(60_000);
  const world = useServers(FXP_IDS);

  for (const id of FXP_IDS) {
    it(`${id}: lists files, folders and sizes (${id === 'vsftpd' ? 'LIST fallback: no MLSD' : 'MLSD'})`, async () => {
      const server = world.set.get(id);
      makeDir(server, '/listing/sub folder');
      putFile(server, '/listing/a file.bin', random(1234));
      putFile(server, '/listing/ünïcode.txt', random(7));
      const { entries, dropped } = await world.engine.list(siteFor(server), '/listing');
      const byName = new Map(entries.map(e => [e.name, e]));
      assert.deepStrictEqual([...byName.keys()].sort(), ['a file.bin', 'sub folder', 'ünïcode.txt'].sort());
      assert.strictEqual(byName.get('sub folder')!.kind, 'dir');
      assert.strictEqual(byName.get('a file.bin')!.kind, 'file');
      assert.strictEqual(byName.get('a file.bin')!.size, 1234);
      assert.ok(byName.get('a file.bin')!.modified instanceof Date);
      assert.deepStrictEqual(dropped, []);
      const usedMlsd = world.log.some(line => line.startsWith(`${id} > MLSD`));
      assert.strictEqual(usedMlsd, id !== 'vsftpd');
    });
  }

  it('copies a file whose name has spaces and unicode, byte-exact', async () => {
    const src = world.set.get('pure-ftpd');
    const dst = world.set.get('proftpd');
    const data = random(4096);
    putFile(src, '/name with spaces ü.bin', data);
    const result = await world.engine.copyFile(siteFor(src), '/name with spaces ü.bin', siteFor(dst), '/name with spaces ü.bin', { relay: 'never' });
    assert.strictEqual(result.mode, 'fxp');
    assert.ok(require('fs').readFileSync(dst.diskPath('/name with spaces ü.bin')).equals(data));
  });

  it('keeps every password out of the transcript', () => {
    for (const id of FXP_IDS) {
      const password = world.set.get(id).password;
      assert.ok(!world.log.some(line => line.includes(password)), `${id}'s password appears in the log`);
    }
    assert.ok(world.log.some(line => / > PASS \*\*\*\*$/.test(line)));
  });
});
