import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as net from 'net';
import * as tls from 'tls';
import { FxpEngine, FxpError, makeSite, type DataProtection, type RelayMode, type Site } from '../../../src/fxp';
import { RawFtp } from '../../ftpd/rawclient';
import { runCli } from '../cli';
import { HARNESS_TIMEOUTS, putFile, random, readDisk, useServers } from '../fixtures';

/**
 * vsftpd as shipped (require_ssl_reuse=YES): every TLS data connection must resume the control connection's
 * TLS session. Our own data connections do; another server's never can, so TLS FXP with it is impossible and
 * must be explained as such, from vsftpd's own reply, not found out by a timeout.
 */
describe('vsftpd demanding TLS session reuse (require_ssl_reuse=YES), for real', function () {
  this.timeout(90_000);
  const world = useServers(['vsftpd-reuse', 'proftpd', 'pure-ftpd']);
  const REUSE_REPLY = '522 SSL connection failed: session reuse required';
  let ca = '';
  const sites = new Map<string, Site>();
  const site = (id: string) => sites.get(id)!;

  before(() => {
    ca = readFileSync(world.set.caFile, 'utf8');
    for (const id of ['vsftpd-reuse', 'proftpd', 'pure-ftpd']) {
      const s = world.set.get(id);
      sites.set(id, makeSite({ host: s.host, port: s.port, user: s.user, security: 'explicit', ca: [ca] }, id));
    }
  });

  function freshEngine(): FxpEngine {
    return new FxpEngine({
      logger: (_level, message) => world.log.push(message),
      password: async s => world.set.get(s.name).password,
      timeouts: HARNESS_TIMEOUTS,
    });
  }

  it('the instance really refuses a TLS data connection that does not resume the session', async () => {
    const s = world.set.get('vsftpd-reuse');
    const { c, greeting } = await RawFtp.connect(s.host, s.port, { timeoutMs: 10_000 });
    try {
      assert.match(greeting.text, /vsFTPd 3/);
      await c.authTls(ca);
      await c.login(s.user, s.password);
      await c.expect('PBSZ 0', 200);
      await c.expect('PROT P', 200);
      const pasv = RawFtp.pasv(await c.expect('PASV', 227));
      c.write('LIST');
      const raw = net.connect({ host: pasv.host, port: pasv.port });
      // a fresh TLS session on the data connection (no `session:` from the control connection)
      const data = tls.connect({ socket: raw, ca, checkServerIdentity: () => undefined });
      data.on('error', () => undefined);
      const replies = await c.final();
      data.destroy();
      assert.deepStrictEqual(replies.map(r => r.text), ['150 Here comes the directory listing.', REUSE_REPLY]);
    } finally {
      await c.quit();
    }
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`browsing and relay work under ${version}: our data connections resume the control session`, async () => {
      // Node's default for every TLS connection that does not set maxVersion (control and data alike)
      const tlsDefaults = require('tls') as { DEFAULT_MAX_VERSION: string };
      const saved = tlsDefaults.DEFAULT_MAX_VERSION;
      tlsDefaults.DEFAULT_MAX_VERSION = version;
      const engine = freshEngine();
      const s = world.set.get('vsftpd-reuse');
      const logBefore = readFileSync(s.logFile!, 'utf8').length;
      try {
        const protocol = await engine.withConnection(site('vsftpd-reuse'), 'browse', async conn => (conn.ctx.socket as tls.TLSSocket).getProtocol());
        assert.strictEqual(protocol, version);
        const listed = random(4321);
        putFile(s, `/listed-${version}.bin`, listed);
        const listing = await engine.list(site('vsftpd-reuse'), '/');
        assert.ok(listing.entries.some(e => e.name === `listed-${version}.bin` && e.size === 4321), JSON.stringify(listing.entries));
        // relay both ways: upload into vsftpd (STOR) and download from it (RETR), each over a resumed TLS data connection
        const up = random(300_000);
        putFile(world.set.get('pure-ftpd'), `/up-${version}.bin`, up);
        const into = await engine.copyFile(site('pure-ftpd'), `/up-${version}.bin`, site('vsftpd-reuse'), `/up-${version}.bin`, { relay: 'always', dataProtection: 'required' });
        assert.strictEqual(into.channel, 'relay over TLS');
        assert.ok(readDisk(s, `/up-${version}.bin`)?.equals(up));
        const out = await engine.copyFile(site('vsftpd-reuse'), `/listed-${version}.bin`, site('pure-ftpd'), `/down-${version}.bin`, { relay: 'always', dataProtection: 'required' });
        assert.strictEqual(out.channel, 'relay over TLS');
        assert.ok(readDisk(world.set.get('pure-ftpd'), `/down-${version}.bin`)?.equals(listed));
        // vsftpd refused none of these data connections
        const log = readFileSync(s.logFile!, 'utf8').slice(logBefore);
        assert.doesNotMatch(log, /No SSL session reuse|session reuse required/);
        assert.match(log, /226 Directory send OK\./);
      } finally {
        engine.close();
        tlsDefaults.DEFAULT_MAX_VERSION = saved;
      }
    });
  }

  async function copy(from: string, to: string, protection: DataProtection, relay: RelayMode) {
    const data = random(250_000);
    const name = `/reuse-${from}-${to}-${protection}-${relay}.bin`;
    putFile(world.set.get(from), name, data);
    const started = Date.now();
    const run = world.engine.copyFile(site(from), name, site(to), name, { relay, dataProtection: protection });
    return { run, data, name, started };
  }

  for (const [from, to] of [['proftpd', 'vsftpd-reuse'], ['vsftpd-reuse', 'proftpd']] as const) {
    it(`${from} -> ${to}: TLS FXP explained as impossible, quoting vsftpd's 522, without waiting for a timeout`, async () => {
      const { run, started, name } = await copy(from, to, 'preferred', 'never');
      await assert.rejects(run, (err: unknown) => {
        assert.ok(err instanceof FxpError && err.code === 'FXP_IMPOSSIBLE', String(err));
        // one TLS rung tried (ProFTPD as SSCN client); the other rung would make vsftpd TLS server again: skipped
        assert.strictEqual(err.causes?.length, 1, err.describe());
        const cause = err.causes![0]!;
        assert.strictEqual(cause.code, 'TLS_FXP_FAILED');
        assert.strictEqual(cause.site, 'vsftpd-reuse');
        assert.match(cause.message, /^TLS FXP is impossible with this server: it requires the data connection to resume its own TLS session/);
        assert.strictEqual(cause.reply?.text, REUSE_REPLY);
        assert.match(cause.command ?? '', to === 'vsftpd-reuse' ? /^STOR / : /^RETR /);
        assert.match(cause.hint ?? '', /require_ssl_reuse=NO/);
        assert.match(err.describe(), /The server answered "(STOR|RETR) [^"]+" with "522 SSL connection failed: session reuse required"\./);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 5_000, `took ${elapsed} ms: that is a timeout, not vsftpd's answer`);
      assert.strictEqual(readDisk(world.set.get(to), name), undefined, 'no file left behind');
      console.log(`      (refused in ${elapsed} ms)`);
    });
  }

  it('clear-allowed: the ladder goes on to clear-data FXP; preferred with relay auto: relay over TLS', async () => {
    const clear = await copy('proftpd', 'vsftpd-reuse', 'clear-allowed', 'never');
    const result = await clear.run;
    assert.ok(readDisk(world.set.get('vsftpd-reuse'), clear.name)?.equals(clear.data));
    assert.strictEqual(result.mode, 'fxp');
    assert.strictEqual(result.channel, 'clear data');
    assert.strictEqual(result.encrypted, false);
    assert.strictEqual(result.attempts[0]!.error?.reply?.text, REUSE_REPLY);
    assert.ok(result.attempts.slice(0, -1).every(a => a.channel?.startsWith('TLS FXP')), JSON.stringify(result.attempts.map(a => a.channel)));

    const relayed = await copy('vsftpd-reuse', 'proftpd', 'preferred', 'auto');
    const r2 = await relayed.run;
    assert.ok(readDisk(world.set.get('proftpd'), relayed.name)?.equals(relayed.data));
    assert.strictEqual(r2.mode, 'relay');
    assert.strictEqual(r2.channel, 'relay over TLS');
    assert.ok(r2.encrypted);
    assert.match(r2.relayReason ?? '', /TLS FXP is impossible with this server.*522 SSL connection failed: session reuse required/);
  });

  it('the CLI says so too (exit 1), and copies with --protection clear-allowed', async () => {
    const src = world.set.get('proftpd');
    const dst = world.set.get('vsftpd-reuse');
    putFile(src, '/cli-reuse.bin', random(10_000));
    const url = (s: typeof src, p: string) => `ftps://${s.user}@${s.host}:${s.port}${p}`;
    const env = { FXP_SRC_PASSWORD: src.password, FXP_DST_PASSWORD: dst.password };
    const refused = await runCli(['cp', url(src, '/cli-reuse.bin'), url(dst, '/'), '--ca', world.set.caFile, '--relay', 'never'], env);
    assert.strictEqual(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^fxp: destination: FXP from source to destination is not possible: TLS FXP is impossible with this server/m);
    assert.ok(refused.stderr.includes(`with "${REUSE_REPLY}"`), refused.stderr);
    assert.match(refused.stderr, /vsftpd: set "require_ssl_reuse=NO" to allow TLS FXP, or allow clear data for this site pair\./);
    const clear = await runCli(['cp', url(src, '/cli-reuse.bin'), url(dst, '/'), '--ca', world.set.caFile, '--relay', 'never', '--protection', 'clear-allowed'], env);
    assert.strictEqual(clear.code, 0, clear.stderr);
    assert.match(clear.stdout, /data: clear data \(file data crossed the network unencrypted\)/);
  });
});
