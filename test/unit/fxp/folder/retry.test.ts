import * as assert from 'assert';
import { backoffDelay, classifyFailure, refusedRestOnDestination, retrying } from '../../../../src/fxp/folder';
import { FxpError } from '../../../../src/fxp';

const reply = (code: number, text: string) => ({ code, text: `${code} ${text}` });

describe('folder queue failure policy', () => {
  it('"too many connections" lowers the limit instead of failing: 421 at connect, ProFTPD\'s 530 "maximum number"', () => {
    assert.strictEqual(classifyFailure(new FxpError('CONNECT_FAILED', 'refused', { reply: reply(421, 'Too many connections.') })), 'full');
    assert.strictEqual(classifyFailure(new FxpError('LOGIN_FAILED', 'refused', { reply: reply(530, 'Sorry, the maximum number of clients (3) from your host are already connected.') })), 'full');
  });

  it('530 on login is never retried', () => {
    assert.strictEqual(classifyFailure(new FxpError('LOGIN_FAILED', 'refused', { reply: reply(530, 'Login incorrect.') })), 'login');
  });

  it('4xx replies, lost connections, timeouts and failed verification are transient', () => {
    assert.strictEqual(classifyFailure(new FxpError('SERVER_REPLY', 'x', { reply: reply(450, 'busy') })), 'transient');
    assert.strictEqual(classifyFailure(new FxpError('SERVER_REPLY', 'x', { reply: reply(421, 'Timeout.') })), 'transient', 'an idle 421 is not "full"');
    assert.strictEqual(classifyFailure(new FxpError('CONNECTION_LOST', 'x')), 'transient');
    assert.strictEqual(classifyFailure(new FxpError('CONNECT_FAILED', 'ECONNREFUSED')), 'transient');
    assert.strictEqual(classifyFailure(new FxpError('TIMEOUT', 'x')), 'transient');
    assert.strictEqual(classifyFailure(new FxpError('VERIFY_FAILED', 'x')), 'transient');
  });

  it('5xx about the file and FXP refusals are permanent, even with a 4xx reply', () => {
    assert.strictEqual(classifyFailure(new FxpError('NOT_FOUND', 'x', { reply: reply(550, 'No such file') })), 'permanent');
    assert.strictEqual(classifyFailure(new FxpError('SERVER_REPLY', 'x', { reply: reply(553, 'Not allowed') })), 'permanent');
    assert.strictEqual(classifyFailure(new FxpError('FXP_REFUSED_PASSIVE', 'x', { reply: reply(425, 'Bad IP') })), 'permanent');
    const refused = new FxpError('FXP_IMPOSSIBLE', 'x', { causes: [new FxpError('FXP_REFUSED_ACTIVE', 'x', { reply: reply(500, 'Illegal PORT') })] });
    assert.strictEqual(classifyFailure(refused), 'permanent');
    const flaky = new FxpError('FXP_IMPOSSIBLE', 'x', { causes: [new FxpError('TIMEOUT', 'x'), new FxpError('CONNECTION_LOST', 'y')] });
    assert.strictEqual(classifyFailure(flaky), 'transient');
  });

  it('cancellation is its own kind', () => {
    assert.strictEqual(classifyFailure(new FxpError('CANCELLED', 'x')), 'cancelled');
  });

  it('backoff doubles from the base, is capped, and jitters within the upper half', () => {
    assert.strictEqual(backoffDelay(1, 1000, 30_000, () => 0), 500);
    assert.strictEqual(backoffDelay(1, 1000, 30_000, () => 0.999999), 1000);
    assert.strictEqual(backoffDelay(3, 1000, 30_000, () => 0.999999), 4000);
    assert.strictEqual(backoffDelay(20, 1000, 30_000, () => 0.999999), 30_000);
  });

  it('sees a destination that refuses REST before STOR, among the causes', () => {
    const err = new FxpError('FXP_IMPOSSIBLE', 'x', { causes: [new FxpError('SERVER_REPLY', 'x', { site: 'dst', command: 'REST 100', reply: reply(502, 'REST not implemented') })] });
    assert.ok(refusedRestOnDestination(err, 'dst'));
    assert.ok(!refusedRestOnDestination(err, 'src'));
  });

  it('retrying: transient failures up to the limit, permanent ones at once', async () => {
    let calls = 0;
    const transient = () => { calls++; return Promise.reject(new FxpError('CONNECTION_LOST', 'x')); };
    await assert.rejects(retrying(transient, { retries: 2, backoffMs: 1 }), (e: unknown) => e instanceof FxpError && e.code === 'CONNECTION_LOST');
    assert.strictEqual(calls, 3);
    calls = 0;
    const permanent = () => { calls++; return Promise.reject(new FxpError('NOT_FOUND', 'x')); };
    await assert.rejects(retrying(permanent, { retries: 5, backoffMs: 1 }));
    assert.strictEqual(calls, 1);
    calls = 0;
    const recovers = () => (++calls < 3 ? Promise.reject(new FxpError('TIMEOUT', 'x')) : Promise.resolve('ok'));
    assert.strictEqual(await retrying(recovers, { retries: 5, backoffMs: 1 }), 'ok');
  });
});
