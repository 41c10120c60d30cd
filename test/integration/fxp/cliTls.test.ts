import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startFtpd, type FtpdServer } from '../../ftpd/server';
import { runCli, type CliRun } from '../cli';
import { putFile, random, readDisk, useServers } from '../fixtures';

/**
 * The command-line tool over TLS: ftps:// URLs against real servers (test CA) and against the in-process
 * server with a self-signed certificate; --ca, --trust-fingerprint, --insecure, --protection; the message
 * for an untrusted certificate; exit codes.
 */
describe('the fxp command-line tool over TLS', function () {
  this.timeout(90_000);
  const world = useServers(['pure-ftpd', 'proftpd', 'vsftpd']);
  const INPROC_PASSWORD = 'cli-tls-secret';
  let tmp = '';
  let inproc: FtpdServer;
  let inprocRoot = '';
  let selfSignedFingerprint = '';

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'fxp-cli-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(tmp, 'self.key'), '-out', join(tmp, 'self.pem'), '-days', '30', '-subj', '/CN=fxp self-signed test/O=Nobody Trusts Me',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // the fingerprint as openssl computes it, independent of the code under test
    selfSignedFingerprint = execFileSync('openssl', ['x509', '-in', join(tmp, 'self.pem'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' })
      .trim().replace(/^.*=/, '').toUpperCase();
    inprocRoot = mkdtempSync(join(tmp, 'root-'));
    inproc = await startFtpd({
      host: '127.0.0.1', port: 0, root: inprocRoot, users: { tester: INPROC_PASSWORD }, allowFxp: true,
      tls: { key: readFileSync(join(tmp, 'self.key')), cert: readFileSync(join(tmp, 'self.pem')) },
    });
  });

  after(async () => {
    await inproc?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const ftps = (id: string, path: string) => {
    const s = world.set.get(id);
    return `ftps://${s.user}@${s.host}:${s.port}${path}`;
  };
  const plain = (id: string, path: string) => ftps(id, path).replace(/^ftps:/, 'ftp:');
  const inprocUrl = (path: string) => `ftps://tester@127.0.0.1:${inproc.port}${path}`;
  const pw = (id: string) => world.set.get(id).password;
  const env = (from: string, to: string) => ({ FXP_SRC_PASSWORD: from === 'inproc' ? INPROC_PASSWORD : pw(from), FXP_DST_PASSWORD: to === 'inproc' ? INPROC_PASSWORD : pw(to) });
  const caArgs = () => ['--ca', world.set.caFile];
  /** Every secret of this file: none may appear in any output. */
  const noSecrets = (run: CliRun) => {
    for (const secret of [INPROC_PASSWORD, ...['pure-ftpd', 'proftpd', 'vsftpd'].map(pw)]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'a password was printed');
    }
  };

  describe('certificates', () => {
    it('an unknown CA: exit 1, naming the site, with subject, issuer, validity, SHA-256 and both ways to trust it', async () => {
      const s = world.set.get('proftpd');
      const run = await runCli(['ls', ftps('proftpd', '/')], { FXP_PASSWORD: pw('proftpd') });
      noSecrets(run);
      assert.strictEqual(run.code, 1, run.stderr);
      assert.strictEqual(run.stdout, '');
      assert.match(run.stderr, new RegExp(`fxp: fxptest@${s.host.replace(/\./g, '\\.')}:2121: The server's certificate is not trusted \\(`));
      assert.match(run.stderr, new RegExp(`^Certificate of fxptest@${s.host.replace(/\./g, '\\.')}:2121: CN=localhost\n`));
      assert.match(run.stderr, /issued by CN=FXP test CA\n/);
      assert.match(run.stderr, /valid \w{3} +\d+ [\d:]+ \d{4} GMT to \w{3} +\d+ [\d:]+ \d{4} GMT\n/);
      const fp = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n/.exec(run.stderr)?.[1];
      assert.ok(fp, run.stderr);
      assert.ok(run.stderr.includes(`--trust-fingerprint ${fp}`), run.stderr);
      assert.match(run.stderr, /, or --ca FILE \(a PEM file with the CA that issued it: CN=FXP test CA\)\n/);
      // the same as JSON on stdout for scripts
      const json = await runCli(['ls', ftps('proftpd', '/'), '--json'], { FXP_PASSWORD: pw('proftpd') });
      assert.strictEqual(json.code, 1);
      const parsed = JSON.parse(json.stdout);
      assert.strictEqual(parsed.ok, false);
      assert.strictEqual(parsed.error.code, 'CERT_UNTRUSTED');
      assert.strictEqual(parsed.error.certificate.fingerprint256, fp);
      assert.match(parsed.error.certificate.issuer, /FXP test CA/);
    });

    it('--ca with the harness CA: ls works over explicit TLS', async () => {
      putFile(world.set.get('proftpd'), '/ca-listed.bin', random(1234));
      const run = await runCli(['ls', ftps('proftpd', '/'), ...caArgs()], { FXP_PASSWORD: pw('proftpd') });
      noSecrets(run);
      assert.strictEqual(run.code, 0, run.stderr);
      assert.match(run.stdout, /^- +1234 .* ca-listed\.bin$/m);
    });

    it('a self-signed certificate: refused with the fingerprint openssl computes; --trust-fingerprint of it copies byte-exact; a wrong one is refused', async () => {
      const data = random(200_000);
      writeFileSync(join(inprocRoot, 'self.bin'), data);
      const refused = await runCli(['cp', inprocUrl('/self.bin'), ftps('pure-ftpd', '/'), ...caArgs()], env('inproc', 'pure-ftpd'));
      noSecrets(refused);
      assert.strictEqual(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /fxp: source: The server's certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
      assert.match(refused.stderr, /^Certificate of source: CN=fxp self-signed test, O=Nobody Trusts Me\n +issued by CN=fxp self-signed test, O=Nobody Trusts Me\n/);
      assert.ok(refused.stderr.includes(`SHA-256 ${selfSignedFingerprint}\n`), `${selfSignedFingerprint}\n${refused.stderr}`);
      assert.ok(refused.stderr.includes(`--trust-fingerprint ${selfSignedFingerprint}`));
      assert.strictEqual(readDisk(world.set.get('pure-ftpd'), '/self.bin'), undefined);

      // pinned (any spelling: lower case without colons works too), the CA still covers the other site
      const pinned = selfSignedFingerprint.replace(/:/g, '').toLowerCase();
      const ok = await runCli(['cp', inprocUrl('/self.bin'), ftps('pure-ftpd', '/'), ...caArgs(), '--trust-fingerprint', pinned, '--json'], env('inproc', 'pure-ftpd'));
      noSecrets(ok);
      assert.strictEqual(ok.code, 0, ok.stderr);
      const result = JSON.parse(ok.stdout);
      assert.strictEqual(result.ok, true);
      assert.strictEqual(result.mode, 'fxp');
      assert.strictEqual(result.encrypted, true);
      assert.match(result.channel, /^TLS FXP \((SSCN|CPSV)/);
      assert.ok(readDisk(world.set.get('pure-ftpd'), '/self.bin')?.equals(data), 'bytes differ');

      const wrong = await runCli(['ls', inprocUrl('/'), '--trust-fingerprint', 'AB:'.repeat(31) + 'AB'], { FXP_PASSWORD: INPROC_PASSWORD });
      assert.strictEqual(wrong.code, 1);
      assert.match(wrong.stderr, /presented a different certificate from the one you trusted/);
      assert.ok(wrong.stderr.includes(`Compare the new fingerprint ${selfSignedFingerprint}`), wrong.stderr);
      assert.strictEqual(wrong.stdout, '');
    });

    it('--insecure lists a self-signed server without pinning', async () => {
      writeFileSync(join(inprocRoot, 'insecure.bin'), random(77));
      const run = await runCli(['ls', inprocUrl('/'), '--insecure'], { FXP_PASSWORD: INPROC_PASSWORD });
      assert.strictEqual(run.code, 0, run.stderr);
      assert.match(run.stdout, /^- +77 .* insecure\.bin$/m);
    });
  });

  describe('copies over TLS', () => {
    it('cp between two real servers over explicit TLS: TLS FXP with ProFTPD as SSCN client, byte-exact, transcript without passwords', async () => {
      const data = random(400_000);
      putFile(world.set.get('proftpd'), '/tls-cli.bin', data);
      const run = await runCli(['cp', ftps('proftpd', '/tls-cli.bin'), ftps('pure-ftpd', '/tls-cli.bin'), ...caArgs(), '--relay', 'never', '--verbose'], env('proftpd', 'pure-ftpd'));
      noSecrets(run);
      assert.strictEqual(run.code, 0, run.stderr);
      assert.match(run.stdout, /^fxp \(server to server, (destination|source) passive\): source:\/tls-cli\.bin -> destination:\/tls-cli\.bin\n/);
      assert.match(run.stdout, /\ndata: TLS FXP \(SSCN, (active|passive) side TLS client\)\n/);
      assert.doesNotMatch(run.stdout, /unencrypted/);
      assert.match(run.stderr, /source > SSCN ON/);
      assert.match(run.stderr, /PASS \*\*\*\*/);
      assert.ok(readDisk(world.set.get('pure-ftpd'), '/tls-cli.bin')?.equals(data));
    });

    it('--protection: neither side can be TLS client -> refused under "preferred" (exit 1), clear data under "clear-allowed"', async () => {
      const data = random(100_000);
      putFile(world.set.get('pure-ftpd'), '/prot.bin', data);
      const refused = await runCli(['cp', ftps('pure-ftpd', '/prot.bin'), ftps('vsftpd', '/prot.bin'), ...caArgs(), '--relay', 'never'], env('pure-ftpd', 'vsftpd'));
      assert.strictEqual(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /Neither server can act as TLS client on the data connection \(no SSCN or CPSV\)/);
      assert.match(refused.stderr, /Relay through this machine is off, so nothing was copied/);
      assert.strictEqual(readDisk(world.set.get('vsftpd'), '/prot.bin'), undefined);
      const clear = await runCli(['cp', ftps('pure-ftpd', '/prot.bin'), ftps('vsftpd', '/prot.bin'), ...caArgs(), '--relay', 'never', '--protection', 'clear-allowed'], env('pure-ftpd', 'vsftpd'));
      assert.strictEqual(clear.code, 0, clear.stderr);
      assert.match(clear.stdout, /\ndata: clear data \(file data crossed the network unencrypted\)\n/);
      assert.ok(readDisk(world.set.get('vsftpd'), '/prot.bin')?.equals(data));
    });

    it('--protection required between a TLS site and a plain site: refused before any transfer, naming the plain site (exit 1)', async () => {
      putFile(world.set.get('proftpd'), '/req.bin', random(1000));
      const run = await runCli(['cp', ftps('proftpd', '/req.bin'), plain('pure-ftpd', '/req.bin'), ...caArgs(), '--protection', 'required'], env('proftpd', 'pure-ftpd'));
      noSecrets(run);
      assert.strictEqual(run.code, 1, run.stderr);
      assert.match(run.stderr, /^fxp: destination: This site pair requires encrypted data, but the site has no TLS\. Set the site's security to explicit or implicit TLS, or relax the pair's data protection\.$/m);
      assert.strictEqual(readDisk(world.set.get('pure-ftpd'), '/req.bin'), undefined);
      const json = await runCli(['cp', ftps('proftpd', '/req.bin'), plain('pure-ftpd', '/req.bin'), ...caArgs(), '--protection', 'required', '--json'], env('proftpd', 'pure-ftpd'));
      assert.strictEqual(json.code, 1);
      assert.deepStrictEqual(JSON.parse(json.stdout).error.code, 'PROTECTION_REQUIRED');
    });

    it('bad TLS options exit 2 with a message', async () => {
      const badProt = await runCli(['cp', ftps('proftpd', '/a'), ftps('pure-ftpd', '/'), '--protection', 'maybe'], {});
      assert.strictEqual(badProt.code, 2);
      assert.match(badProt.stderr, /--protection must be required, preferred or clear-allowed, not "maybe"/);
      const noValue = await runCli(['ls', ftps('proftpd', '/'), '--trust-fingerprint'], {});
      assert.strictEqual(noValue.code, 2);
      assert.match(noValue.stderr, /--trust-fingerprint needs a value/);
      const missingCa = await runCli(['ls', ftps('proftpd', '/'), '--ca', join(tmp, 'no-such-ca.pem')], { FXP_PASSWORD: pw('proftpd') });
      assert.strictEqual(missingCa.code, 2, missingCa.stderr);
      assert.match(missingCa.stderr, /--ca: cannot read .*no-such-ca\.pem/);
    });
  });
});
