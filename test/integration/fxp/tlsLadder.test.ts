import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FxpEngine, FxpError, makeSite, type CopyResult, type DataProtection, type Site } from '../../../src/fxp';
import { startFtpd, type FaultHooks, type FtpdOptions, type FtpdServer } from '../../ftpd/server';
import { RawFtp } from '../../ftpd/rawclient';
import { random } from '../fixtures';

/**
 * The TLS FXP ladder end to end, and the client-side rules of the SSCN spec
 * (/work/shared/seeds/003_8965753e5d2ee9a2.txt), checked against the command log of the
 * in-process server (test/ftpd), which does SSCN and CPSV like the spec's servers.
 */

const PASSWORD = 'ladder-secret';
const HANDSHAKE_MS = 1_500;
const TIMEOUTS = { skewTimeoutMs: 5_000, preliminaryTimeoutMs: 10_000, abortGraceMs: 2_000, pollIntervalMs: 200, stallTimeoutMs: 10_000, tlsHandshakeTimeoutMs: HANDSHAKE_MS };
const SIZE = 300 * 1024;

interface Peer {
  name: string;
  server: FtpdServer;
  site: Site;
  /** the server's protocol transcript: `[session] > CMD`, `[session] < reply`, data/TLS events */
  log: string[];
  put(path: string, data: Buffer): void;
  read(path: string): Buffer;
}

interface Said {
  dir: '>' | '<';
  text: string;
}

/** The transcript cut per control session, commands ('>') and reply lines ('<') in order. */
function sessions(peer: Peer): Map<string, Said[]> {
  const out = new Map<string, Said[]>();
  for (const line of peer.log) {
    const m = /^\[(\d+)\] ([<>]) (.*)$/.exec(line);
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push({ dir: m[2] as '>' | '<', text: m[3]! });
    out.set(m[1]!, list);
  }
  return out;
}

const commands = (said: Said[]) => said.filter(s => s.dir === '>').map(s => s.text);
const verb = (command: string) => command.split(' ')[0]!.toUpperCase();

