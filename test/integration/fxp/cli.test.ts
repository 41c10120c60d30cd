import * as assert from 'assert';
import { runCli } from '../cli';
import { putFile, random, readDisk, useServers } from '../fixtures';

const fxp = runCli;

describe('the fxp command-line tool', function () {
  this.timeout(60_000);
  const world = useServers(['pure-ftpd', 'vsftpd', 'proftpd-nofxp']);
  const url = (id: string, path: string) => {
    const s = world.set.get(id);
    return `ftp://${s.user}@${s.host}:${s.port}${path}`;
  };
  const env = (from: string, to: string) => ({ FXP_SRC_PASSWORD: world.set.get(from).password, FXP_DST_PASSWORD: world.set.get(to).password });

  it('fxp cp reports fxp mode with verified bytes, into a folder with "/"', async () => {
    const data = random(300_000);
    putFile(world.set.get('pure-ftpd'), '/cli.bin', data);
    const human = await fxp(['cp', url('pure-ftpd', '/cli.bin'), url('vsftpd', '/')], env('pure-ftpd', 'vsftpd'));
    assert.strictEqual(human.code, 0, human.stderr);
    assert.match(human.stdout, /^fxp \(server to server/);
    assert.match(human.stdout, /verified by SIZE \(300000 bytes on both\)/);
    assert.ok(readDisk(world.set.get('vsftpd'), '/cli.bin')?.equals(data));

    const json = await fxp(['cp', url('pure-ftpd', '/cli.bin'), url('vsftpd', '/cli2.bin'), '--json'], env('pure-ftpd', 'vsftpd'));
    const result = JSON.parse(json.stdout);
    assert.strictEqual(result.ok, true);
    assert.strictEqual(result.mode, 'fxp');
    assert.strictEqual(result.verification.ok, true);
    assert.strictEqual(result.bytes, 300_000);
  });

  it('fxp cp --relay never fails with exit 1, names the server and its setting, and leaves no file', async () => {
    putFile(world.set.get('pure-ftpd'), '/cli-refused.bin', random(1000));
    const run = await fxp(['cp', url('pure-ftpd', '/cli-refused.bin'), url('proftpd-nofxp', '/'), '--relay', 'never'], env('pure-ftpd', 'proftpd-nofxp'));
    assert.strictEqual(run.code, 1);
    assert.match(run.stderr, /proftpd-nofxp|destination/);
    assert.match(run.stderr, /AllowForeignAddress on/);
    assert.strictEqual(readDisk(world.set.get('proftpd-nofxp'), '/cli-refused.bin'), undefined);
    const relayed = await fxp(['cp', url('pure-ftpd', '/cli-refused.bin'), url('proftpd-nofxp', '/')], env('pure-ftpd', 'proftpd-nofxp'));
    assert.strictEqual(relayed.code, 0, relayed.stderr);
    assert.match(relayed.stdout, /^relay \(through this machine\)/);
  });

  it('fxp ls lists, fxp doctor says which directions work, bad input exits 2', async () => {
    const ls = await fxp(['ls', url('pure-ftpd', '/')], { FXP_PASSWORD: world.set.get('pure-ftpd').password });
    assert.strictEqual(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /cli\.bin/);
    const doctor = await fxp(['doctor', url('pure-ftpd', '/'), url('proftpd-nofxp', '/'), '--json'], env('pure-ftpd', 'proftpd-nofxp'));
    const report = JSON.parse(doctor.stdout);
    assert.strictEqual(report.directions.length, 4);
    assert.ok(report.directions.every((d: { ok: boolean; detail: string }) => !d.ok && /AllowForeignAddress/.test(d.detail)), doctor.stdout);
    const ok = await fxp(['doctor', url('pure-ftpd', '/'), url('vsftpd', '/')], env('pure-ftpd', 'vsftpd'));
    assert.strictEqual(ok.code, 0, ok.stderr);
    assert.strictEqual((ok.stdout.match(/FXP works/g) ?? []).length, 4, ok.stdout);
    const bad = await fxp(['cp', 'http://x/y', url('vsftpd', '/')], {});
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /Unsupported scheme/);
  });
});
