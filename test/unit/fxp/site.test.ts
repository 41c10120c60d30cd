import * as assert from 'assert';
import { credentialKey, FxpError, makeSite, maskSecrets } from '../../../src/fxp';

describe('sites', () => {
  it('fills defaults', () => {
    const s = makeSite({ host: 'ftp.example.com' });
    assert.strictEqual(s.port, 21);
    assert.strictEqual(s.fxpPolicy, 'fxp-then-relay');
    assert.strictEqual(makeSite({ host: 'h', security: 'implicit' }).port, 990);
  });

  it('names the field and the fix for bad input', () => {
    const cases: [object, RegExp][] = [
      [{ host: '' }, /host is empty/],
      [{ host: 'bad host!' }, /not a valid host/],
      [{ host: 'h', port: 70000 }, /port 70000 is not a port number/],
      [{ host: 'h', user: 'a\r\nDELE x' }, /user/],
      [{ host: 'h', security: 'tls' }, /security must be one of/],
      [{ host: 'h', connectionLimit: 0 }, /connectionLimit/],
    ];
    for (const [input, re] of cases) {
      assert.throws(() => makeSite(input as never, 'S'), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT' && re.test(e.message) && /^Site "S"/.test(e.message));
    }
  });

  it('binds credentials to user, host, port and protocol', () => {
    assert.strictEqual(credentialKey(makeSite({ host: 'h', user: 'u' })), 'ftp://u@h:21');
    assert.strictEqual(credentialKey(makeSite({ host: '::1', user: 'u', security: 'explicit' })), 'ftps://u@[::1]:21');
  });

  it('masks PASS and known secrets in transcripts', () => {
    assert.strictEqual(maskSecrets('PASS hunter2'), 'PASS ****');
    assert.strictEqual(maskSecrets('530 Login incorrect for hunter2', ['hunter2']), '530 Login incorrect for ****');
  });
});
