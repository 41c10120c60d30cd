import * as assert from 'assert';
import { insertAfterName, mergeByName, parsePairs, parseSites, renameSiteInPairs, upsertByName } from '../../src/siteConfig';

describe('site settings (fxp.sites, fxp.sitePairs)', () => {
  it('parses a valid site and fills the engine defaults', () => {
    const { entries, problems } = parseSites([{ name: 'main', host: 'ftp.example.com', user: 'alice' }], 'workspace');
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(entries.length, 1);
    const { site, origin } = entries[0]!;
    assert.strictEqual(origin, 'workspace');
    assert.deepStrictEqual([site.name, site.host, site.port, site.user, site.security, site.fxpPolicy, site.connectionLimit],
      ['main', 'ftp.example.com', 21, 'alice', 'none', 'fxp-then-relay', 4]);
  });

  it('leaves out invalid entries with a message naming the setting, the entry, the field and the fix', () => {
    const { entries, problems } = parseSites([
      { name: 'ok', host: '127.0.0.2' },
      { name: 'badport', host: 'h.example', port: 70000 },
      { name: 'nohost' },
      { name: 'badsec', host: 'h.example', security: 'ssl' },
      { host: 'anon.example' },
      'not an object',
    ], 'user');
    assert.deepStrictEqual(entries.map(e => e.site.name), ['ok']);
    assert.strictEqual(problems.length, 5);
    assert.match(problems[0]!, /^fxp\.sites\[1\] \("badport"\) in user settings: "port" 70000 is not a port number \(1-65535\)/);
    assert.match(problems[1]!, /^fxp\.sites\[2\] \("nohost"\) in user settings: "host" is missing/);
    assert.match(problems[2]!, /^fxp\.sites\[3\] \("badsec"\) in user settings: "security" must be one of none, explicit, implicit/);
    assert.match(problems[3]!, /^fxp\.sites\[4\] in user settings: "name" is missing/);
    assert.match(problems[4]!, /^fxp\.sites\[5\] in user settings: "entry" must be an object/);
  });

  it('refuses a password in settings and says where passwords go instead', () => {
    const { entries, problems } = parseSites([{ name: 'leaky', host: 'h.example', password: 'hunter2' }], 'workspace');
    assert.deepStrictEqual(entries, []);
    assert.match(problems[0]!, /"password" does not belong in settings.*secret storage/);
    assert.doesNotMatch(problems[0]!, /hunter2/);
  });

  it('reports unknown fields and duplicate names', () => {
    const { entries, problems } = parseSites([
      { name: 'a', host: 'h.example', hots: 'typo' },
      { name: 'b', host: 'h.example' },
      { name: 'b', host: 'other.example' },
    ], 'workspace');
    assert.deepStrictEqual(entries.map(e => e.site.host), ['h.example']);
    assert.match(problems[0]!, /"hots" is not a setting of fxp\.sites entries \(known: name, host, port/);
    assert.match(problems[1]!, /fxp\.sites\[2\] \("b"\).*"name" is used by an earlier entry/);
  });

  it('says what a non-list value should look like', () => {
    assert.match(parseSites({ name: 'x' }, 'user').problems[0]!, /^fxp\.sites in user settings must be a list, e\.g\. \[\{ "name": "main", "host"/);
    assert.match(parsePairs('x', 'user', new Set()).problems[0]!, /must be a list/);
  });

  it('parses pairs, defaults relay to ask, and rejects pairs naming unknown sites', () => {
    const names = new Set(['a', 'b']);
    const { entries, problems } = parsePairs([
      { name: 'ab', siteA: 'a', siteB: 'b', folderA: '/pub' },
      { name: 'ax', siteA: 'a', siteB: 'x' },
      { name: 'bad relay', siteA: 'a', siteB: 'b', relay: 'sometimes' },
    ], 'workspace', names);
    assert.deepStrictEqual(entries.map(e => e.pair), [{ name: 'ab', siteA: 'a', siteB: 'b', folderA: '/pub', relay: 'ask' }]);
    assert.match(problems[0]!, /fxp\.sitePairs\[1\] \("ax"\) in workspace settings: "siteB" names "x", which is not in fxp\.sites \(known: a, b\)/);
    assert.match(problems[1]!, /"relay" must be one of ask, always, never/);
  });

  it('merges scopes by name, the later scope winning', () => {
    const user = parseSites([{ name: 'a', host: 'user.example' }, { name: 'b', host: 'b.example' }], 'user').entries;
    const workspace = parseSites([{ name: 'a', host: 'ws.example' }], 'workspace').entries;
    const merged = mergeByName([user, workspace], e => e.site.name);
    assert.deepStrictEqual(merged.map(e => [e.site.name, e.site.host, e.origin]), [['a', 'ws.example', 'workspace'], ['b', 'b.example', 'user']]);
  });

  it('upsertByName replaces, appends and removes one entry, keeping the others as written', () => {
    const list = [{ name: 'a', host: 'x', extra: 1 }, { name: 'b', host: 'y' }];
    assert.deepStrictEqual(upsertByName(list, 'b', { name: 'b', host: 'z' }), [{ name: 'a', host: 'x', extra: 1 }, { name: 'b', host: 'z' }]);
    assert.deepStrictEqual(upsertByName(list, 'c', { name: 'c', host: 'w' }).length, 3);
    assert.deepStrictEqual(upsertByName(list, 'a', undefined), [{ name: 'b', host: 'y' }]);
    assert.strictEqual(list.length, 2, 'the input is not changed');
  });

  it('insertAfterName and renameSiteInPairs (a site renamed): next to the old entry, pairs as written but for the name', () => {
    const list = [{ name: 'a', host: 'x' }, { name: 'b', host: 'y' }];
    assert.deepStrictEqual(insertAfterName(list, 'a', { name: 'a2', host: 'x' }).map(e => (e as { name: string }).name), ['a', 'a2', 'b']);
    assert.deepStrictEqual(insertAfterName(list, 'zz', { name: 'c', host: 'z' }).map(e => (e as { name: string }).name), ['a', 'b', 'c']);
    const pairs = [{ name: 'p', siteA: 'a', siteB: 'b', exclude: ['*.tmp'] }, { name: 'q', siteA: 'b', siteB: 'a' }, { name: 'r', siteA: 'b', siteB: 'c' }, 'junk'];
    assert.deepStrictEqual(renameSiteInPairs(pairs, 'a', 'a2'), [
      { name: 'p', siteA: 'a2', siteB: 'b', exclude: ['*.tmp'] }, { name: 'q', siteA: 'b', siteB: 'a2' }, { name: 'r', siteA: 'b', siteB: 'c' }, 'junk',
    ]);
    assert.strictEqual(renameSiteInPairs(pairs, 'nobody', 'x'), undefined, 'nothing to write');
    assert.strictEqual(list.length, 2);
    assert.strictEqual((pairs[0] as { siteA: string }).siteA, 'a', 'the input is not changed');
  });
});
