import * as assert from 'assert';
import { describeChannel, planAttempts, type SideTls } from '../../../src/fxp/tlsPlan';

const plain: SideTls = { tls: false, sscn: false, cpsv: false };
const tlsOnly: SideTls = { tls: true, sscn: false, cpsv: false };
const sscn: SideTls = { tls: true, sscn: true, cpsv: false };
const both: SideTls = { tls: true, sscn: true, cpsv: true };
const O = ['dst-passive', 'src-passive'] as const;
const show = (p: ReturnType<typeof planAttempts>) => p.map(a => `${a.orientation}: ${describeChannel(a.channel)}`);

describe('TLS FXP ladder', () => {
  it('prefers CPSV on the passive side over IPv4, then SSCN on the active side, per orientation', () => {
    assert.deepStrictEqual(show(planAttempts(both, both, 'preferred', true, [...O])), [
      'dst-passive: TLS FXP (CPSV, passive side TLS client)',
      'dst-passive: TLS FXP (SSCN, active side TLS client)',
      'src-passive: TLS FXP (CPSV, passive side TLS client)',
      'src-passive: TLS FXP (SSCN, active side TLS client)',
    ]);
  });

  it('uses SSCN + EPSV instead of CPSV over IPv6', () => {
    assert.deepStrictEqual(show(planAttempts(tlsOnly, both, 'preferred', false, ['dst-passive'])), [
      'dst-passive: TLS FXP (SSCN, passive side TLS client)',
    ]);
  });

  it('reverses the TLS client side when only one server speaks SSCN', () => {
    assert.deepStrictEqual(show(planAttempts(sscn, tlsOnly, 'preferred', true, [...O])), [
      'dst-passive: TLS FXP (SSCN, active side TLS client)',
      'src-passive: TLS FXP (SSCN, passive side TLS client)',
    ]);
  });

  it('falls to clear data only when the pair allows it', () => {
    assert.deepStrictEqual(planAttempts(tlsOnly, tlsOnly, 'preferred', true, [...O]), []);
    assert.deepStrictEqual(planAttempts(tlsOnly, tlsOnly, 'required', true, [...O]), []);
    assert.deepStrictEqual(show(planAttempts(tlsOnly, tlsOnly, 'clear-allowed', true, [...O])), ['dst-passive: clear data', 'src-passive: clear data']);
    assert.deepStrictEqual(show(planAttempts(sscn, tlsOnly, 'clear-allowed', true, ['dst-passive'])), [
      'dst-passive: TLS FXP (SSCN, active side TLS client)', 'dst-passive: clear data',
    ]);
  });

  it('plain FTP sites copy in clear unless protection is required', () => {
    assert.strictEqual(planAttempts(plain, sscn, 'preferred', true, [...O]).length, 2);
    assert.deepStrictEqual(planAttempts(plain, sscn, 'required', true, [...O]), []);
  });
});
