import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { FxpEngine, makeSite, type Site } from '../../src/fxp';
import { decideConflict, runTransfer, type Conflict, type ConflictAnswer, type TransferControl, type TransferHooks, type TransferProgress } from '../../src/transfers';
import { startFtpd, type FtpdServer } from '../ftpd/server';

/** Two in-process FTP servers that allow FXP, on their own loopback addresses. */
describe('transfers: the engine folder jobs with the user answers, against two FTP servers', function () {
  this.timeout(30_000);
  let rootA: string;
  let rootB: string;
  let servers: FtpdServer[] = [];
  let engine: FxpEngine;
  let a: Site;
  let b: Site;
  const asked: Conflict[] = [];

  const put = (root: string, path: string, data: Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
  };
  const read = (root: string, path: string) => readFileSync(join(root, path));
  const hooks = (answers: (ConflictAnswer | undefined)[]): TransferHooks => ({
    askConflict: async conflict => {
      asked.push(conflict);
      return answers.shift();
    },
  });

  before(async () => {
    rootA = mkdtempSync(join(tmpdir(), 'fxp-transfers-a-'));
    rootB = mkdtempSync(join(tmpdir(), 'fxp-transfers-b-'));
    servers = [
      await startFtpd({ host: '127.0.0.32', port: 0, root: rootA, users: { u: 'pa' }, allowFxp: true }),
      await startFtpd({ host: '127.0.0.33', port: 0, root: rootB, users: { u: 'pb' }, allowFxp: true }),
    ];
    a = makeSite({ host: servers[0]!.host, port: servers[0]!.port, user: 'u' }, 'a');
    b = makeSite({ host: servers[1]!.host, port: servers[1]!.port, user: 'u' }, 'b');
    engine = new FxpEngine({ logger: () => undefined, password: async site => (site.name === 'b' ? 'pb' : 'pa') });
  });

  after(async () => {
    engine?.close();
    for (const server of servers) await server.close();
    rmSync(rootA, { recursive: true, force: true });
    rmSync(rootB, { recursive: true, force: true });
  });

  beforeEach(() => { asked.length = 0; });

  it('copies a folder tree by FXP, creating the folders, byte-exact', async () => {
    const files = { '/tree/top.bin': randomBytes(70_000), '/tree/sub/deep/x.txt': Buffer.from('x\r\ny\n'), '/tree/sub/empty.bin': Buffer.alloc(0) };
    for (const [path, data] of Object.entries(files)) put(rootA, path, data);
    mkdirSync(join(rootA, 'tree', 'emptydir'));
    mkdirSync(join(rootB, 'in'));
    const progress: number[] = [];
    const report = await runTransfer(engine, {
      source: a, items: [{ path: '/tree', kind: 'dir', size: 0 }], destination: b, folder: '/in', relay: 'never',
      hooks: { ...hooks([]), onProgress: p => progress.push(p.filesDone) },
    });
    assert.strictEqual(report.copied.length, 3);
    assert.ok(report.copied.every(r => r.mode === 'fxp'), 'every file went server to server');
    assert.deepStrictEqual(report.folders, ['/in/tree', '/in/tree/emptydir', '/in/tree/sub', '/in/tree/sub/deep']);
    for (const [path, data] of Object.entries(files)) assert.ok(read(rootB, `/in${path}`).equals(data), path);
    assert.strictEqual(progress.at(-1), 3);
    assert.deepStrictEqual(asked, []);
  });

  it('asks before overwriting: skip leaves the file, overwrite replaces it', async () => {
    put(rootA, '/c/one.bin', randomBytes(1000));
    put(rootA, '/c/two.bin', randomBytes(1000));
    put(rootB, '/c/one.bin', Buffer.from('old one'));
    put(rootB, '/c/two.bin', Buffer.from('old two'));
    const report = await runTransfer(engine, {
      source: a, items: [{ path: '/c/one.bin', kind: 'file', size: 1000 }, { path: '/c/two.bin', kind: 'file', size: 1000 }],
      destination: b, folder: '/c', relay: 'never',
      hooks: hooks([{ choice: 'skip', applyToAll: false }, { choice: 'overwrite', applyToAll: false }]),
    });
    assert.deepStrictEqual(asked.map(c => [c.destination, c.destinationSize, c.canResume]), [['/c/one.bin', 7, true], ['/c/two.bin', 7, true]]);
    assert.deepStrictEqual(report.skipped, ['/c/one.bin']);
    assert.strictEqual(read(rootB, '/c/one.bin').toString(), 'old one');
    assert.ok(read(rootB, '/c/two.bin').equals(read(rootA, '/c/two.bin')));
  });

  it('resumes a smaller destination from where it stops, and applies "resume all" without asking again', async () => {
    const big = randomBytes(200_000);
    const other = randomBytes(50_000);
    put(rootA, '/r/big.bin', big);
    put(rootA, '/r/other.bin', other);
    put(rootB, '/r/big.bin', big.subarray(0, 120_000));
    put(rootB, '/r/other.bin', other.subarray(0, 10_000));
    const report = await runTransfer(engine, {
      source: a, items: [{ path: '/r', kind: 'dir', size: 0 }], destination: b, folder: '/', relay: 'never',
      hooks: hooks([{ choice: 'resume', applyToAll: true }]),
    });
    assert.strictEqual(asked.length, 1, 'asked once, the answer applied to the other file');
    assert.strictEqual(report.copied.length, 2);
    assert.ok(read(rootB, '/r/big.bin').equals(big));
    assert.ok(read(rootB, '/r/other.bin').equals(other));
    assert.strictEqual(report.bytes, (200_000 - 120_000) + (50_000 - 10_000), 'only the missing bytes moved');
  });

  it('cancels the whole transfer when the conflict question is dismissed', async () => {
    put(rootA, '/d/f.bin', randomBytes(10));
    put(rootB, '/d/f.bin', randomBytes(10));
    await assert.rejects(runTransfer(engine, {
      source: a, items: [{ path: '/d/f.bin', kind: 'file', size: 10 }], destination: b, folder: '/d', relay: 'never', hooks: hooks([undefined]),
    }), (err: Error & { code?: string }) => err.code === 'CANCELLED');
  });

  it('asks once whether to relay when FXP is refused, and relays every file of the transfer on "yes"', async () => {
    const refusing = await startFtpd({ host: '127.0.0.36', port: 0, root: rootA, users: { u: 'pa' }, allowFxp: false });
    servers.push(refusing);
    const r = makeSite({ host: refusing.host, port: refusing.port, user: 'u' }, 'refusing');
    const files = [randomBytes(3000), randomBytes(4000), randomBytes(5000)];
    files.forEach((data, i) => put(rootA, `/relay/f${i}.bin`, data));
    let asked = 0;
    const report = await runTransfer(engine, {
      source: r, items: [{ path: '/relay', kind: 'dir', size: 0 }], destination: b, folder: '/', relay: 'auto',
      hooks: { ...hooks([]), confirmRelay: async () => { asked++; return true; } },
    });
    assert.strictEqual(asked, 1);
    assert.deepStrictEqual(report.copied.map(c => c.mode), ['relay', 'relay', 'relay']);
    files.forEach((data, i) => assert.ok(read(rootB, `/relay/f${i}.bin`).equals(data)));
  });

  it('stops at the first failure that concerns the pair (FXP refused, no relay) instead of failing every file', async () => {
    const refusing = servers.find(s => s.host === '127.0.0.36')!;
    const r = makeSite({ host: refusing.host, port: refusing.port, user: 'u' }, 'refusing');
    for (let i = 0; i < 6; i++) put(rootA, `/stop/f${i}.bin`, randomBytes(1000));
    await assert.rejects(runTransfer(engine, {
      source: r, items: [{ path: '/stop', kind: 'dir', size: 0 }], destination: b, folder: '/', relay: 'never', hooks: hooks([]), parallel: 1,
    }), (err: Error & { code?: string }) => err.code === 'FXP_IMPOSSIBLE' && /refusing/.test(err.message),
    'one error for the pair, thrown, rather than a report with six failed files');
  });

  it('cancels one file on one destination ("Cancel a File…"); the same file on the other destination and the other files finish', async () => {
    const rootC = mkdtempSync(join(tmpdir(), 'fxp-transfers-c-'));
    const serverC = await startFtpd({ host: '127.0.0.32', port: 0, root: rootC, users: { u: 'pa' }, allowFxp: true });
    const c = makeSite({ host: serverC.host, port: serverC.port, user: 'u' }, 'c');
    try {
      const files = { '/fan/x.bin': randomBytes(400_000), '/fan/y.bin': randomBytes(400_000) };
      for (const [path, data] of Object.entries(files)) put(rootA, path, data);
      servers[0]!.faults.rateBytesPerSec = 200_000;
      let control: TransferControl | undefined;
      let cancelled = false;
      const seen: TransferProgress[] = [];
      const report = await runTransfer(engine, {
        source: a, items: [{ path: '/fan', kind: 'dir', size: 0 }], destination: b, folder: '/out', moreDestinations: [{ site: c, folder: '/out' }], relay: 'never',
        hooks: {
          ...hooks([]),
          onJob: given => (control = given),
          onProgress: p => {
            seen.push(p);
            const x = p.files.find(f => f.path === '/fan/x.bin' && f.destination === 'c' && f.bytes > 0);
            if (x && !cancelled) cancelled = control!.cancelFile(x.key);
          },
        },
      });
      assert.ok(cancelled, 'x.bin on c was cancelled while it was copied');
      assert.deepStrictEqual(report.cancelled.map(f => [f.path, f.site.name, f.target]), [['/fan/x.bin', 'c', '/out/fan/x.bin']]);
      assert.ok((report.cancelled[0]!.bytes ?? 0) < 400_000, 'incomplete');
      assert.deepStrictEqual(report.copied.map(f => `${f.destination}:${f.target}`).sort(), ['b:/out/fan/x.bin', 'b:/out/fan/y.bin', 'c:/out/fan/y.bin']);
      for (const [path, data] of Object.entries(files)) assert.ok(read(rootB, `/out${path}`).equals(data), `b${path}`);
      assert.ok(read(rootC, '/out/fan/y.bin').equals(files['/fan/y.bin']));
      // The same path into the same folder of two sites: each listed with its own destination.
      const both = seen.find(p => new Set(p.files.filter(f => f.path === '/fan/x.bin').map(f => f.destination)).size === 2);
      assert.ok(both, 'x.bin listed for b and c at once');
      for (const f of seen.flatMap(p => p.files)) assert.strictEqual(f.target, `/out${f.path}`);
      assert.strictEqual(control!.cancelFile(both.files[0]!.key), false, 'nothing to cancel once the job ended');
    } finally {
      servers[0]!.faults.rateBytesPerSec = undefined;
      await serverC.close();
      rmSync(rootC, { recursive: true, force: true });
    }
  });

  it('decideConflict: asks unless an "all" answer applies; "resume all" asks again where the destination is not smaller', () => {
    const smaller: Conflict = { source: '/s', destination: '/d', destinationSite: 'b', sourceSize: 10, destinationSize: 5, canResume: true };
    const same: Conflict = { ...smaller, destinationSize: 10, canResume: false };
    assert.strictEqual(decideConflict(smaller, undefined), undefined);
    assert.strictEqual(decideConflict(smaller, { choice: 'skip', applyToAll: false }), undefined);
    assert.strictEqual(decideConflict(same, { choice: 'overwrite', applyToAll: true }), 'overwrite');
    assert.strictEqual(decideConflict(smaller, { choice: 'resume', applyToAll: true }), 'resume');
    assert.strictEqual(decideConflict(same, { choice: 'resume', applyToAll: true }), undefined);
  });
});
