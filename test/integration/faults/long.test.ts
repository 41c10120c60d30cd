import * as assert from 'assert';
import { getEventListeners } from 'events';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import type { CopyResult } from '../../../src/fxp';
import { record } from '../../faults/figures';
import { data, makeEngine, settle, socketFds, startNode, type Node } from '../../faults/world';

/** The 10,000-file job of the fault matrix; FXP_LONG_FILES=N for a shorter (or longer) run while developing. */
const FILES = Number(process.env.FXP_LONG_FILES) || 10_000;
const PARALLEL = 4;
const FILE_SIZE = 1024;
const PER_FOLDER = 500;

/**
 * A long job: FILES small files copied by repeated copyFile, PARALLEL at a time (a promise pool),
 * between two in-process servers. Every file verified, then compared on disk. No socket, listener or
 * handle left over; memory sampled throughout (peak RSS reported).
 */
/** Heap in use after a full garbage collection (gc exposed at run time), so the figures compare live data only. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe(`faults: a long job of ${FILES} files, ${PARALLEL} in parallel`, function () {
  this.timeout(600_000);
  let a: Node;
  let b: Node;
  const contents: Buffer[] = [];
  const path = (i: number) => `/job/d${Math.floor(i / PER_FOLDER)}/f${i}.bin`;

  before(async () => {
    a = await startNode('long-src', '127.0.0.240', { recordCommands: false });
    b = await startNode('long-dst', '127.0.0.241', { recordCommands: false });
    for (let i = 0; i < FILES; i++) {
      const content = data(FILE_SIZE);
      contents.push(content);
      a.put(path(i), content);
    }
    for (let d = 0; d * PER_FOLDER < FILES; d++) b.put(`/job/d${d}/.keep`, Buffer.alloc(0));
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('copies and verifies every file, with no leaks and flat memory', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const before = { sockets: socketFds(), handles: handles(), rss: process.memoryUsage().rss };
    const { engine, log } = makeEngine(new Map([['long-src', a.password], ['long-dst', b.password]]), { quiet: true });
    const controller = new AbortController();

    let peakRss = before.rss;
    let peakSockets = 0;
    let peakPool = 0;
    const heapAt: Record<string, number> = {};
    let done = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakSockets = Math.max(peakSockets, socketFds());
      peakPool = Math.max(peakPool, engine.pool(a.site).openConnections, engine.pool(b.site).openConnections);
    }, 100);

    const started = Date.now();
    const failures: string[] = [];
    // Only what is checked is kept per file (not each CopyResult): the heap figures are then the engine's.
    const verified = new Uint8Array(FILES);
    let next = 0;
    const worker = async () => {
      while (next < FILES) {
        const i = next++;
        try {
          const result: CopyResult = await engine.copyFile(a.site, path(i), b.site, path(i), { relay: 'never', signal: controller.signal });
          verified[i] = result.verification.ok && result.mode === 'fxp' ? 1 : 0;
        } catch (err) {
          failures.push(`${path(i)}: ${(err as Error).message}`);
        }
        done++;
        if (done === Math.floor(FILES * 0.2)) heapAt['20%'] = heapAfterGc();
        if (done === Math.floor(FILES * 0.6)) heapAt['60%'] = heapAfterGc();
      }
    };
    try {
      await Promise.all(Array.from({ length: PARALLEL }, worker));
    } finally {
      clearInterval(sampler);
    }
    heapAt['100%'] = heapAfterGc();
    const seconds = (Date.now() - started) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const listenersOnSignal = getEventListeners(controller.signal, 'abort').length;
    engine.close();
    const closed = await settle(() => a.server.connections() === 0 && b.server.connections() === 0 && socketFds() <= before.sockets, 5_000);
    const leaks = { sockets: socketFds() - before.sockets, handles: handles() - before.handles, serverConnections: a.server.connections() + b.server.connections(), signalListeners: listenersOnSignal };
    process.off('warning', onWarning);

    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    record.number(`long job: files`, FILES);
    record.number(`long job: seconds`, seconds.toFixed(1));
    record.number(`long job: files per second`, (FILES / seconds).toFixed(0));
    record.number(`long job: peak RSS (MiB)`, mb(peakRss));
    record.number(`long job: RSS before (MiB)`, mb(before.rss));
    record.number(`long job: heap used at 20% / 60% / 100% (MiB)`, `${mb(heapAt['20%'] ?? 0)} / ${mb(heapAt['60%'] ?? 0)} / ${mb(heapAt['100%'] ?? 0)}`);
    record.number(`long job: peak sockets of this process (both ends of every connection)`, peakSockets);
    record.number(`long job: peak pooled connections per site`, peakPool);
    record.number(`long job: leaks (sockets, handles, server connections, signal listeners)`, `${leaks.sockets}, ${leaks.handles}, ${leaks.serverConnections}, ${leaks.signalListeners}`);
    record.number(`long job: failures`, failures.length);

    assert.deepStrictEqual(failures.slice(0, 5), [], `${failures.length} copies failed\n${log.slice(-10).join('\n')}`);
    for (let i = 0; i < FILES; i++) {
      assert.strictEqual(verified[i], 1, `${path(i)} not verified by FXP`);
      assert.ok(b.read(path(i))?.equals(contents[i]!), `${path(i)} differs on disk`);
    }
    assert.ok(closed, `left open after engine.close(): ${JSON.stringify(leaks)}`);
    assert.deepStrictEqual({ ...leaks, signalListeners: 0 }, { sockets: 0, handles: 0, serverConnections: 0, signalListeners: 0 });
    assert.ok(peakPool <= 4, `a pool held ${peakPool} connections (limit 4)`);
    // Flat memory: after a full collection, the heap at the end is within 8 MiB of the heap at 20% of the job.
    const growth = (heapAt['100%']! - heapAt['20%']!) / 1024 / 1024;
    assert.ok(growth < 8, `heap grew ${growth.toFixed(1)} MiB between 20% and the end of the job`);
    assert.ok(peakRss - before.rss < 256 * 1024 * 1024, `RSS grew ${mb(peakRss - before.rss)} MiB`);
    // The caller's AbortSignal (one for a whole folder job) must not collect a listener per file.
    assert.strictEqual(leaks.signalListeners, 0, `${leaks.signalListeners} abort listeners left on the job's signal after ${FILES} copies`);
    assert.deepStrictEqual(warnings.filter(w => /MaxListeners|leak/i.test(w)), [], 'listener leak warnings');
  });
});
