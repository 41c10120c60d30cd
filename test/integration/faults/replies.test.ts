import * as assert from 'assert';
import { chmodSync, chownSync, mkdirSync } from 'fs';
import { connect, type Socket } from 'net';
import type { Orientation } from '../../../src/fxp';
import type { FaultAction } from '../../ftpd/server';
import { assertFailure, chain } from '../../faults/assertions';
import { record } from '../../faults/figures';
import { data, makeEngine, measure, passwordsOf, settle, startNode, type Node } from '../../faults/world';
import { FXP_IDS, putFile, readDisk, siteFor, useServers } from '../fixtures';

/** Every reply code of the fault matrix, from the in-process server's fault hooks. */
describe('faults: server replies 421 425 426 450 451 452 530 550 552 553 (in-process servers)', function () {
  this.timeout(60_000);
  let a: Node;
  let b: Node;
  const FILE = data(300 * 1024);

  before(async () => {
    a = await startNode('reply-src', '127.0.0.215');
    b = await startNode('reply-dst', '127.0.0.216');
    a.put('/f.bin', FILE);
  });
  afterEach(() => {
    for (const n of [a, b]) {
      n.onCommand(undefined);
      n.server.faults.onConnect = undefined;
      n.server.faults.onTransferDone = undefined;
      n.server.faults.breakDataAt = undefined;
    }
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  /** Runs one copy with the fault armed; returns the run and the engine transcript. */
  async function copy(name: string, opts: { relay?: 'never' | 'auto'; orientation?: Orientation; passwords?: Map<string, string> } = {}) {
    const { engine, log } = makeEngine(opts.passwords ?? passwordsOf(a, b));
    const run = await measure(engine.copyFile(a.site, '/f.bin', b.site, name, { relay: opts.relay ?? 'never', orientation: opts.orientation }), 30_000);
    engine.close();
    assert.ok(await settle(() => a.server.connections() === 0 && b.server.connections() === 0), 'connections left open after engine.close()');
    return { run, log };
  }

  const once = (verb: string, text: string) => {
    let fired = false;
    return (cmd: string): FaultAction | undefined => {
      if (cmd !== verb || fired) return undefined;
      fired = true;
      return { kind: 'reply', text };
    };
  };
  const always = (verb: string, text: string) => (cmd: string): FaultAction | undefined => (cmd === verb ? { kind: 'reply', text } : undefined);

  it('421 at the greeting (too many connections): CONNECT_FAILED with the reply and a hint, no login tried', async () => {
    b.server.faults.onConnect = () => ({ kind: 'reply', text: '421 Too many connections (8) from this IP' });
    const { run } = await copy('/421-greeting.bin');
    const err = assertFailure(run, { codes: ['CONNECT_FAILED'], replyCode: 421, site: 'reply-dst', describe: /Too many connections/ });
    assert.match(err.hint ?? '', /too many connections|full/i);
    assert.strictEqual(b.count('PASS'), 0);
    assert.strictEqual(b.size('/421-greeting.bin'), undefined);
  });

  it('421 from a full server (maxSessions reached): CONNECT_FAILED naming the site', async () => {
    const full = await startNode('reply-full', '127.0.0.217', { maxSessions: 1 });
    const holder: Socket = connect({ host: full.site.host, port: full.site.port });
    await new Promise(resolve => holder.once('data', resolve));
    try {
      const { engine } = makeEngine(passwordsOf(a, full));
      const run = await measure(engine.copyFile(a.site, '/f.bin', full.site, '/x.bin', { relay: 'never' }));
      engine.close();
      assertFailure(run, { codes: ['CONNECT_FAILED'], replyCode: 421, site: 'reply-full', describe: /Too many connections/ });
    } finally {
      holder.destroy();
      await full.close();
    }
  });

  it('421 at STOR (server shutting down): says so, does not blame FXP settings, leaves no file', async () => {
    b.onCommand(always('STOR', '421 Service not available, closing control connection.'));
    const { run } = await copy('/421-stor.bin');
    const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'SERVER_REPLY', 'CONNECTION_LOST'], replyCode: 421, site: 'reply-dst' });
    for (const e of chain(err)) {
      assert.ok(!/FXP_REFUSED/.test(e.code), `a server shutting down was diagnosed as an FXP refusal: ${e.describe()}`);
    }
    assert.strictEqual(b.size('/421-stor.bin'), undefined);
  });

  it('425 once on the passive side: the other orientation completes, verified', async () => {
    b.onCommand(once('STOR', '425 Can\'t open data connection.'));
    const { run } = await copy('/425-once.bin');
    assert.ok(run.value, String(run.error));
    assert.ok(run.value.verification.ok);
    assert.strictEqual(run.value.attempts[0]?.ok, false);
    assert.ok(b.read('/425-once.bin')?.equals(FILE));
  });

  it('425 always: FXP_IMPOSSIBLE carrying the 425, no file', async () => {
    b.onCommand(always('STOR', '425 Can\'t open data connection.'));
    const { run } = await copy('/425-always.bin');
    assertFailure(run, { codes: ['FXP_IMPOSSIBLE'], replyCode: 425, site: 'reply-dst' });
    assert.strictEqual(b.size('/425-always.bin'), undefined);
  });

  it('426 mid-transfer (source breaks the data connection after 100 KB), both orientations: each attempt blames the source, no file', async () => {
    a.server.faults.breakDataAt = 100 * 1024;
    const { run } = await copy('/426.bin', { relay: 'never' });
    const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE'], replyCode: 426 });
    // The source broke the data connection; the destination's 426 answers our ABOR and must not be taken for the cause.
    for (const e of err.causes ?? []) assert.strictEqual(e.site, 'reply-src', `${e.describe()}`);
    assert.strictEqual(b.size('/426.bin'), undefined, 'a broken copy left a file');
  });

  it('426 mid-transfer, then the relay breaks too: an error naming the source, no file', async () => {
    a.server.faults.breakDataAt = 100 * 1024;
    const { run } = await copy('/426-relay.bin', { relay: 'auto' });
    assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'SERVER_REPLY', 'CONNECTION_LOST', 'VERIFY_FAILED'], site: 'reply-src' });
    assert.strictEqual(b.size('/426-relay.bin'), undefined, 'a broken copy left a file');
  });

  it('426 once: the retry in the other orientation completes byte-exact', async () => {
    a.server.faults.breakDataAt = 100 * 1024;
    a.server.faults.onTransferDone = () => { a.server.faults.breakDataAt = undefined; return undefined; };
    const { run } = await copy('/426-once.bin');
    assert.ok(run.value, String(run.error));
    assert.ok(b.read('/426-once.bin')?.equals(FILE));
  });

  for (const [code, text, relay] of [
    [450, '450 File busy, try again later.', 'auto'],
    [452, '452 Insufficient storage space in system.', 'auto'],
    [552, '552 Exceeded storage allocation.', 'auto'],
    [553, '553 Could not create file.', 'auto'],
    [550, '550 /x: Permission denied', 'auto'],
  ] as const) {
    it(`${code} at STOR: SERVER_REPLY naming the destination, not retried, not relayed, no file`, async () => {
      b.onCommand(always('STOR', text));
      const name = `/stor-${code}.bin`;
      const { run, log } = await copy(name, { relay });
      const err = assertFailure(run, { codes: ['SERVER_REPLY'], replyCode: code, site: 'reply-dst', describe: new RegExp(text.slice(4, 20)) });
      assert.strictEqual(log.filter(l => /> STOR /.test(l)).length, 1, 'a file problem was retried in another orientation or by relay');
      assert.ok(!log.some(l => /Relaying/.test(l)), 'relayed');
      assert.strictEqual(b.size(name), undefined);
      assert.strictEqual(err.partial, undefined);
    });
  }

  it('451 at STOR (local error): an error carrying the 451, no file', async () => {
    b.onCommand(always('STOR', '451 Requested action aborted: local error in processing.'));
    const { run } = await copy('/451.bin');
    assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'SERVER_REPLY'], replyCode: 451, site: 'reply-dst' });
    assert.strictEqual(b.size('/451.bin'), undefined);
  });

  for (const code of [452, 552] as const) {
    it(`${code} (disk full) after part of the data arrived: the partial file is removed, the error says why`, async () => {
      b.server.faults.onTransferDone = info => (info.cmd === 'STOR' ? { kind: 'reply', text: `${code} Disk full: only ${Math.floor(info.bytes / 2)} bytes stored.` } : undefined);
      const name = `/full-${code}.bin`;
      const { run } = await copy(name, { relay: 'auto' });
      assertFailure(run, { codes: ['SERVER_REPLY'], replyCode: code, site: 'reply-dst', describe: /Disk full/ });
      assert.strictEqual(b.size(name), undefined, 'the partial upload stayed');
    });
  }

  for (const orientation of ['dst-passive', 'src-passive'] as const) {
    it(`550 permission denied at RETR (${orientation}): blamed on the source with its reply, no other way tried, no file`, async () => {
      a.onCommand(always('RETR', '550 /f.bin: Permission denied'));
      const name = `/retr-550-${orientation}.bin`;
      const { run, log } = await copy(name, { relay: 'auto', orientation });
      assertFailure(run, { codes: ['SERVER_REPLY', 'NOT_FOUND'], replyCode: 550, site: 'reply-src', describe: /Permission denied/ });
      assert.ok(!log.some(l => /Relaying/.test(l)), 'relayed a file the source refuses to send');
      assert.strictEqual(b.size(name), undefined);
    });
  }

  it('550 missing source file: NOT_FOUND naming the source, nothing sent to the destination but SIZE', async () => {
    const { engine, log } = makeEngine(passwordsOf(a, b));
    const run = await measure(engine.copyFile(a.site, '/missing.bin', b.site, '/missing.bin', { relay: 'auto' }));
    engine.close();
    assertFailure(run, { codes: ['NOT_FOUND'], replyCode: 550, site: 'reply-src' });
    assert.ok(!log.some(l => /reply-dst > (STOR|PASV|PORT|EPSV|EPRT)/.test(l)));
  });

  it('530 bad password: LOGIN_FAILED, exactly one USER/PASS per attempt, never retried, no lockout', async () => {
    const wrong = new Map([['reply-src', a.password], ['reply-dst', 'not-the-password']]);
    const before = { user: b.count('USER'), pass: b.count('PASS') };
    for (let i = 0; i < 3; i++) {
      const { run } = await copy('/530.bin', { passwords: wrong, relay: 'auto' });
      assertFailure(run, { codes: ['LOGIN_FAILED'], replyCode: 530, site: 'reply-dst', describe: /Login|login/ });
      assert.strictEqual(b.count('PASS') - before.pass, i + 1, 'PASS sent more than once per attempt');
      assert.strictEqual(b.count('USER') - before.user, i + 1, 'USER sent more than once per attempt');
    }
    const { run } = await copy('/530.bin');
    assert.ok(run.value, `the right password no longer works: ${String(run.error)}`);
  });

  it('530 with the password echoed by the server: the error never shows the password', async () => {
    b.onCommand((cmd, arg) => (cmd === 'PASS' ? { kind: 'reply', text: `530 Login incorrect for password "${arg}".` } : undefined));
    const { run, log } = await copy('/530-echo.bin');
    const err = assertFailure(run, { codes: ['LOGIN_FAILED'], replyCode: 530, site: 'reply-dst' });
    const everything = [err.message, err.describe(), JSON.stringify(err.toJSON()), ...log].join('\n');
    assert.ok(!everything.includes(b.password), `the password appears in: ${everything.split('\n').filter(l => l.includes(b.password)).join(' | ')}`);
  });
});

