import * as assert from 'assert';
import { mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FxpEngine, FxpError, makeSite } from '../../../src/fxp';
import { startFtpd, type FtpdServer } from '../../ftpd/server';
import { random } from '../fixtures';

/** In-process servers: the only way to slow a transfer down enough to cancel it in the middle. */
describe('cancelling an FXP copy', function () {
  this.timeout(60_000);
  let a: FtpdServer;
  let b: FtpdServer;
  let rootA: string;
  let rootB: string;
  const log: string[] = [];

  before(async () => {
    rootA = mkdtempSync(join(tmpdir(), 'fxp-cancel-a-'));
    rootB = mkdtempSync(join(tmpdir(), 'fxp-cancel-b-'));
    a = await startFtpd({ host: '127.0.0.61', port: 0, root: rootA, users: { u: 'cancel-secret' }, allowFxp: true, faults: { rateBytesPerSec: 512 * 1024 } });
    b = await startFtpd({ host: '127.0.0.62', port: 0, root: rootB, users: { u: 'cancel-secret' }, allowFxp: true });
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('sends ABOR to both servers, closes every connection and reports the partial file', async () => {
    writeFileSync(join(rootA, 'big.bin'), random(8 * 1024 * 1024));
    const engine = new FxpEngine({
      logger: (_l, m) => log.push(m), password: async () => 'cancel-secret',
      timeouts: { pollIntervalMs: 200, abortGraceMs: 1_000 },
    });
    const siteA = makeSite({ host: a.host, port: a.port, user: 'u' }, 'A');
    const siteB = makeSite({ host: b.host, port: b.port, user: 'u' }, 'B');
    const controller = new AbortController();
    const progress: number[] = [];
    setTimeout(() => controller.abort(), 1_500);
    await assert.rejects(
      engine.copyFile(siteA, '/big.bin', siteB, '/big.bin', { relay: 'never', signal: controller.signal, onBytes: n => progress.push(n) }),
      (err: unknown) => {
        assert.ok(err instanceof FxpError && err.code === 'CANCELLED', String(err));
        assert.strictEqual(err.partial?.site, 'B');
        assert.strictEqual(err.partial?.path, '/big.bin');
        assert.ok(err.partial!.bytes! > 0 && err.partial!.bytes! < 8 * 1024 * 1024, `partial ${err.partial?.bytes}`);
        return true;
      },
    );
    assert.ok(log.some(l => l === 'A > ABOR') && log.some(l => l === 'B > ABOR'), 'ABOR sent to both');
    assert.ok(progress.length >= 2 && progress.at(-1)! > progress[0]!, `progress was observed: ${progress.join(',')}`);
    const partialSize = statSync(join(rootB, 'big.bin')).size;
    assert.ok(partialSize < 8 * 1024 * 1024);
    engine.close();
    for (let i = 0; i < 100 && (a.connections() > 0 || b.connections() > 0); i++) await new Promise(r => setTimeout(r, 50));
    assert.strictEqual(a.connections(), 0, 'sockets left open on A');
    assert.strictEqual(b.connections(), 0, 'sockets left open on B');
  });
});
