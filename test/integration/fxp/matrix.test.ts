import * as assert from 'assert';
import { FxpError, type Orientation } from '../../../src/fxp';
import { FXP_IDS, NOFXP_IDS, diskSize, putFile, random, readDisk, siteFor, useServers } from '../fixtures';

const SIZE = 1024 * 1024;

describe('FXP between real servers', function () {
  this.timeout(120_000);
  const world = useServers();

  describe('every ordered pair copies byte-exact, server to server', () => {
    for (const from of FXP_IDS) {
      for (const to of FXP_IDS) {
        if (from === to) continue;
        for (const orientation of ['dst-passive', 'src-passive'] as Orientation[]) {
          it(`${from} -> ${to}, ${orientation === 'dst-passive' ? to : from} passive`, async () => {
            const { set, engine } = world;
            const src = set.get(from);
            const dst = set.get(to);
            const data = random(SIZE);
            const name = `/pair-${from}-${to}-${orientation}.bin`;
            putFile(src, name, data);
            const dataBytesBefore = engine.bytes.data;
            const controlBefore = engine.bytes.control;
            const result = await engine.copyFile(siteFor(src), name, siteFor(dst), name, { relay: 'never', orientation });
            assert.strictEqual(result.mode, 'fxp');
            assert.strictEqual(result.orientation, orientation);
            assert.strictEqual(result.bytes, SIZE);
            assert.ok(result.verification.ok, result.verification.detail);
            assert.ok(readDisk(dst, name)?.equals(data), 'bytes on the destination disk differ');
            assert.strictEqual(engine.bytes.data - dataBytesBefore, 0, 'file data passed through the client');
            assert.ok(engine.bytes.control - controlBefore < 64 * 1024, 'control traffic should be a few KB');
          });
        }
      }
    }
  });

  describe('refusals are diagnosed, then relayed only where allowed', () => {
    const SETTING: Record<string, RegExp> = {
      'pure-ftpd-nofxp': /-w\b/,
      'proftpd-nofxp': /AllowForeignAddress on/,
      'vsftpd-nofxp': /(port|pasv)_promiscuous=YES/,
      'pyftpdlib-nofxp': /permit_foreign_addresses = True/,
    };
    const partner = 'pure-ftpd';

    for (const refusing of NOFXP_IDS) {
      for (const direction of ['to', 'from'] as const) {
        const [from, to] = direction === 'to' ? [partner, refusing] : [refusing, partner];

        it(`${from} -> ${to}: --relay never names ${refusing} and its setting, leaves no file`, async () => {
          const { set, engine } = world;
          const name = `/refuse-never-${from}-${to}.bin`;
          putFile(set.get(from), name, random(SIZE));
          await assert.rejects(
            engine.copyFile(siteFor(set.get(from)), name, siteFor(set.get(to)), name, { relay: 'never' }),
            (err: unknown) => {
              assert.ok(err instanceof FxpError, String(err));
              assert.strictEqual(err.code, 'FXP_IMPOSSIBLE');
              assert.strictEqual(err.causes?.length, 2, 'both orientations tried');
              for (const cause of err.causes!) {
                assert.strictEqual(cause.site, refusing, `blamed ${cause.site}: ${cause.describe()}`);
                assert.match(cause.hint ?? '', SETTING[refusing]!);
                assert.ok(cause.reply || cause.code === 'FXP_REFUSED_PASSIVE' || cause.code === 'FXP_DATA_CONNECTION', cause.describe());
              }
              assert.match(err.describe(), /Relay through this machine is off/);
              return true;
            },
          );
          assert.strictEqual(diskSize(set.get(to), name), undefined, 'a failed copy left a file behind');
        });

        it(`${from} -> ${to}: --relay auto completes by relay, byte-exact, with the reason`, async () => {
          const { set, engine } = world;
          const name = `/refuse-auto-${from}-${to}.bin`;
          const data = random(SIZE);
          putFile(set.get(from), name, data);
          const result = await engine.copyFile(siteFor(set.get(from)), name, siteFor(set.get(to)), name, { relay: 'auto' });
          assert.strictEqual(result.mode, 'relay');
          assert.ok(result.verification.ok);
          assert.match(result.relayReason ?? '', SETTING[refusing]!);
          assert.ok(readDisk(set.get(to), name)?.equals(data));
        });
      }
    }
  });
});
