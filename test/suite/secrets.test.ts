import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import { credentialKey } from '../../src/fxp';
import { api, logFile, read, rememberPasswords, server, servers, settingsFiles } from './host';

describe('passwords', () => {
  it('live only in SecretStorage: no settings file and no log line holds one', async () => {
    const fxp = await api();
    await rememberPasswords(fxp);
    await vscode.commands.executeCommand(COMMANDS.openSitePair, 'fxp pair');
    assert.strictEqual(fxp.state.get('A')?.site.name, 'pure-ftpd', 'the pair opened: the stored passwords logged in');
    assert.deepStrictEqual((await fxp.trees.A.getChildren()).filter(n => n.type === 'error'), [], 'Site A lists without errors');
    const log = read(await logFile(fxp));
    assert.match(log, /pure-ftpd > PASS \*\*\*\*/, 'the log shows the login, masked');
    const files = settingsFiles(fxp);
    for (const s of servers()) {
      assert.ok(await fxp.passwords.isStored(fxp.settings.site(s.id)!.site), `${s.id}: stored`);
      for (const file of files) assert.ok(!read(file).includes(s.password), `${s.id}'s password is not in ${file}`);
      assert.ok(!log.includes(s.password), `${s.id}'s password is not in the log`);
    }
  });

  it('are keyed by user, host, port and protocol, so a site renamed to another host gets none', async () => {
    const fxp = await api();
    await rememberPasswords(fxp);
    const site = fxp.settings.site('pure-ftpd')!.site;
    assert.ok(await fxp.passwords.isStored(site));
    assert.strictEqual(await fxp.passwords.isStored({ ...site, host: '127.0.0.250' }), false, 'same name, other host');
    assert.strictEqual(await fxp.passwords.isStored({ ...site, port: site.port + 1 }), false, 'other port');
    assert.strictEqual(await fxp.passwords.isStored({ ...site, security: 'explicit' }), false, 'other protocol');
    assert.strictEqual(credentialKey(site), `ftp://${server('pure-ftpd').user}@${site.host}:${site.port}`);
  });

  it('are not given to a TLS site whose settings weaken the certificate check (verification off, or an extra CA)', async () => {
    const fxp = await api();
    const site = { ...fxp.settings.site('pure-ftpd')!.site, security: 'explicit' as const };
    try {
      await fxp.passwords.store(site, 'verified-only-secret');
      assert.ok(await fxp.passwords.isStored(site));
      assert.ok(await fxp.passwords.isStored({ ...site, verifyCertificate: true }), 'verification on is the default');
      assert.strictEqual(await fxp.passwords.isStored({ ...site, verifyCertificate: false }), false, 'verification off');
      assert.strictEqual(await fxp.passwords.isStored({ ...site, ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'] }), false, 'an extra CA');
      const plain = { ...site, security: 'none' as const };
      await fxp.passwords.store(plain, 'plain-secret');
      assert.ok(await fxp.passwords.isStored({ ...plain, verifyCertificate: false }), 'no TLS: nothing to weaken');
      await fxp.passwords.forget(plain);
    } finally {
      await fxp.passwords.forget(site);
    }
  });

  it('"Forget Password" removes a stored password', async () => {
    const fxp = await api();
    await rememberPasswords(fxp);
    const site = fxp.settings.site('proftpd')!.site;
    await vscode.commands.executeCommand(COMMANDS.forgetPassword, 'proftpd');
    assert.strictEqual(await fxp.passwords.isStored(site), false);
    await rememberPasswords(fxp);
    assert.ok(await fxp.passwords.isStored(site));
  });
});
