import * as assert from 'assert';
import { FxpError } from '../../../src/fxp';
import { chain } from '../../faults/assertions';
import { record } from '../../faults/figures';
import { data, makeEngine, measure, settle, startNode, type Node, type Timed } from '../../faults/world';
import { diskSize, putFile, readDisk, siteFor, useServers } from '../fixtures';

/**
 * A real server killed (SIGKILL, whole process tree) in the middle of an FXP copy, then restarted.
 * The other side is the in-process server, throttled so that the copy lasts long enough to be cut.
 * Each kill must end in a clear error within seconds; no file is left that looks complete without
 * being reported; after the restart the copy resumes from what is there and ends byte-exact.
 */
describe('faults: a real server killed mid-transfer, then restarted', function () {
  this.timeout(120_000);
  const REAL = ['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib'];
  const world = useServers(REAL);
  before(() => { for (const s of world.set.servers) record.secret(s.password); });
  const SIZE = 6 * 1024 * 1024;
  const FILE = data(SIZE);
  const RATE = 1024 * 1024;
  let peer: Node;

  before(async () => {
    peer = await startNode('kill-peer', '127.0.0.229');
    peer.put('/f.bin', FILE);
  });
  after(async () => {
    await peer?.close();
  });

  interface Outcome { run: Timed<unknown>; left?: number; name: string }

  for (const id of REAL) {
    for (const role of ['destination', 'source'] as const) {
      const outcome: Partial<Outcome> = {};

      it(`${id} killed as ${role}: a clear error naming ${id} within seconds, not a success`, async () => {
        const { set } = world;
        const server = set.get(id);
        const real = siteFor(server);
        const name = `/killed-${role}-${id}.bin`;
        outcome.name = name;
        if (role === 'source') putFile(server, name, FILE);
        // Throttle the in-process side: it sends (as source) or receives (as destination) at 1 MiB/s.
        peer.server.faults.rateBytesPerSec = RATE;
        const { engine, log } = makeEngine(site => (site.name === id ? server.password : peer.password));
        try {
          const copying = role === 'destination'
            ? engine.copyFile(peer.site, '/f.bin', real, name, { relay: 'never' })
            : engine.copyFile(real, name, peer.site, name, { relay: 'never' });
          const growing = () => (role === 'destination' ? diskSize(server, name) ?? 0 : peer.size(name) ?? 0);
          assert.ok(await settle(() => growing() >= 512 * 1024, 15_000), `the copy never got going: ${log.slice(-5).join(' | ')}`);
          const killedAt = Date.now();
          await set.kill(id);
          const run = await measure(copying, 30_000);
          run.ms = Date.now() - killedAt;
          outcome.run = run;
          record.number(`kill ${id} as ${role}: ms from kill to error`, run.ms);
          assert.notStrictEqual(run.error, 'HUNG', `no end 30 s after ${id} was killed`);
          assert.ok(!run.value, `a copy whose ${role} was killed mid-way was reported complete`);
          assert.ok(run.error instanceof FxpError, String(run.error));
          assert.ok(chain(run.error).some(e => e.site === id), `${id} is not named: ${run.error.describe()}`);
          assert.ok(run.ms < 10_000, `${run.ms} ms from the kill to the error`);
          outcome.left = role === 'destination' ? diskSize(server, name) : peer.size(name);
        } finally {
          peer.server.faults.rateBytesPerSec = undefined;
          engine.close();
          if (server.pid() === undefined) await set.restart(id);
        }
      });

      it(`${id} killed as ${role}: a partial file left behind is removed or reported, with its size`, () => {
        assert.ok(outcome.run, 'the kill case did not run');
        if (outcome.left === undefined) return;
        const err = outcome.run.error as FxpError;
        const partial = chain(err).map(e => e.partial).find(p => p !== undefined);
        assert.ok(partial, `${outcome.left} bytes of ${SIZE} are left at ${outcome.name} on the destination, but the error does not say so: ${err.describe()}`);
        assert.strictEqual(partial.path, outcome.name);
        if (role === 'destination') {
          // The destination is gone: its size can only be the last one seen (or unknown), never more than what is there.
          assert.ok(partial.bytes === undefined || partial.bytes <= outcome.left, `reported ${partial.bytes} bytes, ${outcome.left} on disk`);
        } else {
          assert.strictEqual(partial.bytes, outcome.left, 'the destination is up: the size left there can be measured');
        }
      });

      it(`${id} killed as ${role}: after the restart, the copy resumes from the partial file and ends byte-exact`, async () => {
        const { set } = world;
        const server = set.get(id);
        const name = outcome.name!;
        const real = siteFor(server);
        const { engine, log } = makeEngine(site => (site.name === id ? server.password : peer.password), { commandTimeoutMs: 10_000 });
        try {
          const have = (role === 'destination' ? diskSize(server, name) : peer.size(name)) ?? 0;
          assert.ok(have < SIZE, 'a killed copy left a complete file');
          // REST on the source, APPE on the destination: every server here takes APPE, not all take REST+STOR.
          const opts = { relay: 'never' as const, restartAt: have, append: have > 0 };
          const result = role === 'destination'
            ? await engine.copyFile(peer.site, '/f.bin', real, name, opts)
            : await engine.copyFile(real, name, peer.site, name, opts);
          assert.ok(result.verification.ok, result.verification.detail);
          const copy = role === 'destination' ? readDisk(server, name) : peer.read(name);
          assert.ok(copy?.equals(FILE), `resumed copy differs (resumed at ${have}): ${log.filter(l => /warn/.test(l)).join(' | ')}`);
          record.number(`kill ${id} as ${role}: resumed at byte`, have);
        } finally {
          engine.close();
        }
      });
    }
  }
});