describe('TLS FXP ladder end to end, and the SSCN client rules (in-process servers)', function () {
  this.timeout(90_000);
  let tmp = '';
  let key = '';
  let cert = '';
  let strangerCert = '';
  const servers: FtpdServer[] = [];
  const engines: FxpEngine[] = [];

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fxp-ladder-'));
    const make = (name: string, subject: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(tmp, `${name}.key`), '-out', join(tmp, `${name}.pem`), '-days', '2', '-subj', subject,
        '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3'], { stdio: 'ignore' });
      return { key: readFileSync(join(tmp, `${name}.key`), 'utf8'), cert: readFileSync(join(tmp, `${name}.pem`), 'utf8') };
    };
    ({ key, cert } = make('server', '/CN=FXP ladder test'));
    strangerCert = make('stranger', '/CN=someone else').cert;
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) e.close();
    await Promise.all(servers.splice(0).map(s => s.close()));
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function peer(name: string, host: string, options: Partial<FtpdOptions> = {}, site: Partial<Site> = {}): Promise<Peer> {
    const root = mkdtempSync(join(tmp, `${name}-`));
    const log: string[] = [];
    const server = await startFtpd({
      host, port: 0, root, users: { tester: PASSWORD }, allowFxp: true, tls: { key, cert },
      // The servers' own limits are far away: whatever bounds a hang in these tests is the engine.
      tlsHandshakeTimeoutMs: 120_000, dataTimeoutMs: 120_000,
      log: line => log.push(line),
      ...options,
    });
    servers.push(server);
    return {
      name, server, log,
      site: makeSite({ host, port: server.port, user: 'tester', security: 'explicit', ca: [cert], ...site }, name),
      put: (p, d) => writeFileSync(join(root, p), d),
      read: p => readFileSync(join(root, p)),
    };
  }

  function engine(extra: { commandTimeoutMs?: number } = {}) {
    const log: { at: number; level: string; message: string }[] = [];
    const e = new FxpEngine({
      logger: (level, message) => log.push({ at: Date.now(), level, message }),
      password: async () => PASSWORD,
      timeouts: TIMEOUTS,
      ...extra,
    });
    engines.push(e);
    return { engine: e, log };
  }

  async function copy(e: FxpEngine, a: Peer, b: Peer, protection: DataProtection, name = `/f-${Date.now()}-${Math.random().toString(16).slice(2)}.bin`): Promise<{ result: CopyResult; data: Buffer }> {
    const data = random(SIZE);
    a.put(name, data);
    const before = e.bytes.data;
    const result = await e.copyFile(a.site, name, b.site, name, { relay: 'never', dataProtection: protection });
    assert.ok(b.read(name).equals(data), `the copy on ${b.name} is not byte-exact`);
    assert.strictEqual(e.bytes.data - before, 0, 'file data passed through the client');
    return { result, data };
  }

  /** The sessions of `p` that sent `command` (exact, upper case). */
  const sessionsWith = (p: Peer, command: string) => [...sessions(p).values()].filter(s => commands(s).includes(command));

  describe('the ladder', () => {
    it('the passive side refuses CPSV: the engine makes the other side TLS client (SSCN ON there) and copies byte-exact', async () => {
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false } });
      const faults: FaultHooks = { onCommand: cmd => (cmd === 'CPSV' ? { kind: 'reply', text: '500 CPSV not understood.' } : undefined) };
      const b = await peer('B', '127.0.0.2', { faults });
      const { engine: e, log } = engine();
      const { result } = await copy(e, a, b, 'preferred');
      assert.strictEqual(result.mode, 'fxp');
      assert.strictEqual(result.orientation, 'dst-passive');
      assert.strictEqual(result.channel, 'TLS FXP (SSCN, active side TLS client)');
      assert.ok(result.encrypted);
      // the first rung: CPSV on the passive destination, refused with its own words
      const [first, second] = result.attempts;
      assert.strictEqual(result.attempts.length, 2, JSON.stringify(result.attempts));
      assert.strictEqual(first!.channel, 'TLS FXP (CPSV, passive side TLS client)');
      assert.strictEqual(first!.ok, false);
      assert.strictEqual(first!.error?.code, 'TLS_FXP_FAILED');
      assert.strictEqual(first!.error?.site, 'B');
      assert.strictEqual(first!.error?.reply?.text, '500 CPSV not understood.');
      assert.ok(second!.ok);
      // the step and its reason are logged
      assert.ok(log.some(l => l.level === 'warn' && l.message.startsWith('FXP dst-passive (TLS FXP (CPSV, passive side TLS client)) failed: B:')
        && l.message.includes('500 CPSV not understood.')), log.map(l => l.message).join('\n'));
      // who sent what: SSCN ON only to A (the active source), granted; B only got CPSV (refused) and PASV
      const aOn = sessionsWith(a, 'SSCN ON');
      assert.strictEqual(aOn.length, 1);
      const onAt = aOn[0]!.findIndex(s => s.dir === '>' && s.text === 'SSCN ON');
      assert.strictEqual(aOn[0]![onAt + 1]?.text, '200 SSCN:CLIENT METHOD');
      assert.ok(commands(aOn[0]!.slice(onAt)).some(c => verb(c) === 'PORT' || verb(c) === 'EPRT'), 'A was the active side: ' + JSON.stringify(aOn[0]));
      assert.strictEqual(sessionsWith(b, 'SSCN ON').length, 0, 'B never got SSCN ON');
      assert.ok(b.log.some(l => /data TLS established as server/.test(l)), 'B was TLS server on the data connection');
      assert.ok(a.log.some(l => /data TLS established as client/.test(l)), 'A was TLS client on the data connection');
    });

    it('the first TLS client fails its handshake (it does not trust the peer): the engine retries with the other side as TLS client', async () => {
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false } });
      // B, as CPSV client, verifies A against a CA that did not sign A's certificate: a real handshake failure.
      const b = await peer('B', '127.0.0.2', { tls: { key, cert, ca: strangerCert } });
      const { engine: e, log } = engine();
      const { result } = await copy(e, a, b, 'preferred');
      assert.strictEqual(result.channel, 'TLS FXP (SSCN, active side TLS client)');
      const first = result.attempts[0]!;
      assert.strictEqual(first.channel, 'TLS FXP (CPSV, passive side TLS client)');
      assert.strictEqual(first.error?.code, 'TLS_FXP_FAILED', JSON.stringify(first.error));
      assert.match(first.error?.reply?.text ?? '', /^421 Connection closed \(SSL\/TLS negotiation failed\)\./);
      assert.match(first.error?.message ?? '', /TLS handshake between the two servers failed/);
      assert.ok(log.some(l => l.level === 'warn' && /^FXP dst-passive \(TLS FXP \(CPSV, passive side TLS client\)\) failed: .*SSL\/TLS negotiation failed/.test(l.message)));
      assert.ok(b.log.some(l => /data TLS failed: TLS error/.test(l)), 'B really failed its client handshake');
      // SSCN ON went to A only, on a fresh session (both servers closed their control connections after the 421: rule 5)
      assert.strictEqual(sessionsWith(a, 'SSCN ON').length, 1);
      assert.strictEqual(sessionsWith(b, 'SSCN ON').length, 0);
      assert.ok(a.log.some(l => /data TLS established as client/.test(l)));
    });

    it('a side that says "200 SSCN:CLIENT METHOD" but stays TLS server: bounded by the engine\'s handshake timeout, then the next rung', async () => {
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false } });
      const liar: FaultHooks = { onCommand: (cmd, arg) => (cmd === 'SSCN' && arg.toUpperCase() === 'ON' ? { kind: 'reply', text: '200 SSCN:CLIENT METHOD' } : undefined) };
      const b = await peer('B', '127.0.0.2', { features: { cpsv: false }, faults: liar });
      const { engine: e, log } = engine();
      const started = Date.now();
      const { result } = await copy(e, a, b, 'preferred');
      assert.strictEqual(result.channel, 'TLS FXP (SSCN, active side TLS client)');
      const first = result.attempts[0]!;
      assert.strictEqual(first.channel, 'TLS FXP (SSCN, passive side TLS client)');
      assert.strictEqual(first.error?.code, 'TLS_FXP_FAILED');
      assert.strictEqual(first.error?.message, `The servers did not complete the TLS handshake on the data connection within ${HANDSHAKE_MS / 1000} s.`);
      const failedAt = log.find(l => l.level === 'warn' && l.message.startsWith('FXP dst-passive (TLS FXP (SSCN, passive side TLS client)) failed:'))?.at;
      assert.ok(failedAt, log.map(l => l.message).join('\n'));
      const bound = failedAt - started;
      // bounded by the engine's handshake limit (plus ABOR grace), not by the servers' (120 s) or an idle timeout
      assert.ok(bound >= HANDSHAKE_MS && bound < HANDSHAKE_MS + TIMEOUTS.abortGraceMs + 2_000, `failed after ${bound} ms`);
      assert.ok(!b.log.some(l => /TLS handshake timeout/.test(l)), 'the server gave up first');
      console.log(`      (handshake hang cut after ${bound} ms with tlsHandshakeTimeoutMs ${HANDSHAKE_MS})`);
    });

    it('the TLS client side drops its control connection when the other side refuses with 522 (ProFTPD does, against vsftpd): still "session reuse", and the ladder goes on', async () => {
      // A is SSCN client; when its TLS data connection is cut it closes its control connection without a reply,
      // as ProFTPD does ("panic: SSL_ERROR_SYSCALL ... unexpected OpenSSL error, disconnecting").
      const dropper: FaultHooks = { onTransferDone: info => (info.cmd === 'RETR' && info.reply.startsWith('4') ? { kind: 'close' } : undefined) };
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false }, faults: dropper });
      const b = await peer('B', '127.0.0.2', { features: { sscn: false, cpsv: false }, requireTlsSessionReuse: true });
      const { engine: e, log } = engine();
      const started = Date.now();
      const { result } = await copy(e, a, b, 'clear-allowed');
      assert.strictEqual(result.channel, 'clear data');
      const first = result.attempts[0]!;
      assert.strictEqual(first.channel, 'TLS FXP (SSCN, active side TLS client)');
      assert.strictEqual(first.error?.code, 'TLS_FXP_FAILED', JSON.stringify(first.error));
      assert.strictEqual(first.error?.site, 'B');
      assert.strictEqual(first.error?.reply?.text, '522 SSL connection failed; session reuse required');
      assert.match(first.error?.message ?? '', /^TLS FXP is impossible with this server/);
      // the other TLS rung (A passive SSCN client, B again TLS server) is skipped: B can never be TLS server for another server
      assert.deepStrictEqual(result.attempts.map(x => x.channel), ['TLS FXP (SSCN, active side TLS client)', 'clear data']);
      assert.ok(a.log.some(l => /\(fault\)|closed/.test(l)), 'A dropped its control connection');
      assert.ok(log.some(l => l.level === 'warn' && /failed: B: TLS FXP is impossible with this server/.test(l.message)));
      assert.ok(Date.now() - started < HANDSHAKE_MS + 3_000, 'no timeout involved');
    });

    it('both sides lie about SSCN: every TLS rung is cut at the handshake limit, "preferred" ends in a clear error, "clear-allowed" goes on to clear data', async () => {
      const liar: FaultHooks = { onCommand: (cmd, arg) => (cmd === 'SSCN' && arg.toUpperCase() === 'ON' ? { kind: 'reply', text: '200 SSCN:CLIENT METHOD' } : undefined) };
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false }, faults: liar });
      const b = await peer('B', '127.0.0.2', { features: { cpsv: false }, faults: liar });
      const { engine: e } = engine();
      const started = Date.now();
      await assert.rejects(copy(e, a, b, 'preferred'), (err: unknown) => {
        assert.ok(err instanceof FxpError && err.code === 'FXP_IMPOSSIBLE', String(err));
        assert.strictEqual(err.causes?.length, 4, err.describe());
        for (const cause of err.causes ?? []) {
          assert.strictEqual(cause.code, 'TLS_FXP_FAILED');
          assert.match(cause.message, /did not complete the TLS handshake on the data connection within 1\.5 s/);
        }
        assert.match(err.next ?? '', /Relay through this machine is off/);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 4 * (HANDSHAKE_MS + TIMEOUTS.abortGraceMs + 1_500), `4 rungs took ${elapsed} ms`);
      const { result } = await copy(e, a, b, 'clear-allowed');
      assert.strictEqual(result.channel, 'clear data');
      assert.strictEqual(result.encrypted, false);
      assert.strictEqual(result.attempts.length, 5);
    });
  });

  describe('SSCN client rules (seed spec)', () => {
    /** Every rule checked on every session of `p`; returns the number of SSCN commands seen. */
    function checkSessions(p: Peer): number {
      let seen = 0;
      for (const [id, said] of sessions(p)) {
        const cmds = commands(said);
        const feat = cmds.indexOf('FEAT');
        const auth = cmds.findIndex(c => /^AUTH TLS$/i.test(c));
        let on = false;
        let ci = -1; // index of this command among the session's commands
        for (let i = 0; i < said.length; i++) {
          const s = said[i]!;
          if (s.dir !== '>') continue;
          ci++;
          if (verb(s.text) === 'SSCN') {
            seen++;
            // client rules 1 and 2: FEAT first, and FEAT listed SSCN; and only on a TLS control connection
            assert.ok(feat >= 0 && feat < ci, `[${id}] ${s.text} before FEAT: ${cmds.join(' | ')}`);
            const featReply = said.slice(said.findIndex(x => x.dir === '>' && x.text === 'FEAT') + 1).filter(x => x.dir === '<');
            const featEnd = featReply.findIndex(x => /^211 /.test(x.text));
            assert.ok(featReply.slice(0, featEnd).some(x => x.text.trim() === 'SSCN'), `[${id}] SSCN sent but FEAT did not list it`);
            assert.ok(auth >= 0 && auth < ci, `[${id}] ${s.text} before AUTH TLS: ${cmds.join(' | ')}`);
            const reply = said.slice(i + 1).find(x => x.dir === '<');
            if (/^2\d\d /.test(reply?.text ?? '')) on = s.text.toUpperCase() === 'SSCN ON' ? true : s.text.toUpperCase() === 'SSCN OFF' ? false : on;
          }
          // SSCN is sticky: a listing (always the server method, rule 6) is never asked for while ON
          if (on && ['LIST', 'NLST', 'MLSD'].includes(verb(s.text))) assert.fail(`[${id}] ${s.text} while SSCN ON: ${cmds.join(' | ')}`);
        }
      }
      return seen;
    }

    it('never before FEAT listed it, never before AUTH TLS, never on plain FTP (where FEAT lists it anyway)', async () => {
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false } });
      const b = await peer('B', '127.0.0.2', { features: { cpsv: false } });
      const { engine: e } = engine();
      await copy(e, a, b, 'preferred');
      await copy(e, b, a, 'preferred');
      await e.list(a.site, '/');
      assert.ok(checkSessions(a) + checkSessions(b) >= 2, 'SSCN was used');
      // plain FTP to the same servers: FEAT lists SSCN before AUTH (as ProFTPD does), the engine must not use it
      const plainA = { ...a, site: makeSite({ ...a.site, security: 'none', ca: undefined }, 'plainA') };
      const plainB = { ...b, site: makeSite({ ...b.site, security: 'none', ca: undefined }, 'plainB') };
      a.log.length = 0;
      b.log.length = 0;
      const { result } = await copy(e, plainA, plainB, 'preferred');
      assert.strictEqual(result.channel, 'clear data');
      await e.list(plainA.site, '/');
      const plainSessions = [...sessions(a).values(), ...sessions(b).values()];
      assert.ok(plainSessions.some(s => s.some(x => x.dir === '<' && x.text.trim() === 'SSCN')), 'FEAT listed SSCN on the plain sessions');
      for (const s of plainSessions) assert.ok(!commands(s).some(c => /^(SSCN|CPSV)\b/i.test(c)), commands(s).join(' | '));
    });

    it('a server whose FEAT hides SSCN never gets SSCN, although it would accept it', async () => {
      const hidden: FaultHooks = {
        onCommand: cmd => (cmd === 'FEAT' ? { kind: 'reply', text: '211-Features:\r\n AUTH TLS\r\n EPSV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n211 End' } : undefined),
      };
      const a = await peer('A', '127.0.0.1', { features: { sscn: false, cpsv: false } });
      const b = await peer('B', '127.0.0.2', { faults: hidden });
      // B does accept SSCN ON after AUTH TLS when asked directly: the rule is the client's to keep
      const { c } = await RawFtp.connect('127.0.0.2', b.server.port, { timeoutMs: 5_000 });
      await c.authTls(cert);
      await c.login('tester', PASSWORD);
      assert.strictEqual((await c.cmd('SSCN ON')).text, '200 SSCN:CLIENT METHOD');
      await c.quit();
      b.log.length = 0;
      const { engine: e } = engine();
      await assert.rejects(copy(e, a, b, 'preferred'), (err: unknown) => {
        assert.ok(err instanceof FxpError && err.code === 'FXP_IMPOSSIBLE', String(err));
        assert.match(err.describe(), /Neither server can act as TLS client on the data connection \(no SSCN or CPSV\)/);
        return true;
      });
      const { result } = await copy(e, a, b, 'clear-allowed');
      assert.strictEqual(result.channel, 'clear data');
      for (const s of [...sessions(a).values(), ...sessions(b).values()]) {
        assert.ok(!commands(s).some(c => /^(SSCN|CPSV)\b/i.test(c)), commands(s).join(' | '));
      }
    });

    it('SSCN is sticky: SSCN OFF before the same connection relays or lists, SSCN ON again for the next FXP', async () => {
      const a = await peer('A', '127.0.0.1', { features: { cpsv: false } }, { connectionLimit: 1 });
      const b = await peer('B', '127.0.0.2', { features: { sscn: false, cpsv: false } }, { connectionLimit: 1 });
      const { engine: e } = engine();
      const first = await copy(e, a, b, 'preferred', '/one.bin');
      assert.strictEqual(first.result.channel, 'TLS FXP (SSCN, active side TLS client)');
      // the same transfer connection of A (limit 1) now relays a file, then lists, then does FXP again
      const relayed = random(50_000);
      a.put('/two.bin', relayed);
      const relay = await e.copyFile(a.site, '/two.bin', b.site, '/two.bin', { relay: 'always', dataProtection: 'preferred' });
      assert.strictEqual(relay.mode, 'relay');
      assert.strictEqual(relay.channel, 'relay over TLS');
      assert.ok(b.read('/two.bin').equals(relayed));
      const names = await e.withConnection(a.site, 'transfer', conn => conn.list('/'));
      assert.ok(names.some(f => f.name === 'two.bin'));
      const third = await copy(e, a, b, 'preferred', '/three.bin');
      assert.strictEqual(third.result.channel, 'TLS FXP (SSCN, active side TLS client)');

      const withSscn = sessionsWith(a, 'SSCN ON');
      assert.strictEqual(withSscn.length, 1, 'one control connection of A did all of it');
      const cmds = commands(withSscn[0]!).map(c => c.toUpperCase());
      const order = cmds.filter(c => /^(SSCN|RETR|STOR|LIST|MLSD|NLST)\b/.test(c)).map(c => c.replace(/ \/.*$/, ''));
      assert.deepStrictEqual(order, ['SSCN ON', 'RETR', 'SSCN OFF', 'RETR', 'MLSD', 'SSCN ON', 'RETR'], cmds.join(' | '));
      checkSessions(a);
      checkSessions(b);
    });

    describe('only a 2xx grants SSCN ON; a 1xx, 3xx, 4xx or 5xx answer is a refusal (the next rung follows)', () => {
      const cases: { title: string; fault: FaultHooks['onCommand']; code: number }[] = [
        { title: '4xx with the client-method text', code: 450, fault: () => ({ kind: 'reply', text: '450 SSCN:CLIENT METHOD' }) },
        { title: 'an odd 3xx', code: 350, fault: () => ({ kind: 'reply', text: '350 SSCN:CLIENT METHOD' }) },
        { title: 'a 1xx with the client-method text, then 500', code: 500, fault: () => ({ kind: 'reply', text: '150 SSCN:CLIENT METHOD\r\n500 SSCN refused' }) },
      ];
      for (const c of cases) {
        it(c.title, async () => {
          const faults: FaultHooks = { onCommand: (cmd, arg, session) => (cmd === 'SSCN' && arg.toUpperCase() === 'ON' ? c.fault!(cmd, arg, session) : undefined) };
          const a = await peer('A', '127.0.0.1', { features: { cpsv: false }, faults });
          const b = await peer('B', '127.0.0.2', { features: { sscn: false, cpsv: false } });
          const { engine: e, log } = engine();
          const { result } = await copy(e, a, b, 'clear-allowed');
          assert.strictEqual(result.channel, 'clear data');
          const tlsRungs = result.attempts.filter(x => x.channel?.startsWith('TLS FXP'));
          assert.strictEqual(tlsRungs.length, 2, JSON.stringify(result.attempts));
          for (const rung of tlsRungs) {
            assert.strictEqual(rung.ok, false);
            assert.strictEqual(rung.error?.code, 'TLS_FXP_FAILED');
            assert.strictEqual(rung.error?.reply?.code, c.code);
            assert.strictEqual(rung.error?.message, 'The server refused SSCN ON.');
            // refused before any data port was asked for: nothing was sent as if SSCN were on
            assert.deepStrictEqual(rung.exchange, []);
          }
          assert.ok(log.some(l => l.level === 'warn' && /TLS FXP \(SSCN, .* side TLS client\)\) failed: A: The server refused SSCN ON/.test(l.message)));
          // A's transfers all ran with clear data (PROT C) and the server method
          for (const said of sessions(a).values()) {
            let prot = '';
            for (const cmd of commands(said)) {
              if (/^PROT /i.test(cmd)) prot = cmd.toUpperCase();
              if (/^(RETR|STOR) /i.test(cmd)) assert.strictEqual(prot, 'PROT C', commands(said).join(' | '));
            }
          }
          assert.ok(!a.log.some(l => /data TLS established/.test(l)));
        });
      }

      it('a lone 1xx is not an answer: the engine waits for the final reply (2xx after a 1xx grants it)', async () => {
        const faults: FaultHooks = { onCommand: (cmd, arg) => (cmd === 'SSCN' && arg.toUpperCase() === 'ON' ? { kind: 'preface', text: '150 SSCN:SERVER METHOD for now' } : undefined) };
        const a = await peer('A', '127.0.0.1', { features: { cpsv: false }, faults });
        const b = await peer('B', '127.0.0.2', { features: { sscn: false, cpsv: false } });
        const { engine: e } = engine();
        const { result } = await copy(e, a, b, 'preferred');
        assert.strictEqual(result.channel, 'TLS FXP (SSCN, active side TLS client)');
        assert.strictEqual(result.attempts.length, 1);
        const said = sessionsWith(a, 'SSCN ON')[0]!;
        const at = said.findIndex(x => x.dir === '>' && x.text === 'SSCN ON');
        assert.deepStrictEqual(said.slice(at + 1, at + 3).map(x => x.text), ['150 SSCN:SERVER METHOD for now', '200 SSCN:CLIENT METHOD']);
      });
    });
  });
});
