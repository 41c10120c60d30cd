import * as assert from 'assert';
import { explain } from '../../src/errorText';
import { cancelledError, FxpError } from '../../src/fxp';

describe('error messages for people', () => {
  it('names the site, the command, the server reply and the setting for an FXP refusal, and offers Diagnose', () => {
    const err = new FxpError('FXP_IMPOSSIBLE', 'FXP from a to b is not possible: the server refused to connect to the other server.', {
      site: 'a', command: 'PORT 127,0,0,3,117,48', reply: { code: 500, text: '500 Illegal PORT command.' },
      hint: 'vsftpd refuses PORT to another host unless "port_promiscuous=YES" is set in vsftpd.conf.',
    });
    const explanation = explain(err)!;
    assert.strictEqual(explanation.diagnose, true);
    assert.match(explanation.message, /^a: FXP from a to b/);
    assert.match(explanation.message, /"PORT 127,0,0,3,117,48" with "500 Illegal PORT command\."/);
    assert.match(explanation.message, /port_promiscuous=YES/);
    assert.match(explanation.message, /"relay" of the pair in fxp\.sitePairs/);
  });

  it('points a login failure at the user setting and the password prompt, without Diagnose', () => {
    const explanation = explain(new FxpError('LOGIN_FAILED', 'Login refused.', { site: 'main', command: 'PASS ****', reply: { code: 530, text: '530 Login incorrect.' } }))!;
    assert.strictEqual(explanation.diagnose, false);
    assert.match(explanation.message, /main: Login refused\..*530 Login incorrect.*"user" of site "main" in fxp\.sites.*Forget Password/);
  });

  it('mentions an incomplete file left on the destination', () => {
    const err = new FxpError('VERIFY_FAILED', 'Sizes differ.', { site: 'b' });
    err.partial = { site: 'b', path: '/in/x.bin', bytes: 512 };
    assert.match(explain(err)!.message, /incomplete file remains on b: \/in\/x\.bin \(512 bytes\)/);
  });

  it('stays silent on cancellation (ours and VS Code\'s)', () => {
    assert.strictEqual(explain(cancelledError('a')), undefined);
    const canceled = new Error('Canceled');
    canceled.name = 'Canceled';
    assert.strictEqual(explain(canceled), undefined);
  });

  it('passes other errors through as their message', () => {
    assert.deepStrictEqual(explain(new Error('Select files first.')), { message: 'Select files first.', diagnose: false });
  });
});
