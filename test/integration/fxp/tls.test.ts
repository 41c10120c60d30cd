import * as assert from 'assert';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FxpEngine, FxpError, makeSite, type CopyResult, type DataProtection, type Site } from '../../../src/fxp';
import { startFtpd, type FtpdOptions, type FtpdServer } from '../../ftpd/server';
import { HARNESS_TIMEOUTS, harnessPeer, harnessTls, inprocPeer, random, useServers, type Peer } from '../fixtures';


const HARNESS = ['pure-ftpd', 'proftpd', 'proftpd-tls13', 'vsftpd', 'pyftpdlib'];
/** Servers that can act as TLS client on a data connection: ProFTPD (SSCN) and ours (SSCN, CPSV). */
const TLS_CLIENT_CAPABLE = new Set(['proftpd', 'proftpd-tls13', 'inproc']);
const SIZE = 512 * 1024;

describe('FXP over TLS (SSCN, CPSV) and FTPS', function () {
  this.timeout(120_000);
  const world = useServers(HARNESS);
  const peers = new Map<string, Peer>();
  const inproc: FtpdServer[] = [];
  let ca = '';
  let engine: FxpEngine;
  const log: string[] = [];

  async function addInproc(id: string, options: Partial<FtpdOptions>, security: Site['security'] = 'explicit'): Promise<Peer> {
    const root = mkdtempSync(join(tmpdir(), `fxp-${id}-`));
    const server = await startFtpd({
      host: '127.0.0.1', port: 0, root, users: { tester: 'inproc-secret' }, allowFxp: true, tls: harnessTls(world),
      ...options,
    });
    inproc.push(server);
    const peer = inprocPeer(id, server.port, root, { user: 'tester', password: 'inproc-secret' }, security, ca);
    peers.set(id, peer);
    return peer;
  }

  before(async () => {
    ca = readFileSync(world.set.caFile, 'utf8');
    for (const id of HARNESS) peers.set(id, harnessPeer(world, id, 'explicit'));
    await addInproc('inproc', {});
    await addInproc('inproc-reuse', { requireTlsSessionReuse: true, features: { sscn: false, cpsv: false } });
    await addInproc('inproc-tls13', {
      requireTlsSessionReuse: true,
      tls: { ...harnessTls(world), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
    });
    await addInproc('inproc-implicit', { implicitTls: true }, 'implicit');
    engine = new FxpEngine({
      logger: (_l, m) => log.push(m),
      password: async site => peers.get(site.name)!.password,
      timeouts: HARNESS_TIMEOUTS,
    });
  });

  after(async () => {
    engine?.close();
    await Promise.all(inproc.map(s => s.close()));
  });

  async function copy(from: string, to: string, dataProtection: DataProtection, relay: 'never' | 'auto' = 'never'): Promise<{ result: CopyResult; data: Buffer; name: string }> {
    const a = peers.get(from)!;
    const b = peers.get(to)!;
    const data = random(SIZE);
    const name = `/tls-${from}-${to}-${dataProtection}-${relay}.bin`;
    a.put(name, data);
    const before = engine.bytes.data;
    const result = await engine.copyFile(a.site, name, b.site, name, { relay, dataProtection });
    assert.ok(b.read(name).equals(data), `bytes on ${to} differ`);
    if (result.mode === 'fxp') assert.strictEqual(engine.bytes.data - before, 0, 'file data passed through the client');
    return { result, data, name };
  }

  describe('every ordered pair over explicit TLS', () => {
    const ids = ['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib', 'inproc'];
    for (const from of ids) {
      for (const to of ids) {
        if (from === to) continue;
        const canTls = TLS_CLIENT_CAPABLE.has(from) || TLS_CLIENT_CAPABLE.has(to);
        if (canTls) {
          it(`${from} -> ${to}: PROT P FXP, one side TLS client`, async () => {
            const { result } = await copy(from, to, 'preferred');
            assert.strictEqual(result.mode, 'fxp');
            assert.ok(result.encrypted);
            assert.match(result.channel, /^TLS FXP \((SSCN|CPSV)/);
          });
        } else {
          it(`${from} -> ${to}: no TLS client side: refused under "preferred", clear-data FXP under "clear-allowed"`, async () => {
            await assert.rejects(copy(from, to, 'preferred'), (err: unknown) => {
              assert.ok(err instanceof FxpError && err.code === 'FXP_IMPOSSIBLE', String(err));
              assert.ok(err.causes?.some(c => c.code === 'TLS_FXP_FAILED' && /SSCN or CPSV/.test(c.hint ?? '')), err.describe());
              return true;
            });
            const { result } = await copy(from, to, 'clear-allowed');
            assert.strictEqual(result.mode, 'fxp');
            assert.strictEqual(result.channel, 'clear data');
            assert.strictEqual(result.encrypted, false);
          });
        }
      }
    }
  });

  it('uses CPSV when the passive side offers it, and SSCN on the other side otherwise', async () => {
    assert.match((await copy('pure-ftpd', 'inproc', 'preferred')).result.channel, /CPSV, passive side TLS client/);
    assert.match((await copy('proftpd', 'pure-ftpd', 'preferred')).result.channel, /SSCN, active side TLS client/);
  });

  it('ProFTPD as SSCN client under TLS 1.3: a truncated copy is never reported as success', async () => {
    let completed = 0;
    for (const to of ['vsftpd', 'pyftpdlib', 'vsftpd', 'pyftpdlib']) {
      const a = peers.get('proftpd-tls13')!;
      const b = peers.get(to)!;
      const data = random(SIZE);
      const name = `/tls13-${to}-${completed}-${Date.now()}.bin`;
      a.put(name, data);
      try {
        const result = await engine.copyFile(a.site, name, b.site, name, { relay: 'auto', dataProtection: 'preferred' });
        assert.ok(b.read(name).equals(data), `reported ${result.mode} success, but the bytes on ${to} differ`);
        for (const attempt of result.attempts.filter(x => !x.ok)) {
          assert.ok(['VERIFY_FAILED', 'TLS_FXP_FAILED', 'CONNECTION_LOST'].includes(attempt.error!.code), JSON.stringify(attempt.error));
        }
        completed++;
      } catch (err) {
        // ProFTPD resets TLS 1.3 data connections to our relay too: then the copy must fail clearly, leaving no file behind.
        assert.ok(err instanceof FxpError, String(err));
        assert.throws(() => b.read(name), /ENOENT/);
      }
    }
    assert.ok(log.some(line => /TLS FXP/.test(line)), 'TLS FXP was attempted');
  });

  it('a server that demands TLS session reuse is explained as "TLS FXP impossible", not a timeout', async () => {
    const started = Date.now();
    await assert.rejects(copy('proftpd', 'inproc-reuse', 'preferred'), (err: unknown) => {
      assert.ok(err instanceof FxpError, String(err));
      const cause = err.causes?.find(c => c.code === 'TLS_FXP_FAILED' && /session/i.test(c.message));
      assert.ok(cause, err.describe());
      assert.strictEqual(cause.site, 'inproc-reuse');
      assert.match(cause.reply?.text ?? '', /522 SSL connection failed; session reuse required/);
      return true;
    });
    assert.ok(Date.now() - started < 15_000, 'should fail fast');
    const { result } = await copy('proftpd', 'inproc-reuse', 'preferred', 'auto');
    assert.strictEqual(result.mode, 'relay');
    assert.strictEqual(result.channel, 'relay over TLS');
    assert.ok(result.encrypted);
  });

  it('browses and relays over TLS 1.3 against a server that demands session reuse, and over implicit TLS', async () => {
    for (const id of ['inproc-tls13', 'inproc-implicit']) {
      const peer = peers.get(id)!;
      peer.put('/listed.bin', random(100));
      const listing = await engine.list(peer.site, '/');
      assert.ok(listing.entries.some(e => e.name === 'listed.bin' && e.size === 100), id);
    }
    const { result } = await copy('inproc-tls13', 'inproc-implicit', 'required', 'auto');
    assert.ok(result.encrypted);
  });

  it('refuses a plain FTP site when the pair requires encrypted data', async () => {
    const plain = makeSite({ ...peers.get('pure-ftpd')!.site, security: 'none' }, 'pure-ftpd');
    peers.get('pure-ftpd')!.put('/plain.bin', random(10));
    await assert.rejects(engine.copyFile(plain, '/plain.bin', peers.get('proftpd')!.site, '/plain.bin', { relay: 'auto', dataProtection: 'required' }),
      (err: unknown) => err instanceof FxpError && err.code === 'PROTECTION_REQUIRED' && err.site === 'pure-ftpd');
  });

  describe('certificates', () => {
    it('an unknown CA is refused with the certificate details; its pinned fingerprint is then trusted', async () => {
      const base = peers.get('inproc')!.site;
      const unknown = makeSite({ ...base, ca: undefined }, 'inproc');
      await assert.rejects(engine.list(unknown, '/'), (err: unknown) => {
        assert.ok(err instanceof FxpError && err.code === 'CERT_UNTRUSTED', String(err));
        assert.match(err.certificate!.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        assert.match(err.certificate!.issuer, /FXP test CA/);
        return true;
      });
      let fingerprint = '';
      await engine.list(unknown, '/').catch((err: FxpError) => { fingerprint = err.certificate!.fingerprint256; });
      const pinned = makeSite({ ...base, ca: undefined, trustedFingerprints: [fingerprint] }, 'inproc');
      engine.disconnect(pinned);
      assert.ok((await engine.list(pinned, '/')).entries.length >= 0);
      const changed = makeSite({ ...base, ca: undefined, trustedFingerprints: ['AA:'.repeat(31) + 'AA'] }, 'inproc');
      engine.disconnect(changed);
      await assert.rejects(engine.list(changed, '/'), (err: unknown) => err instanceof FxpError && err.code === 'CERT_CHANGED');
    });

    it('asks for the password only after the certificate was accepted, and only when the server wants one', async () => {
      const base = peers.get('inproc')!.site;
      const asked: string[] = [];
      const counting = new FxpEngine({
        logger: () => undefined,
        password: async site => { asked.push(site.name); return peers.get(site.name)!.password; },
      });
      try {
        await assert.rejects(counting.list(makeSite({ ...base, ca: undefined }, 'inproc'), '/'), (err: unknown) => err instanceof FxpError && err.code === 'CERT_UNTRUSTED');
        assert.deepStrictEqual(asked, [], 'no password asked for a server whose certificate is refused');
        await counting.list(base, '/');
        assert.deepStrictEqual(asked, ['inproc'], 'asked once the certificate passed, when USER got 331');
      } finally {
        counting.close();
      }
    });
  });
});
