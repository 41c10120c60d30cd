import * as assert from 'assert';
import { runCli } from '../cli';
import { join } from 'path';
import { FxpError, joinPath, type PassiveAddressPolicy } from '../../../src/fxp';
import { scanTree } from '../../../src/fxp/folder/tree';
import type { FaultAction } from '../../ftpd/server';
import { assertFailure } from '../../faults/assertions';
import { record } from '../../faults/figures';
import { startHostile, type HostileServer } from '../../faults/hostileServer';
import { COMMAND_TIMEOUT_MS, data, makeEngine, measure, passwordsOf, secret, settle, startNode, type Node } from '../../faults/world';

/** A malicious passive server: PASV replies pointing elsewhere, ports below 1024. */
describe('hostile: PASV/EPSV replies pointing at a third host or a privileged port', function () {
  this.timeout(60_000);
  let a: Node;
  let b: Node;
  const B_HOST = '127.0.0.231';

  before(async () => {
    a = await startNode('evil-active', '127.0.0.230');
    b = await startNode('evil-passive', B_HOST);
    a.put('/f.bin', data(10_000));
  });
  afterEach(() => b.onCommand(undefined));
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const pasv = (host: string, port: number) => `227 Entering Passive Mode (${host.replace(/\./g, ',')},${port >> 8},${port & 255}).`;

  /** One FXP attempt with B passive answering `reply` to PASV (and `epsv` to EPSV); returns what A was told. */
  async function attempt(policy: PassiveAddressPolicy, reply: string, epsv?: string) {
    b.onCommand((cmd): FaultAction | undefined => {
      if (cmd === 'PASV') return { kind: 'reply', text: reply };
      if (cmd === 'EPSV' && epsv) return { kind: 'reply', text: epsv };
      return undefined;
    });
    const before = a.commands.length;
    const { engine, log } = makeEngine(passwordsOf(a, b));
    const run = await measure(engine.copyFile(a.site, '/f.bin', { ...b.site, passiveAddress: policy }, `/evil-${Date.now()}.bin`, { relay: 'never', orientation: 'dst-passive' }));
    engine.close();
    const told = a.commands.slice(before).filter(c => c.cmd === 'PORT' || c.cmd === 'EPRT').map(c => `${c.cmd} ${c.arg}`);
    return { run, told, log };
  }

  const toHost = (line: string) => (line.startsWith('PORT ') ? line.slice(5).split(',').slice(0, 4).join('.') : line.split('|')[2] ?? '');
  const toPort = (line: string) => {
    if (line.startsWith('PORT ')) {
      const n = line.slice(5).split(',').map(Number);
      return n[4]! * 256 + n[5]!;
    }
    return Number(line.split('|')[3]);
  };

  it('policy "control": no third host is ever forwarded (private, public, unspecified, broadcast)', async () => {
    for (const host of ['127.0.0.99', '203.0.113.5', '0.0.0.0', '255.255.255.255', '224.0.0.1']) {
      const { told } = await attempt('control', pasv(host, 30_000));
      assert.ok(told.length > 0, `${host}: no PORT at all`);
      for (const line of told) assert.strictEqual(toHost(line), B_HOST, `${host} reached the active server as "${line}"`);
    }
  });

  it('policy "auto": a public third host is never forwarded', async () => {
    const { told } = await attempt('auto', pasv('203.0.113.5', 30_000));
    for (const line of told) assert.strictEqual(toHost(line), B_HOST, `forwarded as "${line}"`);
  });

  it('policy "auto": unspecified, broadcast and multicast addresses are never forwarded', async () => {
    for (const host of ['0.0.0.0', '255.255.255.255', '224.0.0.1']) {
      const { told } = await attempt('auto', pasv(host, 30_000));
      for (const line of told) assert.strictEqual(toHost(line), B_HOST, `${host} reached the active server as "${line}"`);
    }
  });

  it('policy "auto": a third host on the servers\' own private network is not forwarded (issue 7: only "reply" trusts it)', async () => {
    const { told, log } = await attempt('auto', pasv('127.0.0.99', 30_000));
    const reason = log.find(l => /passive address/.test(l)) ?? '';
    for (const line of told) assert.strictEqual(toHost(line), B_HOST, `forwarded as "${line}" (${reason})`);
  });

  it('policy "reply": the reply is trusted and forwarded (documented), still never below port 1024', async () => {
    const { told } = await attempt('reply', pasv('127.0.0.99', 30_000));
    assert.ok(told.some(l => toHost(l) === '127.0.0.99'), `the trusted reply was not used: ${told.join(' | ')}`);
  });

  for (const policy of ['auto', 'control', 'reply'] as const) {
    it(`policy "${policy}": ports below 1024 in PASV or EPSV are refused as FXP_UNSAFE_ADDRESS, no PORT/EPRT sent`, async () => {
      for (const [reply, epsv] of [
        [pasv(B_HOST, 21), undefined],
        [pasv('127.0.0.99', 1023), undefined],
        ['500 PASV not understood.', '229 Entering Extended Passive Mode (|||22|)'],
      ] as const) {
        const { run, told } = await attempt(policy, reply, epsv);
        assert.deepStrictEqual(told.filter(l => toPort(l) < 1024), [], `a privileged port was forwarded: ${told.join(' | ')}`);
        assert.deepStrictEqual(told, [], `PORT/EPRT sent after an unsafe passive reply: ${told.join(' | ')}`);
        const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'FXP_UNSAFE_ADDRESS'] }, reply);
        assert.ok([err, ...(err.causes ?? [])].some(e => e.code === 'FXP_UNSAFE_ADDRESS'), err.describe());
      }
    });
  }

  it('an unparseable PASV reply is a PROTOCOL error, not a crash', async () => {
    const { run, told } = await attempt('auto', '227 Entering Passive Mode (999,1,2,3,4,5).');
    assert.deepStrictEqual(told, []);
    const err = assertFailure(run, { codes: ['FXP_IMPOSSIBLE', 'PROTOCOL'] });
    assert.ok([err, ...(err.causes ?? [])].some(e => e.code === 'PROTOCOL'), err.describe());
  });
});

