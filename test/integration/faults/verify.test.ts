import * as assert from 'assert';
import type { Orientation } from '../../../src/fxp';
import { assertFailure, chain } from '../../faults/assertions';
import { record } from '../../faults/figures';
import { data, makeEngine, measure, passwordsOf, startNode, type Node } from '../../faults/world';
import { NOFXP_IDS, putFile, readDisk, siteFor, useServers } from '../fixtures';

const RUNS = 3;

/** A server that says 226 for a short or empty file: verification must catch it every time. */
describe('faults: a 226 for a truncated or empty file is caught by verification every time (in-process)', function () {
  this.timeout(120_000);
  let a: Node;
  let b: Node;
  let bNoHash: Node;
  let aNoHash: Node;
  const FILE = data(200 * 1024);

  before(async () => {
    a = await startNode('trunc-src', '127.0.0.223');
    aNoHash = await startNode('trunc-src-nohash', '127.0.0.224', { features: { hash: false } });
    b = await startNode('trunc-dst', '127.0.0.225');
    bNoHash = await startNode('trunc-dst-nohash', '127.0.0.226', { features: { hash: false } });
    a.put('/f.bin', FILE);
    aNoHash.put('/f.bin', FILE);
  });
  after(async () => {
    for (const n of [a, b, aNoHash, bNoHash]) await n?.close();
  });

  let tried = 0;
  let caught = 0;
  after(() => record.number('truncated-226 copies caught by verification', `${caught}/${tried}`));

  for (const at of [0, 100 * 1024]) {
    for (const hash of [true, false]) {
      for (const orientation of ['dst-passive', 'src-passive'] as Orientation[]) {
        for (const relay of ['never', 'auto'] as const) {
          it(`source sends ${at} of ${FILE.length} bytes and says 226; ${hash ? 'SHA-256' : 'SIZE'} check; ${orientation}; relay ${relay}: never reported complete, no file left`, async () => {
            const src = hash ? a : aNoHash;
            const dst = hash ? b : bNoHash;
            src.server.faults.truncateRetrAt = at;
            try {
              for (let i = 0; i < RUNS; i++) {
                tried++;
                const { engine } = makeEngine(passwordsOf(src, dst));
                const name = `/trunc-${at}-${hash}-${orientation}-${relay}-${i}.bin`;
                const run = await measure(engine.copyFile(src.site, '/f.bin', dst.site, name, { relay, orientation }));
                engine.close();
                assert.ok(!run.value, `run ${i}: a ${at}-byte copy of a ${FILE.length}-byte file was reported complete (${JSON.stringify(run.value?.verification)})`);
                const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'VERIFY_FAILED'] }, `run ${i}`);
                assert.ok(chain(err).some(e => e.code === 'VERIFY_FAILED'), `run ${i}: not caught by verification: ${err.describe()}`);
                assert.strictEqual(dst.size(name), undefined, `run ${i}: the short file stayed on the destination`);
                caught++;
              }
            } finally {
              src.server.faults.truncateRetrAt = undefined;
            }
          });
        }
      }
    }
  }
});

/**
 * Real servers: the passive side refuses FXP while the active destination connects, finds nothing
 * and answers 226 with a 0-byte file (measured on all four makes in TESTING.md).
 */
describe('faults: the active destination\'s 226 with a 0-byte file when the passive source refuses (real servers)', function () {
  this.timeout(120_000);
  const DESTINATIONS = ['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib'];
  const world = useServers([...DESTINATIONS, ...NOFXP_IDS]);
  before(() => { for (const s of world.set.servers) record.secret(s.password); });
  let tried = 0;
  let clean = 0;
  after(() => record.number('0-byte 226 (passive side refused, real servers): caught', `${clean}/${tried}`));

  for (const refusing of NOFXP_IDS) {
    for (const dst of DESTINATIONS) {
      if (refusing.startsWith(dst)) continue;
      it(`${refusing} (passive, refusing) -> ${dst} (active): an error, and ${dst} keeps no file`, async () => {
        const { set } = world;
        const { engine, log } = makeEngine(site => set.get(site.name).password);
        const name = `/zero-${refusing}-${dst}.bin`;
        putFile(set.get(refusing), name, data(64 * 1024));
        tried++;
        const run = await measure(engine.copyFile(siteFor(set.get(refusing)), name, siteFor(set.get(dst)), name, { relay: 'never', orientation: 'src-passive' }), 60_000);
        engine.close();
        assert.ok(!run.value, `reported complete: ${JSON.stringify(run.value?.verification)}`);
        const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE'], site: refusing });
        const saw226 = log.some(l => new RegExp(`${dst} < 226`).test(l));
        assert.strictEqual(readDisk(set.get(dst), name), undefined, `${dst} kept a file (${saw226 ? 'after its 226' : 'no 226 seen'}): ${err.describe()}`);
        clean++;
      });
    }
  }
});
