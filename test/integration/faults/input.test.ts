import * as assert from 'assert';
import { runCli, type CliRun } from '../cli';
import { parseSiteUrl } from '../../../src/cli/url';
import { FxpError, makeSite, type Site } from '../../../src/fxp';
import { record } from '../../faults/figures';
import { data, makeEngine, measure, passwordsOf, startNode, type Node } from '../../faults/world';
import { makeDir, putFile, readDisk, siteFor, useServers } from '../fixtures';

async function fxp(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, { FXP_PASSWORD: '', ...env });
  record.text(run.stdout);
  record.text(run.stderr);
  return run;
}

function invalid(fn: () => unknown, field: RegExp): FxpError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof FxpError, `expected INVALID_INPUT, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.strictEqual(caught.code, 'INVALID_INPUT', caught.describe());
  assert.match(caught.message, field);
  return caught;
}

describe('user input: sites, ports, URLs and paths are validated with clear messages', () => {
  const base = { host: 'ftp.example.com', user: 'u' };

  it('makeSite: bad hosts are refused, naming the field and an example', () => {
    invalid(() => makeSite({ ...base, host: '' }), /host is empty.*e\.g\. ftp\.example\.com/);
    invalid(() => makeSite({ ...base, host: '   ' }), /host is empty/);
    for (const host of ['ftp://example.com', 'exa mple.com', 'a..b', '-bad.example.com', 'host\r\nUSER x', 'x'.repeat(300), 'example.com:21', 'bad_underscore$.com']) {
      invalid(() => makeSite({ ...base, host }), /host "[\s\S]*" is not a valid host name or IP address/);
    }
  });

  it('makeSite: a message never carries the raw line breaks of what was typed (one log line stays one line)', () => {
    const err = invalid(() => makeSite({ ...base, host: 'evil\r\n[info] Copied everything' }), /host/);
    assert.doesNotMatch(err.message, /[\r\n]/, JSON.stringify(err.message));
  });

  it('makeSite: numbers that are not IPv4 addresses and colons that are not IPv6 addresses are refused', () => {
    // "1.2.3" would be read as 1.2.0.3 by the resolver, "256.1.1.1" is no address at all.
    for (const host of ['256.1.1.1', '1.2.3', '999.999.999.999', ':::::', '1:2', '1::2::3']) {
      invalid(() => makeSite({ ...base, host }), /host ".*" is not a valid host name or IP address/);
    }
  });

  it('makeSite: valid hosts pass, brackets and spaces trimmed', () => {
    assert.strictEqual(makeSite({ ...base, host: ' 127.0.0.2 ' }).host, '127.0.0.2');
    assert.strictEqual(makeSite({ ...base, host: '[::1]' }).host, '::1');
    assert.strictEqual(makeSite({ ...base, host: '2001:db8::1' }).host, '2001:db8::1');
    assert.strictEqual(makeSite({ ...base, host: 'ftp.example.com.' }).host, 'ftp.example.com.');
    assert.strictEqual(makeSite({ ...base, host: 'localhost' }).port, 21);
    assert.strictEqual(makeSite({ ...base, security: 'implicit' }).port, 990);
  });

  it('makeSite: ports, users and enums are checked', () => {
    for (const port of [0, -1, 65536, 21.5, Number.NaN, '21' as unknown as number]) {
      invalid(() => makeSite({ ...base, port }), /port .* is not a port number \(1-65535\)/);
    }
    assert.strictEqual(makeSite({ ...base, port: 1 }).port, 1);
    assert.strictEqual(makeSite({ ...base, port: 65535 }).port, 65535);
    invalid(() => makeSite({ ...base, user: 'a\r\nDELE x' }), /user is empty or contains control characters/);
    invalid(() => makeSite({ ...base, user: '' }), /user/);
    invalid(() => makeSite({ ...base, security: 'ssl' as Site['security'] }), /security must be one of none, explicit, implicit/);
    invalid(() => makeSite({ ...base, passiveAddress: 'trust' as Site['passiveAddress'] }), /passiveAddress must be one of/);
    invalid(() => makeSite({ ...base, fxpPolicy: 'sometimes' as Site['fxpPolicy'] }), /fxpPolicy must be one of/);
    for (const connectionLimit of [0, 65, 1.5]) invalid(() => makeSite({ ...base, connectionLimit }), /connectionLimit must be a whole number from 1 to 64/);
  });

  it('CLI URLs: good ones parse, with encoded spaces, unicode and passwords', () => {
    const u = parseSiteUrl('ftp://bob:pa%3Ass@127.0.0.2:2121/dir%20with%20space/%C3%BC%20%E6%97%A5.bin');
    assert.strictEqual(u.path, '/dir with space/ü 日.bin');
    assert.strictEqual(u.password, 'pa:ss');
    assert.strictEqual(u.site.port, 2121);
    assert.strictEqual(parseSiteUrl('ftps+implicit://h.example.com/x').site.port, 990);
    assert.strictEqual(parseSiteUrl('ftp://[::1]:2121/x').site.host, '::1');
    assert.strictEqual(parseSiteUrl('ftp://h.example.com').path, '/');
  });

  it('CLI URLs: bad ones are INVALID_INPUT with a message that says what to type', () => {
    invalid(() => parseSiteUrl('ftp://h.example.com:0/x'), /port 0 is not a port number/);
    invalid(() => parseSiteUrl('ftp://h.example.com:99999/x'), /not a URL/);
    invalid(() => parseSiteUrl('sftp://h.example.com/x'), /Unsupported scheme "sftp:"/);
    invalid(() => parseSiteUrl('h.example.com/x'), /not a URL/);
    invalid(() => parseSiteUrl('ftp://h.example.com/a%0D%0ADELE%20b'), /line break/);
    invalid(() => parseSiteUrl('ftp://h.example.com/a%00b'), /NUL/);
  });

  it('CLI URLs: malformed percent-encoding is INVALID_INPUT, not a crash', () => {
    invalid(() => parseSiteUrl('ftp://h.example.com/%E0%A4%A'), /./);
    invalid(() => parseSiteUrl('ftp://u%ZZ@h.example.com/x'), /./);
    invalid(() => parseSiteUrl('ftp://u:p%ZZ@h.example.com/x'), /./);
  });

  it('CLI URLs: an invalid URL with a password in it is never echoed with the password', () => {
    record.secret('Hunter2-url-secret');
    const err = invalid(() => parseSiteUrl('ftp://bob:Hunter2-url-secret@h.example.com:99999/x'), /not a URL/);
    record.error(err);
    assert.ok(!err.describe().includes('Hunter2-url-secret'), err.describe());
  });

  it('the CLI exits 2 with a clear message for bad input, 0 for help', async () => {
    const bad = await fxp(['cp', 'ftp://h.example.com:0/x', 'ftp://h.example.com/y']);
    assert.strictEqual(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /port 0 is not a port number/);
    const malformed = await fxp(['ls', 'ftp://h.example.com/%E0%A4%A']);
    assert.strictEqual(malformed.code, 2, `malformed percent-encoding: exit ${malformed.code}: ${malformed.stderr}`);
    const scheme = await fxp(['ls', 'http://h.example.com/']);
    assert.strictEqual(scheme.code, 2);
    assert.match(scheme.stderr, /Use ftp:\/\/ or ftps:\/\//);
    const help = await fxp(['help']);
    assert.strictEqual(help.code, 0);
  });
});

describe('user input: paths that would inject a command never reach a server', function () {
  this.timeout(30_000);
  let a: Node;
  let b: Node;

  before(async () => {
    a = await startNode('inject-a', '127.0.0.242');
    b = await startNode('inject-b', '127.0.0.243');
    a.put('/f.bin', data(100));
    a.put('/victim.bin', data(100));
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const BAD = ['/f.bin\r\nDELE /victim.bin', '/f.bin\nDELE /victim.bin', '/f.bin\0DELE /victim.bin', '/f.bin\rDELE /victim.bin'];
  const operations: [string, (engine: ReturnType<typeof makeEngine>['engine'], path: string) => Promise<unknown>][] = [
    ['copyFile (source path)', (e, p) => e.copyFile(a.site, p, b.site, '/x.bin', { relay: 'auto' })],
    ['copyFile (destination path)', (e, p) => e.copyFile(a.site, '/f.bin', b.site, p, { relay: 'auto' })],
    ['list', (e, p) => e.list(a.site, p)],
    ['mkdir', (e, p) => e.mkdir(a.site, p)],
    ['ensureDir', (e, p) => e.ensureDir(a.site, p)],
    ['rename', (e, p) => e.rename(a.site, '/f.bin', p)],
    ['deleteFile', (e, p) => e.deleteFile(a.site, p)],
    ['removeDir', (e, p) => e.removeDir(a.site, p)],
    ['size', (e, p) => e.size(a.site, p)],
    ['upload', (e, p) => e.upload(a.site, p, Buffer.from('x'))],
  ];

  for (const [name, op] of operations) {
    it(`${name}: a path with CR, LF or NUL is INVALID_INPUT and nothing after it is sent`, async () => {
      const { engine } = makeEngine(passwordsOf(a, b));
      try {
        for (const path of BAD) {
          const run = await measure(op(engine, path));
          assert.ok(run.error instanceof FxpError, `${JSON.stringify(path)}: ${run.error === undefined ? 'accepted' : String(run.error)}`);
          assert.strictEqual(run.error.code, 'INVALID_INPUT', `${JSON.stringify(path)}: ${run.error.code}: ${run.error.describe()}`);
          assert.doesNotMatch(run.error.describe(), /[\r\n\0]/, 'the message itself carries the line break');
        }
      } finally {
        engine.close();
      }
      for (const n of [a, b]) {
        assert.ok(!n.commands.some(c => c.cmd === 'DELE' || /victim/.test(c.arg)), `${n.name} received ${JSON.stringify(n.commands.filter(c => /victim/.test(c.arg) || c.cmd === 'DELE'))}`);
      }
      assert.ok(a.read('/victim.bin'), 'the victim file is gone');
    });
  }
});

/** Paths with spaces and unicode, server to server, byte-exact. */
describe('user input: names with spaces, unicode and punctuation copy correctly between real servers', function () {
  this.timeout(120_000);
  const IDS = ['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib'];
  const world = useServers(IDS);
  before(() => { for (const s of world.set.servers) record.secret(s.password); });
  const NAMES = [
    '/dir with spaces/file with  two  spaces.bin',
    '/ünïcödé/日本語 ファイル.bin',
    '/emoji 😀 folder/😀.bin',
    '/nfd-u\u0308.bin',
    '/percent %20 and #hash and ?.bin',
    '/[brackets] (parens) {braces} & ampersand.bin',
    "/quote's and \"double\".bin",
    '/-leading-dash.bin',
  ];
  const pairs: [string, string][] = [['pure-ftpd', 'proftpd'], ['proftpd', 'vsftpd'], ['vsftpd', 'pyftpdlib'], ['pyftpdlib', 'pure-ftpd']];

  for (const [from, to] of pairs) {
    it(`${from} -> ${to}: every name arrives under the same name, byte-exact, by FXP`, async () => {
      const { set } = world;
      const { engine } = makeEngine(site => set.get(site.name).password);
      const failures: string[] = [];
      try {
        for (const name of NAMES) {
          const content = data(3000);
          putFile(set.get(from), name, content);
          const folder = name.slice(0, name.lastIndexOf('/'));
          if (folder) makeDir(set.get(to), folder);
          const run = await measure(engine.copyFile(siteFor(set.get(from)), name, siteFor(set.get(to)), name, { relay: 'never' }));
          if (!run.value) failures.push(`${name}: ${run.error instanceof FxpError ? run.error.describe() : String(run.error)}`);
          else if (!readDisk(set.get(to), name)?.equals(content)) failures.push(`${name}: bytes differ`);
        }
      } finally {
        engine.close();
      }
      assert.deepStrictEqual(failures, []);
    });
  }

  it('fxp cp with a percent-encoded unicode URL copies to the right name', async () => {
    const { set } = world;
    const src = set.get('pure-ftpd');
    const dst = set.get('proftpd');
    const content = data(2000);
    putFile(src, '/cli ü dir/日本 file.bin', content);
    makeDir(dst, '/cli ü dir');
    const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const url = (s: typeof src, p: string) => `ftp://${s.user}@${s.host}:${s.port}${enc(p)}`;
    const run = await fxp(['cp', url(src, '/cli ü dir/日本 file.bin'), url(dst, '/cli ü dir/')], { FXP_SRC_PASSWORD: src.password, FXP_DST_PASSWORD: dst.password });
    assert.strictEqual(run.code, 0, run.stderr);
    assert.ok(readDisk(dst, '/cli ü dir/日本 file.bin')?.equals(content));
  });
});
