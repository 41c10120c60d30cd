import * as assert from 'assert';
import { makeSite, type Site } from '../../src/fxp';
import { expectedProtection, isClearBetweenTls, NO_MUTUAL_AUTHENTICATION, pairProtection, shortChannel, type PairFacts } from '../../src/protection';
import { pairOptions, parsePairs } from '../../src/siteConfig';

const tls = (name: string): Site => makeSite({ host: '127.0.0.2', security: 'explicit' }, name);
const plain = (name: string): Site => makeSite({ host: '127.0.0.3' }, name);
const caps = (sscn: boolean, cpsv: boolean) => ({ tls: true, sscn, cpsv });
const facts = (over: Partial<PairFacts>): PairFacts => ({ a: tls('a'), b: tls('b'), policy: 'preferred', relay: 'ask', ...over });

describe('data protection of a site pair, in words', () => {
  it('shortens the engine\'s channel names', () => {
    assert.strictEqual(shortChannel('TLS FXP (SSCN, passive side TLS client)'), 'TLS FXP (SSCN)');
    assert.strictEqual(shortChannel('TLS FXP (CPSV, passive side TLS client)'), 'TLS FXP (CPSV)');
    assert.strictEqual(shortChannel('relay over TLS'), 'relay (TLS)');
    assert.strictEqual(shortChannel('clear data'), 'clear data');
  });

  it('before connecting, says what the sites\' security allows', () => {
    assert.strictEqual(expectedProtection(facts({ a: plain('a'), b: plain('b') })).label, 'plain FTP');
    const mixed = expectedProtection(facts({ b: plain('b') }));
    assert.deepStrictEqual([mixed.label, mixed.state], ['clear data', 'clear']);
    assert.match(mixed.lines[0]!, /^b uses plain FTP/);
    assert.deepStrictEqual(expectedProtection(facts({ b: plain('b'), policy: 'required' })).state, 'blocked');
    const unknown = expectedProtection(facts({}));
    assert.deepStrictEqual([unknown.label, unknown.state], ['TLS sites', 'unknown']);
    assert.ok(unknown.lines.includes(NO_MUTUAL_AUTHENTICATION), 'the authentication caveat is part of every TLS description');
  });

  it('once SSCN/CPSV are known, names the TLS FXP method, clear data or relay as the ladder would choose', () => {
    assert.strictEqual(expectedProtection(facts({ caps: { a: caps(true, true), b: caps(true, true) } })).label, 'TLS FXP (CPSV)');
    assert.strictEqual(expectedProtection(facts({ caps: { a: caps(true, false), b: caps(false, false) } })).label, 'TLS FXP (SSCN)');
    const none = { a: caps(false, false), b: caps(false, false) };
    assert.strictEqual(expectedProtection(facts({ caps: none, policy: 'clear-allowed' })).label, 'clear data');
    assert.strictEqual(expectedProtection(facts({ caps: none })).label, 'relay (TLS)');
    assert.strictEqual(expectedProtection(facts({ caps: none, relay: 'never' })).state, 'blocked');
  });

  it('after a copy, shows its channel, and says plainly when data crossed unencrypted between TLS sites', () => {
    const last = { from: 'a', to: 'b', channel: 'clear data', encrypted: false, at: new Date(0) };
    const summary = pairProtection(facts({ policy: 'clear-allowed', last }));
    assert.deepStrictEqual([summary.label, summary.state], ['clear data', 'clear']);
    assert.match(summary.lines.join('\n'), /UNENCRYPTED between the two TLS servers/);
    assert.strictEqual(isClearBetweenTls('clear data', tls('a'), tls('b')), true);
    assert.strictEqual(isClearBetweenTls('clear data', tls('a'), plain('b')), false, 'expected with a plain site, not news');
    assert.strictEqual(pairProtection(facts({ a: plain('a'), b: plain('b'), last })).label, 'plain FTP', 'between plain sites the label says why');
    const encrypted = pairProtection(facts({ last: { ...last, channel: 'TLS FXP (SSCN, active side TLS client)', encrypted: true } }));
    assert.deepStrictEqual([encrypted.label, encrypted.state], ['TLS FXP (SSCN)', 'encrypted']);
  });

  it('parses the pair settings of folder jobs and data protection, with defaults', () => {
    const names = new Set(['a', 'b']);
    const { entries, problems } = parsePairs([
      { name: 'full', siteA: 'a', siteB: 'b', dataProtection: 'clear-allowed', exists: 'newer', exclude: ['*.tmp', '.git/'], parallel: 8 },
      { name: 'bad protection', siteA: 'a', siteB: 'b', dataProtection: 'strong' },
      { name: 'bad rule', siteA: 'a', siteB: 'b', exists: 'merge' },
      { name: 'bad exclude', siteA: 'a', siteB: 'b', exclude: '*.tmp' },
      { name: 'bad parallel', siteA: 'a', siteB: 'b', parallel: 40 },
    ], 'workspace', names);
    assert.deepStrictEqual(entries.map(e => e.pair), [
      { name: 'full', siteA: 'a', siteB: 'b', relay: 'ask', dataProtection: 'clear-allowed', exists: 'newer', exclude: ['*.tmp', '.git/'], parallel: 8 },
    ]);
    assert.match(problems[0]!, /"dataProtection" must be one of required, preferred, clear-allowed\./);
    assert.match(problems[1]!, /"exists" must be one of ask, overwrite, skip, resume, newer, size-differs, rename\./);
    assert.match(problems[2]!, /"exclude" must be a list of globs/);
    assert.match(problems[3]!, /"parallel" must be a whole number from 1 to 16\./);
    assert.deepStrictEqual(pairOptions(undefined), { relay: 'ask', dataProtection: 'preferred', exists: 'ask', exclude: [], parallel: 4 });
    assert.deepStrictEqual(pairOptions(entries[0]!.pair).parallel, 8);
  });
});
