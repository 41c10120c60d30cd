import * as assert from 'assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FxpEngine, FxpError, makeSite } from '../../../src/fxp';
import { startFtpd, type FtpdServer } from '../../ftpd/server';
import { random } from '../fixtures';

/** PASV cannot name an IPv6 address: over ::1 the engine must use EPSV and EPRT |2|. */
describe('FXP over IPv6', function () {
  this.timeout(30_000);
  const servers: FtpdServer[] = [];
  const roots: string[] = [];
  const log: string[] = [];
  let engine: FxpEngine;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const root = mkdtempSync(join(tmpdir(), `fxp-v6-${i}-`));
      roots.push(root);
      servers.push(await startFtpd({ host: '::1', port: 0, root, users: { u: 'v6-secret' }, allowFxp: true }));
    }
    engine = new FxpEngine({ logger: (_l, m) => log.push(m), password: async () => 'v6-secret' });
  });
  after(async () => {
    engine?.close();
    await Promise.all(servers.map(s => s.close()));
  });

  it('copies with EPSV on one side and EPRT |2| on the other, in both orientations', async () => {
    const [a, b] = servers.map((s, i) => makeSite({ host: '::1', port: s.port, user: 'u' }, `v6-${i}`)) as [ReturnType<typeof makeSite>, ReturnType<typeof makeSite>];
    for (const orientation of ['dst-passive', 'src-passive'] as const) {
      const data = random(200_000);
      writeFileSync(join(roots[0]!, `${orientation}.bin`), data);
      const result = await engine.copyFile(a, `/${orientation}.bin`, b, `/${orientation}.bin`, { relay: 'never', orientation });
      assert.strictEqual(result.mode, 'fxp');
      assert.ok(readFileSync(join(roots[1]!, `${orientation}.bin`)).equals(data));
    }
    assert.ok(log.some(l => / > EPSV$/.test(l)), 'EPSV used');
    assert.ok(log.some(l => / > EPRT \|2\|::1\|\d+\|$/.test(l)), 'EPRT |2| with the passive server\'s address');
    assert.ok(!log.some(l => / > (PASV|PORT)\b/.test(l)), 'no PASV/PORT over IPv6');
  });

  it('a server without EPSV/EPRT over IPv6 gets a clear refusal, not a hang', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fxp-v6-noepsv-'));
    const old = await startFtpd({ host: '::1', port: 0, root, users: { u: 'v6-secret' }, allowFxp: true, features: { epsv: false, eprt: false } });
    servers.push(old);
    writeFileSync(join(roots[0]!, 'old.bin'), random(1000));
    const a = makeSite({ host: '::1', port: servers[0]!.port, user: 'u' }, 'v6-0');
    const c = makeSite({ host: '::1', port: old.port, user: 'u' }, 'v6-old');
    await assert.rejects(engine.copyFile(a, '/old.bin', c, '/old.bin', { relay: 'never' }), (err: unknown) => {
      assert.ok(err instanceof FxpError && err.code === 'FXP_IMPOSSIBLE', String(err));
      assert.ok(err.causes?.some(e => e.site === 'v6-old' && /EPSV|EPRT/.test(`${e.command} ${e.hint}`)), err.describe());
      return true;
    });
  });
});