/** Replies that never end, replies over the cap, bytes dripped slowly. */
describe('hostile: endless, oversized and slow-drip replies', function () {
  this.timeout(60_000);
  let a: Node;
  let b: Node;

  before(async () => {
    a = await startNode('drip-src', '127.0.0.234');
    b = await startNode('drip-dst', '127.0.0.235');
    a.put('/f.bin', data(50_000));
  });
  afterEach(() => {
    b.onCommand(undefined);
    b.server.faults.onConnect = undefined;
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  async function list(limitMs = 30_000): Promise<{ run: Awaited<ReturnType<typeof measure>> }> {
    const { engine } = makeEngine(passwordsOf(a, b));
    const run = await measure(engine.list(b.site, '/'), limitMs, () => engine.close());
    engine.close();
    return { run };
  }

  it('an endless multi-line reply sent at once: refused at the size cap, a typed error, quickly', async () => {
    b.onCommand(cmd => (cmd === 'FEAT' ? { kind: 'reply', text: `211-Features:\r\n${' EPSV\r\n'.repeat(300_000)}` } : undefined));
    const { run } = await list();
    assertFailure(run, { codes: ['PROTOCOL', 'CONNECTION_LOST'], site: 'drip-dst', describe: /exceeded|too (large|long)/i, withinMs: 5_000 });
  });

  it('a single reply line over 64 KiB: refused, a typed error', async () => {
    b.onCommand(cmd => (cmd === 'PWD' || cmd === 'TYPE' ? { kind: 'reply', text: `200 ${'x'.repeat(200_000)}` } : undefined));
    const { run } = await list();
    assertFailure(run, { codes: ['PROTOCOL', 'CONNECTION_LOST'], site: 'drip-dst', describe: /exceeded|too (large|long)/i, withinMs: 5_000 });
  });

  it(`an endless reply dripped slowly (100 bytes/s) ends within the command timeout (${COMMAND_TIMEOUT_MS / 1000} s), not at the size cap`, async () => {
    b.onCommand(cmd => (cmd === 'FEAT' ? { kind: 'drip', text: `211-Features:\r\n${' EPSV\r\n'.repeat(20_000)}`, bytesPerTick: 10, tickMs: 100 } : undefined));
    const { run } = await list(10_000);
    assertFailure(run, { codes: ['TIMEOUT', 'PROTOCOL', 'CONNECTION_LOST'], site: 'drip-dst', withinMs: 2 * COMMAND_TIMEOUT_MS + 1_000 });
  });

  it('a greeting and a FEAT dripped byte by byte, each within the command timeout: the copy works', async () => {
    b.server.faults.onConnect = () => ({ kind: 'drip', text: '220-Slow\r\n220 server ready.', bytesPerTick: 1, tickMs: 15 });
    b.onCommand(cmd => (cmd === 'FEAT' ? { kind: 'drip', text: '211-Features:\r\n SIZE\r\n EPSV\r\n211 End', bytesPerTick: 2, tickMs: 15 } : undefined));
    const { engine } = makeEngine(passwordsOf(a, b));
    const run = await measure(engine.copyFile(a.site, '/f.bin', b.site, '/dripped.bin', { relay: 'never' }));
    engine.close();
    assert.ok(run.value?.verification.ok, String(run.error));
  });

  it('a garbage SIZE reply from the source never turns into NaN bytes', async () => {
    a.onCommand((cmd, arg) => (cmd === 'SIZE' && arg === '/f.bin' ? { kind: 'reply', text: '213 lots of bytes' } : undefined));
    const { engine } = makeEngine(passwordsOf(a, b));
    const run = await measure(engine.copyFile(a.site, '/f.bin', b.site, '/garbage-size.bin', { relay: 'never' }));
    engine.close();
    a.onCommand(undefined);
    if (run.value) assert.ok(Number.isFinite(run.value.bytes), `reported ${run.value.bytes} bytes`);
    else assert.ok(run.error instanceof FxpError, String(run.error));
  });
});

/** Listings with names that must never be used as given. */
describe('hostile: listings with "/", "..", CR/LF, NUL, escapes, leading "-", long names, invalid UTF-8', function () {
  this.timeout(60_000);
  let h: HostileServer;
  let d: Node;
  const password = secret('hostile');
  const FILES = new Map<string, Buffer>();
  const GOOD = ['good.bin', '-rf', '--help', 'ü name.bin', `${'L'.repeat(240)}.bin`, ' lead space.bin'];
  const EVIL_NAMES = [
    '..', '.', '../../../etc/passwd', 'a/b', '/abs.bin', 'x\rDELE /dir/good.bin', 'nul\0name', `esc\x1b[2J\x1b]0;pwned\x07.bin`,
  ];
  let mode: 'normal' | 'endless' | 'baddate' | 'deep' = 'normal';

  function mlsd(path: string): Buffer {
    const lines: (string | Buffer)[] = [
      'type=cdir;modify=20241121084000; .',
      'type=pdir;modify=20241121084000; ..',
      ...GOOD.map(n => `type=file;size=${FILES.get(`/dir/${n}`)?.length ?? 1};modify=20241121084000; ${n}`),
      ...EVIL_NAMES.map(n => `type=file;size=3;modify=20241121084000; ${n}`),
      'type=dir;modify=20241121084000; ..',
      // A name that is not UTF-8 (latin1 bytes): must come out as something safe, never as raw bytes.
      Buffer.concat([Buffer.from('type=file;size=3;modify=20241121084000; caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('.bin')]),
    ];
    if (mode === 'baddate') lines.push('type=file;size=3;modify=2024112108400X; bad-date.bin');
    if (mode === 'deep') return Buffer.from(`type=dir;modify=20241121084000; deeper\r\ntype=file;size=3;modify=20241121084000; f${path.length}.bin\r\n`);
    return Buffer.concat(lines.map(l => (Buffer.isBuffer(l) ? Buffer.concat([l, Buffer.from('\r\n')]) : Buffer.from(`${l}\r\n`))));
  }

  function list(): Buffer {
    const lines = [...GOOD, ...EVIL_NAMES].map(n => `-rw-r--r--    1 ftp      ftp  ${FILES.get(`/dir/${n}`)?.length ?? 3} Nov 21 08:40 ${n}`);
    lines.push('drwxr-xr-x    2 ftp      ftp  4096 Nov 21 08:40 ..');
    return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  }

  async function* endless(): AsyncIterable<Buffer> {
    const chunk = Buffer.from('type=file;size=1;modify=20241121084000; spam.bin\r\n'.repeat(2_000));
    for (;;) {
      yield chunk;
      await new Promise(resolve => setImmediate(resolve));
    }
  }

  before(async () => {
    for (const n of GOOD) FILES.set(`/dir/${n}`, data(1000 + n.length));
    h = await startHostile({
      host: '127.0.0.236', password, files: FILES,
      listing: (cmd, path) => (mode === 'endless' ? endless() : cmd === 'MLSD' ? mlsd(path) : list()),
    });
    d = await startNode('hostile-dst', '127.0.0.237');
  });
  after(async () => {
    await h?.close();
    await d?.close();
  });
  afterEach(() => { mode = 'normal'; });

  const site = (mlsdOn = true) => ({
    name: mlsdOn ? 'hostile' : 'hostile-list', host: '127.0.0.236', port: h.port, user: 'u', security: 'none' as const,
    passiveAddress: 'auto' as const, fxpPolicy: 'fxp-then-relay' as const, connectionLimit: 4,
  });
  const passwords = (name: string) => (name === 'hostile-dst' ? d.password : password);

  for (const withMlsd of [true, false]) {
    it(`${withMlsd ? 'MLSD' : 'LIST'}: only safe names are shown, the rest reported escaped, the good ones intact`, async () => {
      const hostile = await startHostile({ host: '127.0.0.238', password, files: FILES, mlsd: withMlsd, listing: (cmd, p) => (cmd === 'MLSD' ? mlsd(p) : list()) });
      try {
        const { engine } = makeEngine(s => passwords(s.name));
        const run = await measure(engine.list({ ...site(withMlsd), port: hostile.port, host: '127.0.0.238' }, '/dir'));
        engine.close();
        assert.ok(run.value, String(run.error));
        const { entries, dropped } = run.value;
        for (const e of entries) {
          assert.ok(!/[/\r\n\0]/.test(e.name) && e.name !== '.' && e.name !== '..' && e.name !== '', `unsafe name shown: ${JSON.stringify(e.name)}`);
        }
        for (const g of GOOD) assert.ok(entries.some(e => e.name === g), `the good name ${JSON.stringify(g)} is missing`);
        for (const x of dropped) assert.doesNotMatch(x, /[\r\n\0]/, `a dropped name is reported raw: ${JSON.stringify(x)}`);
        assert.ok(!entries.some(e => /[\ud800-\udfff]/.test(e.name)), 'lone surrogates from invalid UTF-8');
      } finally {
        await hostile.close();
      }
    });
  }

  it('copying every listed file: each command names a path inside the folder, nothing from a name becomes a second command', async () => {
    const { engine } = makeEngine(s => passwords(s.name));
    const before = h.received.length;
    const listing = await engine.list(site(), '/dir');
    const results: string[] = [];
    for (const e of listing.entries.filter(x => x.kind === 'file')) {
      const path = joinPath('/dir', e.name);
      const run = await measure(engine.copyFile(site(), path, d.site, `/copy-${results.length}.bin`, { relay: 'auto' }));
      results.push(run.value ? 'ok' : `${e.name}: ${run.error instanceof FxpError ? run.error.code : String(run.error)}`);
    }
    engine.close();
    const lines = h.received.slice(before);
    const known = /^(USER|PASS|FEAT|OPTS|TYPE|PWD|CWD|SYST|NOOP|QUIT|ABOR|MDTM|SIZE|PASV|EPSV|MLSD|LIST|NLST|RETR|STOR|DELE|PORT|EPRT|REST|HASH|XSHA256|XSHA1|XMD5|XCRC|PRET|STAT)( |$)/;
    for (const line of lines) {
      assert.match(line, known, `an unexpected command reached the server: ${JSON.stringify(line)}`);
      const m = /^(SIZE|RETR|MLSD|LIST|DELE|STOR|MDTM|CWD) (?:-\S+ )?(.*)$/.exec(line);
      if (!m) continue;
      const path = m[2]!;
      assert.ok(path === '/dir' || path.startsWith('/dir/'), `${line}: outside /dir`);
      assert.ok(!path.split('/').includes('..'), `${line}: contains ".."`);
    }
    assert.ok(!lines.some(l => /^DELE /.test(l)), 'a DELE reached the source server');
    for (const g of GOOD) {
      assert.ok(lines.some(l => l === `RETR /dir/${g}`) || lines.some(l => l === `SIZE /dir/${g}`), `${g} was never fetched (${results.join('; ')})`);
    }
  });

  it('a folder scan keeps only safe relative paths', async () => {
    const { engine } = makeEngine(s => passwords(s.name));
    const tree = await scanTree(engine, { site: site(), path: '/dir' });
    engine.close();
    for (const rel of [...tree.files.keys(), ...tree.dirs]) {
      assert.ok(!rel.split('/').some(p => p === '..' || p === '.' || p === ''), `unsafe relative path ${JSON.stringify(rel)}`);
      assert.doesNotMatch(rel, /[\r\n\0]/);
    }
  });

  it('one line with an invalid MLSD date does not make the whole listing fail', async () => {
    mode = 'baddate';
    const { engine } = makeEngine(s => passwords(s.name));
    const run = await measure(engine.list(site(), '/dir'));
    engine.close();
    assert.ok(run.value, `the listing failed: ${run.error instanceof FxpError ? `${run.error.code}: ${run.error.describe()}` : String(run.error)}`);
    assert.ok(run.value.entries.some(e => e.name === 'good.bin'));
  });

  it('an endless listing stream is cut off: a typed error within 10 s, memory bounded', async () => {
    mode = 'endless';
    const { engine } = makeEngine(s => passwords(s.name));
    const rss = process.memoryUsage().rss;
    const run = await measure(engine.list(site(), '/dir'), 10_000, () => engine.close());
    engine.close();
    const grown = (process.memoryUsage().rss - rss) / 1e6;
    record.number('endless listing: RSS growth (MB)', grown.toFixed(0));
    assert.notStrictEqual(run.error, 'HUNG', `still reading an endless listing after 10 s (RSS grew ${grown.toFixed(0)} MB)`);
    assert.ok(run.error instanceof FxpError, `expected a typed error, got ${run.value ? `${run.value.entries.length} entries` : String(run.error)}`);
    assert.ok(await settle(() => h.connections() === 0, 5_000), 'connections left open');
  });

  it('a server that shows a folder inside every folder cannot make a scan run forever', async () => {
    mode = 'deep';
    const { engine } = makeEngine(s => passwords(s.name));
    const controller = new AbortController();
    const before = h.received.length;
    const run = await measure(scanTree(engine, { site: site(), path: '/dir' }, { retry: { retries: 0, backoffMs: 0, signal: controller.signal } }), 10_000,
      () => { controller.abort(); engine.close(); });
    engine.close();
    const depth = h.received.slice(before).filter(l => l.startsWith('MLSD ')).length;
    record.number('endless folder depth: folders listed in 10 s', depth);
    assert.notStrictEqual(run.error, 'HUNG', `the scan was still descending after 10 s (${depth} levels, path length ${h.received.filter(l => l.startsWith('MLSD ')).at(-1)?.length ?? 0})`);
  });

  it('fxp ls never writes a server\'s control characters to the terminal', async () => {
    const out = await runCli(['ls', `ftp://u@127.0.0.236:${h.port}/dir`], { FXP_PASSWORD: password });
    record.text(out.stdout);
    record.text(out.stderr);
    assert.strictEqual(out.code, 0, out.stderr);
    assert.match(out.stdout, /good\.bin/);
    for (const [stream, text] of [['stdout', out.stdout], ['stderr', out.stderr]] as const) {
      const bad = [...text].filter(c => /[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(c));
      assert.deepStrictEqual(bad.map(c => c.codePointAt(0)!.toString(16)), [], `${stream} carries raw control characters from the server: ${JSON.stringify(text.split('\n').find(l => /[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(l)))}`);
    }
  });
});