/** The same replies where real servers produce them: bad password, missing file, permissions, bad names. */
describe('faults: real servers refuse logins, missing files, unreadable files and unwritable folders', function () {
  this.timeout(120_000);
  const world = useServers(FXP_IDS.filter(id => id !== 'pure-ftpd-2'));
  before(() => { for (const s of world.set.servers) record.secret(s.password); });
  const REAL = ['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib'];
  const partner = (id: string) => (id === 'pure-ftpd' ? 'proftpd' : 'pure-ftpd');
  const passes = (id: string, log: string[]) => log.filter(l => l.endsWith(`: ${id} > PASS ****`)).length;

  for (const id of REAL) {
    it(`${id}: a wrong password is LOGIN_FAILED with one PASS per attempt, and the right one still works`, async () => {
      const { set } = world;
      // Servers delay a 530 on purpose (pyftpdlib 3 s, vsftpd and pure-ftpd about 1 s): allow for it.
      const { engine, log } = makeEngine(site => (site.name === id ? 'wrong-password' : set.get(site.name).password), { commandTimeoutMs: 10_000 });
      const { engine: good } = makeEngine(site => set.get(site.name).password);
      putFile(set.get(partner(id)), '/login.bin', data(1000));
      for (let i = 1; i <= 2; i++) {
        const run = await measure(engine.copyFile(siteFor(set.get(partner(id))), '/login.bin', siteFor(set.get(id)), '/login.bin', { relay: 'auto' }));
        assertFailure(run, { codes: ['LOGIN_FAILED'], replyCode: 530, site: id });
        assert.strictEqual(passes(id, log), i, `PASS sent ${passes(id, log)} times in ${i} attempts`);
      }
      const ok = await measure(good.copyFile(siteFor(set.get(partner(id))), '/login.bin', siteFor(set.get(id)), '/login.bin', { relay: 'never' }));
      engine.close();
      good.close();
      assert.ok(ok.value, `locked out after 2 failed attempts: ${String(ok.error)}`);
    });

    it(`${id} as source: a missing file is NOT_FOUND naming ${id}`, async () => {
      const { set } = world;
      const { engine } = makeEngine(site => set.get(site.name).password);
      const run = await measure(engine.copyFile(siteFor(set.get(id)), '/no-such-file.bin', siteFor(set.get(partner(id))), '/nsf.bin', { relay: 'auto' }));
      engine.close();
      assertFailure(run, { codes: ['NOT_FOUND'], site: id });
      assert.strictEqual(readDisk(set.get(partner(id)), '/nsf.bin'), undefined);
    });

    it(`${id} as source: an unreadable file fails naming ${id} and its 550, no file on the destination, not relayed`, async () => {
      const { set } = world;
      const server = set.get(id);
      putFile(server, '/secret.bin', data(5000));
      chownSync(server.diskPath('/secret.bin'), 0, 0);
      chmodSync(server.diskPath('/secret.bin'), 0o600);
      const { engine, log } = makeEngine(site => set.get(site.name).password);
      const dst = set.get(partner(id));
      const run = await measure(engine.copyFile(siteFor(server), '/secret.bin', siteFor(dst), '/unreadable.bin', { relay: 'auto' }));
      engine.close();
      record.text(log.join('\n'));
      const err = assertFailure(run, { codes: ['SERVER_REPLY', 'NOT_FOUND', 'FXP_IMPOSSIBLE'], site: id }, id);
      assert.ok(chain(err).some(e => e.site === id && e.reply !== undefined && e.reply.code >= 450), `${id}'s refusal is not in the error: ${err.describe()}`);
      assert.ok(!log.some(l => /Relaying/.test(l)), 'relayed a file the source refuses to send');
      assert.strictEqual(readDisk(dst, '/unreadable.bin'), undefined, 'a failed copy left a file');
    });

    it(`${id} as destination: an unwritable folder and a missing folder fail naming ${id}, no file`, async () => {
      const { set } = world;
      const server = set.get(id);
      const src = set.get(partner(id));
      putFile(src, '/w.bin', data(5000));
      mkdirSync(server.diskPath('/readonly'), { recursive: true });
      chownSync(server.diskPath('/readonly'), 0, 0);
      chmodSync(server.diskPath('/readonly'), 0o555);
      const { engine, log } = makeEngine(site => set.get(site.name).password);
      for (const target of ['/readonly/w.bin', '/no-such-folder/w.bin']) {
        const run = await measure(engine.copyFile(siteFor(src), '/w.bin', siteFor(server), target, { relay: 'auto' }));
        const err = assertFailure(run, { codes: ['SERVER_REPLY', 'NOT_FOUND', 'FXP_IMPOSSIBLE'], site: id }, `${id} ${target}`);
        assert.ok(chain(err).some(e => e.site === id && e.reply !== undefined && [450, 550, 553].includes(e.reply.code)), `${target}: ${err.describe()}`);
        assert.ok(!log.some(l => /Relaying/.test(l)), `${target}: relayed to a folder that cannot be written`);
        assert.strictEqual(readDisk(server, target), undefined);
      }
      engine.close();
    });
  }
});
