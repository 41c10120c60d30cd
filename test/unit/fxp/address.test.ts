import * as assert from 'assert';
import { choosePassiveTarget, isPrivateOrUnroutable, normalizeAddress } from '../../../src/fxp/address';

const target = (r: ReturnType<typeof choosePassiveTarget>) => {
  if ('refused' in r) throw new Error(`refused: ${r.refused}`);
  return `${r.host}:${r.port}`;
};

describe('passive address policy', () => {
  it('classifies private and public addresses', () => {
    for (const a of ['10.1.2.3', '192.168.0.1', '172.16.0.1', '172.31.255.255', '127.0.0.2', '169.254.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1']) {
      assert.ok(isPrivateOrUnroutable(a), a);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '193.0.0.1', '2001:db8::1', '::ffff:8.8.4.4']) assert.ok(!isPrivateOrUnroutable(a), a);
    assert.strictEqual(normalizeAddress('::ffff:127.0.0.2'), '127.0.0.2');
  });

  it('auto: replaces a private reply address of a public server by its control address (NAT)', () => {
    const r = choosePassiveTarget({ policy: 'auto', reply: { host: '192.168.1.5', port: 30000 }, passiveControlAddress: '203.0.113.5', activeControlAddress: '198.51.100.7' });
    assert.strictEqual(target(r), '203.0.113.5:30000');
  });

  it('auto: never forwards a third host, even when both servers are private', () => {
    const r = choosePassiveTarget({ policy: 'auto', reply: { host: '192.168.1.5', port: 30000 }, passiveControlAddress: '10.0.0.5', activeControlAddress: '10.0.0.6' });
    assert.strictEqual(target(r), '10.0.0.5:30000');
  });

  it('reply: never forwards unspecified, broadcast or multicast addresses', () => {
    for (const host of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '::', 'ff02::1']) {
      const r = choosePassiveTarget({ policy: 'reply', reply: { host, port: 30000 }, passiveControlAddress: '203.0.113.5', activeControlAddress: '198.51.100.7' });
      assert.ok('refused' in r, host);
    }
  });

  it('auto: never forwards a public third host', () => {
    const r = choosePassiveTarget({ policy: 'auto', reply: { host: '198.51.100.99', port: 30000 }, passiveControlAddress: '203.0.113.5', activeControlAddress: '198.51.100.7' });
    assert.strictEqual(target(r), '203.0.113.5:30000');
  });

  it('control: always the control address; reply: the reply', () => {
    const input = { reply: { host: '198.51.100.99', port: 30001 }, passiveControlAddress: '203.0.113.5', activeControlAddress: '198.51.100.7' };
    assert.strictEqual(target(choosePassiveTarget({ ...input, policy: 'control' })), '203.0.113.5:30001');
    assert.strictEqual(target(choosePassiveTarget({ ...input, policy: 'reply' })), '198.51.100.99:30001');
  });

  it('refuses ports below 1024 whatever the policy', () => {
    for (const policy of ['auto', 'control', 'reply'] as const) {
      const r = choosePassiveTarget({ policy, reply: { host: '203.0.113.5', port: 25 }, passiveControlAddress: '203.0.113.5', activeControlAddress: '198.51.100.7' });
      assert.ok('refused' in r, policy);
    }
  });
});
