// Tests for the in-process test FTP server (test/ftpd/server.ts), driven by
// basic-ftp and by raw sockets. Addresses: 127.0.0.30 and 127.0.0.31 only.
import assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import * as tls from 'tls';
import * as zlib from 'zlib';
import { Client, FTPError } from 'basic-ftp';
import { FtpdOptions, FtpdServer, startFtpd } from './server';
import { RawFtp, Reply } from './rawclient';

const A = '127.0.0.30';
const B = '127.0.0.31';
const USERS = { alice: 'secret', bob: 'pw' };

let tmp: string;
let key: Buffer;
let cert: Buffer;
let otherCert: Buffer; // an unrelated self-signed certificate (wrong CA)
const servers: FtpdServer[] = [];
const clients: { close(): void }[] = [];

function last<T>(a: T[]): T {
  assert.ok(a.length > 0, 'no replies');
  return a[a.length - 1]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function mkroot(name: string): string {
  const d = path.join(tmp, name + '-' + crypto.randomBytes(4).toString('hex'));
  fs.mkdirSync(d, { recursive: true });
  return d;
}

async function start(o: Partial<FtpdOptions> & { host?: string }): Promise<FtpdServer> {
  const host = o.host ?? A;
  const s = await startFtpd({
    host,
    root: o.root ?? mkroot('root'),
    users: USERS,
    // FTPD_LOG=1 prints the protocol transcripts
    log: process.env.FTPD_LOG ? (l: string) => console.error(`${host} ${l}`) : undefined,
    ...o,
  } as FtpdOptions);
  servers.push(s);
  return s;
}

function tlsOpts(extra: Partial<NonNullable<FtpdOptions['tls']>> = {}): FtpdOptions['tls'] {
  return { key, cert, ...extra };
}

async function raw(s: FtpdServer, opt: { login?: boolean; tls?: boolean; implicit?: boolean } = {}): Promise<RawFtp> {
  const { c, greeting } = await RawFtp.connect(s.host, s.port, { implicitTls: opt.implicit, ca: cert });
  clients.push(c);
  assert.strictEqual(greeting.code, 220);
  if (opt.tls) await c.authTls(cert);
  if (opt.login ?? true) await c.login('alice', 'secret');
  return c;
}

async function basic(s: FtpdServer, secure: boolean | 'implicit' = false): Promise<Client> {
  const c = new Client(10000);
  clients.push(c);
  await c.access({ host: s.host, port: s.port, user: 'alice', password: 'secret', secure, secureOptions: { ca: cert } });
  return c;
}

function sink(): { w: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
  return { w, data: () => Buffer.concat(chunks) };
}

/** PASV + connect from the client side; optional TLS client on the data connection. */
async function dataConn(c: RawFtp, cmd: 'PASV' | 'EPSV', host: string, prot: 'C' | 'P' = 'C'): Promise<() => Promise<net.Socket>> {
  const r = await c.cmd(cmd);
  const port = cmd === 'PASV' ? RawFtp.pasv(r).port : RawFtp.epsv(r);
  return async () => {
    const s = net.connect({ host, port });
    await new Promise<void>((res, rej) => { s.once('connect', res); s.once('error', rej); });
    if (prot === 'C') return s;
    const session = (c.sock as tls.TLSSocket).getSession();
    const t = tls.connect({ socket: s, session, ca: cert, checkServerIdentity: () => undefined });
    await new Promise<void>((res, rej) => { t.once('secureConnect', res); t.once('error', rej); });
    return t;
  };
}

function readAll(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    s.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

function writeAndEnd(s: net.Socket, b: Buffer): Promise<void> {
  return new Promise((resolve) => {
    s.on('error', () => resolve());
    s.end(b, () => resolve());
  });
}

describe('test/ftpd server', function () {

before(function () {
  this.timeout(30000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpd-test-'));
  const gen = (name: string, cn: string, san: string) => execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', `subjectAltName=${san}`,
    '-keyout', path.join(tmp, `${name}.key`), '-out', path.join(tmp, `${name}.crt`),
  ], { stdio: 'ignore' });
  gen('server', A, `IP:${A},IP:${B}`);
  gen('other', 'other', 'IP:127.0.0.99');
  key = fs.readFileSync(path.join(tmp, 'server.key'));
  cert = fs.readFileSync(path.join(tmp, 'server.crt'));
  otherCert = fs.readFileSync(path.join(tmp, 'other.crt'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// =====================================================================

describe('ftpd with basic-ftp', function () {
  this.timeout(20000);

  it('logs in, and refuses a bad password with 530', async () => {
    const s = await start({});
    const c = await basic(s);
    assert.strictEqual(await c.pwd(), '/');
    const bad = new Client(5000);
    clients.push(bad);
    await assert.rejects(
      bad.access({ host: s.host, port: s.port, user: 'alice', password: 'nope' }),
      (e: unknown) => e instanceof FTPError && e.code === 530,
    );
  });

  it('lists with MLSD (files, folders, sizes)', async () => {
    const root = mkroot('mlsd');
    fs.writeFileSync(path.join(root, 'one.txt'), 'hello');
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', 'two.bin'), Buffer.alloc(1234));
    const s = await start({ root });
    const c = await basic(s);
    const list = await c.list();
    assert.deepStrictEqual(list.map((f) => [f.name, f.type, f.type === 1 ? f.size : -1]), [['one.txt', 1, 5], ['sub', 2, -1]]);
    const sub = await c.list('sub');
    assert.deepStrictEqual(sub.map((f) => [f.name, f.size]), [['two.bin', 1234]]);
    assert.ok(sub[0]!.modifiedAt instanceof Date);
  });

  it('lists with LIST (unix ls -l) when MLSD is off', async () => {
    const root = mkroot('list');
    fs.writeFileSync(path.join(root, 'name with spaces.txt'), 'abc');
    fs.mkdirSync(path.join(root, 'dir'));
    const s = await start({ root, features: { mlsd: false } });
    const c = await basic(s);
    const feat = await c.send('FEAT');
    assert.ok(!/MLST/.test(feat.message));
    const list = await c.list();
    assert.deepStrictEqual(list.map((f) => [f.name, f.type, f.type === 1 ? f.size : -1]), [['dir', 2, -1], ['name with spaces.txt', 1, 3]]);
    assert.ok(list[1]!.permissions, 'unix permissions parsed');
  });

  it('uploads and downloads byte-exact; SIZE, MDTM, rename, delete, folders', async () => {
    const root = mkroot('rw');
    const s = await start({ root });
    const c = await basic(s);
    const data = crypto.randomBytes(1024 * 1024 + 17);
    await c.ensureDir('/a/b');
    await c.uploadFrom(Readable.from([data]), 'up.bin');
    assert.ok(fs.readFileSync(path.join(root, 'a/b/up.bin')).equals(data));
    assert.strictEqual(await c.size('up.bin'), data.length);
    const mt = await c.lastMod('up.bin');
    assert.ok(Math.abs(mt.getTime() - fs.statSync(path.join(root, 'a/b/up.bin')).mtime.getTime()) < 2000);
    const { w, data: got } = sink();
    await c.downloadTo(w, 'up.bin');
    assert.ok(got().equals(data));
    await c.rename('up.bin', '/a/moved.bin');
    assert.ok(fs.existsSync(path.join(root, 'a/moved.bin')));
    await c.remove('/a/moved.bin');
    assert.ok(!fs.existsSync(path.join(root, 'a/moved.bin')));
    await c.cd('/');
    await c.removeDir('/a');
    assert.ok(!fs.existsSync(path.join(root, 'a')));
  });

  it('explicit TLS with PROT P (session reuse required and satisfied)', async () => {
    const root = mkroot('tls');
    const logs: string[] = [];
    const s = await start({ root, tls: tlsOpts(), requireTlsSessionReuse: true, log: (l) => logs.push(l) });
    const c = await basic(s, true);
    const data = crypto.randomBytes(300000);
    await c.uploadFrom(Readable.from([data]), 'x.bin');
    const { w, data: got } = sink();
    await c.downloadTo(w, 'x.bin');
    assert.ok(got().equals(data));
    assert.deepStrictEqual((await c.list()).map((f) => f.name), ['x.bin']);
    assert.ok(logs.some((l) => /data TLS established as server \(TLSv1\.3, resumed\)/.test(l)), 'data connections resumed the control session');
    assert.ok(fs.readFileSync(path.join(root, 'x.bin')).equals(data));
  });

  it('explicit TLS 1.2 only', async () => {
    const s = await start({ tls: tlsOpts({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), requireTlsSessionReuse: true });
    const c = await basic(s, true);
    assert.strictEqual((c.ftp.socket as tls.TLSSocket).getProtocol(), 'TLSv1.2');
    const data = crypto.randomBytes(100000);
    await c.uploadFrom(Readable.from([data]), 'y.bin');
    const { w, data: got } = sink();
    await c.downloadTo(w, 'y.bin');
    assert.ok(got().equals(data));
  });

  it('implicit TLS', async () => {
    const root = mkroot('implicit');
    const s = await start({ root, tls: tlsOpts(), implicitTls: true });
    assert.ok(s.url.startsWith('ftps://'));
    const c = await basic(s, 'implicit');
    const data = crypto.randomBytes(50000);
    await c.uploadFrom(Readable.from([data]), 'i.bin');
    const { w, data: got } = sink();
    await c.downloadTo(w, 'i.bin');
    assert.ok(got().equals(data));
    const feat = await c.send('FEAT');
    assert.ok(!/AUTH TLS/.test(feat.message) && /PROT/.test(feat.message));
  });
});

// =====================================================================

describe('ftpd raw protocol', function () {
  this.timeout(20000);

  it('FEAT lists the extensions according to options', async () => {
    const s1 = await start({ tls: tlsOpts() });
    const c1 = await raw(s1, { login: false });
    const f1 = await c1.cmd('FEAT');
    assert.strictEqual(f1.code, 211);
    assert.strictEqual(f1.lines[0], '211-Features:');
    assert.strictEqual(f1.lines[f1.lines.length - 1], '211 End');
    const feats = f1.lines.slice(1, -1).map((l) => l.trim());
    for (const f of ['AUTH TLS', 'CPSV', 'EPRT', 'EPSV', 'HASH SHA-256*;SHA-1;MD5', 'MDTM', 'MFMT', 'MLST type*;size*;modify*;perm*;', 'PBSZ', 'PROT', 'REST STREAM', 'SIZE', 'SSCN', 'TVFS', 'UTF8']) {
      assert.ok(feats.includes(f), `FEAT has ${f}`);
    }
    assert.ok(!feats.includes('PRET'));
    assert.ok(f1.lines.slice(1, -1).every((l) => l.startsWith(' ')));

    const s2 = await start({ host: B, features: { pret: true, hash: false, epsv: false } });
    const c2 = await raw(s2, { login: false });
    const feats2 = (await c2.cmd('FEAT')).lines.slice(1, -1).map((l) => l.trim());
    assert.ok(feats2.includes('PRET'));
    for (const f of ['AUTH TLS', 'SSCN', 'CPSV', 'PBSZ', 'PROT', 'EPSV', 'EPRT']) assert.ok(!feats2.includes(f), `no ${f}`);
    assert.ok(!feats2.some((f) => f.startsWith('HASH')));
    await c2.login('alice', 'secret');
    assert.strictEqual((await c2.cmd('EPSV')).code, 500);
    assert.strictEqual((await c2.cmd('HASH x')).code, 500);
    assert.strictEqual((await c2.cmd('SSCN')).code, 500);
    assert.strictEqual((await c2.cmd('AUTH TLS')).text, '500 AUTH not understood');
  });

  it('login rules: 530 before login, 503 PASS without USER, closes after 3 failures', async () => {
    const s = await start({});
    const c = await raw(s, { login: false });
    assert.strictEqual((await c.cmd('PWD')).text, '530 Please login with USER and PASS.');
    assert.strictEqual((await c.cmd('PASS x')).code, 503);
    assert.strictEqual((await c.cmd('SYST')).text, '215 UNIX Type: L8');
    for (let i = 0; i < 3; i++) {
      await c.expect('USER alice', 331);
      assert.strictEqual((await c.cmd('PASS wrong')).text, '530 Login incorrect.');
    }
    await Promise.race([c.closedPromise, sleep(3000).then(() => { throw new Error('not closed'); })]);
    await waitFor(() => s.connections() === 0, 3000, 'connections 0');
  });

  it('session policies: requireTls, maxSessions, idleTimeoutMs', async () => {
    const s1 = await start({ tls: tlsOpts(), requireTls: true });
    const c1 = await raw(s1, { login: false });
    assert.strictEqual((await c1.cmd('USER alice')).text, '530 Non-anonymous sessions must use encryption.');
    await c1.authTls(cert);
    await c1.login('alice', 'secret');
    const s2 = await start({ host: B, maxSessions: 1, idleTimeoutMs: 400 });
    const c2 = await raw(s2);
    const { c: c3, greeting } = await RawFtp.connect(B, s2.port);
    clients.push(c3);
    assert.strictEqual(greeting.text, '421 Too many connections.');
    assert.strictEqual((await c2.next(2000)).text, '421 Timeout.');
    await c2.closedPromise;
  });

  it('unknown command 500, over-long line refused, session continues', async () => {
    const s = await start({});
    const c = await raw(s);
    assert.strictEqual((await c.cmd('FOOBAR')).code, 500);
    assert.strictEqual((await c.cmd('XYZW')).code, 500);
    const r = await c.cmd('NOOP ' + 'x'.repeat(5000));
    assert.strictEqual(r.text, '500 Command line too long.');
    assert.strictEqual((await c.cmd('NOOP')).text, '200 NOOP ok.');
    // a long line arriving in pieces
    c.write(Buffer.from('STAT ' + 'y'.repeat(3000)));
    await sleep(50);
    c.write('y'.repeat(3000));
    assert.strictEqual((await c.next()).text, '500 Command line too long.');
    assert.strictEqual((await c.cmd('PWD')).text, '257 "/" is the current directory');
  });

  it('paths stay inside the root (.., symlinks, NUL)', async () => {
    const root = mkroot('jail');
    const outside = mkroot('outside');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.mkdirSync(path.join(root, 'in'));
    fs.writeFileSync(path.join(root, 'in', 'ok.txt'), 'ok');
    fs.symlinkSync(outside, path.join(root, 'evil'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'evil.txt'));
    fs.symlinkSync(path.join(outside, 'new.txt'), path.join(root, 'dangling.txt'));
    fs.symlinkSync(path.join(root, 'in'), path.join(root, 'good'));
    const s = await start({ root });
    const c = await raw(s);
    await c.expect('CWD ../../../..', 250);
    assert.strictEqual((await c.cmd('PWD')).text, '257 "/" is the current directory');
    assert.strictEqual((await c.cmd(`SIZE ../${path.basename(outside)}/secret.txt`)).code, 550);
    assert.strictEqual((await c.cmd('CWD evil')).text, '550 /evil: Permission denied');
    assert.strictEqual((await c.cmd('SIZE evil/secret.txt')).code, 550);
    assert.strictEqual((await c.cmd('SIZE evil.txt')).text, '550 /evil.txt: Permission denied');
    assert.strictEqual((await c.cmd('SIZE good/ok.txt')).text, '213 2');
    assert.strictEqual((await c.cmd('SIZE a\0b')).text, '501 Invalid character in file name.');
    assert.strictEqual((await c.cmd('MKD evil/x')).code, 550);
    assert.ok(!fs.existsSync(path.join(outside, 'x')));
    assert.strictEqual((await c.cmd('RNFR /in/ok.txt')).code, 350);
    assert.strictEqual((await c.cmd('RNTO /evil/ok.txt')).code, 550);
    assert.strictEqual((await c.cmd('DELE /')).code, 550);
    // STOR through a dangling link to outside is refused before any data connection
    await c.cmd('TYPE I');
    await c.cmd('PASV');
    assert.strictEqual((await c.cmd('STOR dangling.txt')).text, '550 /dangling.txt: Permission denied');
    assert.ok(!fs.existsSync(path.join(outside, 'new.txt')));
    // NLST leaves out links to outside
    const open = await dataConn(c, 'PASV', A);
    c.write('NLST');
    const d = await open();
    const names = (await readAll(d)).toString().split('\r\n').filter(Boolean);
    assert.deepStrictEqual(names, ['good', 'in']);
    assert.deepStrictEqual((await c.final()).map((r) => r.code), [150, 226]);
  });

  it('REST + STOR writes at the offset, APPE appends, REST + RETR reads from the offset', async () => {
    const root = mkroot('rest');
    const s = await start({ root });
    const c = await raw(s);
    await c.expect('TYPE I', 200);
    fs.writeFileSync(path.join(root, 'f.bin'), 'AAAAAAAAAA');
    let open = await dataConn(c, 'EPSV', A);
    await c.expect('REST 4', 350);
    c.write('STOR f.bin');
    await writeAndEnd(await open(), Buffer.from('bbb'));
    assert.deepStrictEqual((await c.final()).map((r) => r.code), [150, 226]);
    assert.strictEqual(fs.readFileSync(path.join(root, 'f.bin'), 'utf8'), 'AAAAbbb');
    open = await dataConn(c, 'EPSV', A);
    c.write('APPE f.bin');
    await writeAndEnd(await open(), Buffer.from('ccc'));
    assert.deepStrictEqual((await c.final()).map((r) => r.code), [150, 226]);
    assert.strictEqual(fs.readFileSync(path.join(root, 'f.bin'), 'utf8'), 'AAAAbbbccc');
    open = await dataConn(c, 'EPSV', A);
    await c.expect('REST 7', 350);
    c.write('RETR f.bin');
    const got = await readAll(await open());
    assert.deepStrictEqual((await c.final()).map((r) => r.code), [150, 226]);
    assert.strictEqual(got.toString(), 'ccc');
    assert.strictEqual((await c.cmd('REST 99')).code, 350);
    await c.cmd('EPSV');
    assert.strictEqual((await c.cmd('RETR f.bin')).code, 554);
    assert.strictEqual((await c.cmd('RETR f.bin')).text, "425 Use PORT or PASV first.");
  });

  it('TYPE A converts line ends; TYPE I does not', async () => {
    const root = mkroot('ascii');
    fs.writeFileSync(path.join(root, 't.txt'), 'a\nb\r\nc\n');
    const s = await start({ root });
    const c = await raw(s);
    let open = await dataConn(c, 'PASV', A);
    c.write('RETR t.txt');
    let got = await readAll(await open());
    const r = await c.final();
    assert.match(r[0]!.text, /^150 Opening ASCII mode/);
    assert.strictEqual(got.toString(), 'a\r\nb\r\nc\r\n');
    open = await dataConn(c, 'PASV', A);
    c.write('STOR u.txt');
    await writeAndEnd(await open(), Buffer.from('x\r\ny\r\n'));
    await c.final();
    assert.strictEqual(fs.readFileSync(path.join(root, 'u.txt'), 'utf8'), 'x\ny\n');
    await c.expect('TYPE I', 200);
    open = await dataConn(c, 'PASV', A);
    c.write('RETR t.txt');
    got = await readAll(await open());
    await c.final();
    assert.strictEqual(got.toString(), 'a\nb\r\nc\n');
  });

  it('HASH, OPTS HASH and XSHA256/XSHA1/XMD5/XCRC', async () => {
    const root = mkroot('hash');
    const data = crypto.randomBytes(200000);
    fs.writeFileSync(path.join(root, 'h.bin'), data);
    const s = await start({ root });
    const c = await raw(s);
    const hex = (a: string) => crypto.createHash(a).update(data).digest('hex');
    assert.strictEqual((await c.cmd('HASH h.bin')).text, `213 SHA-256 0-${data.length} ${hex('sha256')} h.bin`);
    assert.strictEqual((await c.cmd('OPTS HASH MD5')).text, '200 MD5');
    assert.strictEqual((await c.cmd('OPTS HASH')).text, '200 MD5');
    assert.strictEqual((await c.cmd('HASH h.bin')).text, `213 MD5 0-${data.length} ${hex('md5')} h.bin`);
    assert.strictEqual((await c.cmd('OPTS HASH CRC99')).code, 501);
    assert.strictEqual((await c.cmd('XSHA256 h.bin')).text, `250 ${hex('sha256')}`);
    assert.strictEqual((await c.cmd('XSHA1 h.bin')).text, `250 ${hex('sha1')}`);
    assert.strictEqual((await c.cmd('XMD5 h.bin')).text, `250 ${hex('md5')}`);
    const crc = (zlib as unknown as { crc32(b: Buffer): number }).crc32(data).toString(16).padStart(8, '0').toUpperCase();
    assert.strictEqual((await c.cmd('XCRC h.bin')).text, `250 ${crc}`);
    assert.strictEqual((await c.cmd('HASH nope')).code, 550);
  });

  it('STAT idle (211) and during a transfer (213 with bytes); ABOR gives 426 then 226', async () => {
    const root = mkroot('abor');
    const data = crypto.randomBytes(2_000_000);
    fs.writeFileSync(path.join(root, 'big.bin'), data);
    const s = await start({ root, faults: { rateBytesPerSec: 400_000 } });
    const c = await raw(s);
    await c.expect('TYPE I', 200);
    const idle = await c.cmd('STAT');
    assert.strictEqual(idle.code, 211);
    assert.strictEqual(idle.lines[idle.lines.length - 1], '211 End of status');
    const open = await dataConn(c, 'PASV', A);
    c.write('RETR big.bin');
    const d = await open();
    const got = readAll(d);
    assert.strictEqual((await c.next()).code, 150);
    await sleep(600);
    const st = await c.cmd('STAT');
    assert.match(st.text, /^213 Status: RETR in progress, \d+ bytes transferred\.$/);
    const n = Number(/(\d+) bytes/.exec(st.text)![1]);
    assert.ok(n > 0 && n < data.length, `bytes so far ${n}`);
    c.write('ABOR');
    assert.strictEqual((await c.next()).text, '426 Transfer aborted.');
    assert.strictEqual((await c.next()).text, '226 ABOR command successful.');
    const partial = await got;
    assert.ok(partial.length < data.length);
    assert.ok(partial.equals(data.subarray(0, partial.length)));
    assert.strictEqual((await c.cmd('ABOR')).text, '225 No transfer to abort.');
    assert.strictEqual((await c.cmd('NOOP')).code, 200);
  });

  it('ABOR during an upload keeps the partial file; SIZE grows during an upload', async () => {
    const root = mkroot('grow');
    const s = await start({ root, faults: { rateBytesPerSec: 300_000 } });
    const c = await raw(s);
    const watcher = await raw(s);
    await c.expect('TYPE I', 200);
    await watcher.expect('TYPE I', 200);
    const open = await dataConn(c, 'PASV', A);
    c.write('STOR up.bin');
    const d = await open();
    assert.strictEqual((await c.next()).code, 150);
    d.on('error', () => {});
    d.write(crypto.randomBytes(3_000_000));
    await sleep(400);
    const s1 = Number((await watcher.expect('SIZE up.bin', 213)).text.slice(4));
    await sleep(500);
    const s2 = Number((await watcher.expect('SIZE up.bin', 213)).text.slice(4));
    assert.ok(s1 > 0 && s2 > s1 && s2 < 3_000_000, `sizes ${s1} ${s2}`);
    c.write('ABOR');
    assert.deepStrictEqual([(await c.next()).code, (await c.next()).code], [426, 226]);
    const size = fs.statSync(path.join(root, 'up.bin')).size;
    assert.ok(size >= s2 && size < 3_000_000, `partial file kept (${size})`);
  });

  it('passive 150 waits for the data connection (default) or comes first (early150)', async () => {
    const root = mkroot('early');
    fs.writeFileSync(path.join(root, 'f'), 'data');
    for (const early150 of [false, true]) {
      const s = await start({ root, early150, host: early150 ? B : A });
      const c = await raw(s);
      const open = await dataConn(c, 'PASV', s.host);
      c.write('RETR f');
      const first = c.next(400).then((r) => r, () => null);
      const r = await first;
      if (early150) assert.strictEqual(r?.code, 150);
      else assert.strictEqual(r, null, '150 must wait for the connection');
      const got = readAll(await open());
      const rest = await c.final();
      assert.deepStrictEqual(rest.map((x) => x.code), early150 ? [226] : [150, 226]);
      assert.strictEqual((await got).toString(), 'data');
    }
  });

  it('MLST, STAT <path>, MFMT, CDUP, STOU, LIST of one file, EPSV ALL', async () => {
    const root = mkroot('misc');
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'f.txt'), 'hello');
    const s = await start({ root });
    const c = await raw(s);
    const m = await c.cmd('MLST d/f.txt');
    assert.strictEqual(m.lines.length, 3);
    assert.strictEqual(m.lines[0], '250-Listing /d/f.txt');
    assert.match(m.lines[1]!, /^ type=file;size=5;modify=\d{14};perm=adfrw; \/d\/f\.txt$/);
    assert.strictEqual(m.lines[2], '250 End');
    const st = await c.cmd('STAT d');
    assert.strictEqual(st.lines[0], '213-Status of d:');
    assert.match(st.lines[1]!, /^ -rw.* 5 \w{3} [ \d]\d [ \d]\d:?\d\d f\.txt$/);
    assert.strictEqual(st.lines[2], '213 End of status');
    assert.strictEqual((await c.cmd('MFMT 20200102030405 d/f.txt')).text, '213 Modify=20200102030405; /d/f.txt');
    assert.strictEqual((await c.cmd('MDTM d/f.txt')).text, '213 20200102030405');
    assert.strictEqual((await c.cmd('CWD d')).text, '250 Directory changed to /d');
    assert.strictEqual((await c.cmd('CDUP')).text, '250 Directory changed to /');
    for (const want of ['/stou', '/stou.1']) {
      const open = await dataConn(c, 'PASV', A);
      c.write('STOU');
      const d = await open();
      assert.strictEqual((await c.next()).text, `150 FILE: ${want}`);
      await writeAndEnd(d, Buffer.from('u'));
      assert.strictEqual((await c.next()).code, 226);
    }
    assert.strictEqual(fs.readFileSync(path.join(root, 'stou.1'), 'utf8'), 'u');
    const open = await dataConn(c, 'PASV', A);
    c.write('LIST -l d/f.txt');
    const lines = (await readAll(await open())).toString().split('\r\n').filter(Boolean);
    assert.strictEqual(lines.length, 1);
    assert.match(lines[0]!, / f\.txt$/);
    await c.final();
    assert.strictEqual((await c.cmd('EPSV ALL')).code, 200);
    assert.strictEqual((await c.cmd('PASV')).code, 503);
    assert.strictEqual((await c.cmd('PORT 127,0,0,1,200,1')).code, 503);
    assert.strictEqual((await c.cmd('EPSV')).code, 229);
  });

  it('QUIT during a transfer is answered after it; connections() counts control and data sockets', async () => {
    const root = mkroot('quit');
    const data = crypto.randomBytes(600_000);
    fs.writeFileSync(path.join(root, 'f.bin'), data);
    const s = await start({ root, faults: { rateBytesPerSec: 600_000 } });
    const c = await raw(s);
    await c.expect('TYPE I', 200);
    assert.strictEqual(s.connections(), 1);
    const open = await dataConn(c, 'PASV', A);
    c.write('RETR f.bin');
    const got = readAll(await open());
    assert.strictEqual((await c.next()).code, 150);
    assert.strictEqual(s.connections(), 2);
    c.write('QUIT');
    assert.strictEqual((await c.next()).text, '226 Transfer complete.');
    assert.strictEqual((await c.next()).text, '221 Goodbye.');
    assert.ok((await got).equals(data));
    await c.closedPromise;
    await waitFor(() => s.connections() === 0, 3000, 'connections 0');
  });

  it('cli.js runs a server and stops on SIGINT', async () => {
    const root = mkroot('cli');
    fs.writeFileSync(path.join(root, 'hello.txt'), 'hi');
    const p = spawn(process.execPath, [path.join(__dirname, 'cli.js'), '--host', B, '--port', '0', '--root', root, '--user', 'demo:demo', '--fxp', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        p.stdout!.on('data', (d) => {
          out += d;
          const mm = /listening on (ftp:\/\/\S+)/.exec(out);
          if (mm) resolve(mm[1]!);
        });
        p.once('exit', () => reject(new Error(`cli exited: ${out}`)));
      });
      const u = new URL(url);
      assert.strictEqual(u.hostname, B);
      const { c, greeting } = await RawFtp.connect(B, Number(u.port));
      clients.push(c);
      assert.strictEqual(greeting.code, 220);
      await c.login('demo', 'demo');
      assert.strictEqual((await c.cmd('SIZE hello.txt')).text, '213 2');
      const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
      p.kill('SIGINT');
      assert.strictEqual(await exited, 0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('PRET when required', async () => {
    const s = await start({ features: { pret: true }, requirePret: true });
    const c = await raw(s);
    assert.strictEqual((await c.cmd('PASV')).text, '500 You need to use a client supporting PRET (PRE Transfer) to use PASV');
    assert.strictEqual((await c.cmd('PRET RETR x')).text, '200 PRET RETR accepted.');
    assert.strictEqual((await c.cmd('PASV')).code, 227);
    assert.strictEqual((await c.cmd('EPSV')).code, 500);
  });

  it('SSCN replies follow the spec; 500 before AUTH TLS', async () => {
    const s = await start({ tls: tlsOpts() });
    const c = await raw(s, { login: false });
    assert.strictEqual((await c.cmd('SSCN')).text, '500 SSCN not understood');
    await c.authTls(cert);
    await c.login('alice', 'secret');
    const seq: [string, string][] = [
      ['SSCN', '200 SSCN:SERVER METHOD'],
      ['SSCN ON', '200 SSCN:CLIENT METHOD'],
      ['SSCN', '200 SSCN:CLIENT METHOD'],
      ['SSCN OFF', '200 SSCN:SERVER METHOD'],
      ['SSCN', '200 SSCN:SERVER METHOD'],
    ];
    for (const [cmd, want] of seq) assert.strictEqual((await c.cmd(cmd)).text, want);
    assert.strictEqual((await c.cmd('SSCN MAYBE')).code, 501);
    assert.strictEqual((await c.cmd('PROT P')).text, '503 PBSZ required before PROT');
    assert.strictEqual((await c.cmd('PBSZ 0')).text, '200 PBSZ 0 successful');
    assert.strictEqual((await c.cmd('PROT P')).text, '200 Protection set to Private');
  });

  it('a failed TLS handshake on a data connection gives 421 and closes the control connection', async () => {
    const root = mkroot('hsfail');
    fs.writeFileSync(path.join(root, 'f'), 'data');
    const s = await start({ root, tls: tlsOpts() });
    const c = await raw(s, { tls: true });
    await c.expect('PBSZ 0', 200);
    await c.expect('PROT P', 200);
    const open = await dataConn(c, 'PASV', A);
    c.write('RETR f');
    const d = await open(); // plain TCP: we talk garbage instead of TLS
    d.on('error', () => {});
    d.write('this is not a TLS ClientHello\r\n');
    const replies = await c.final();
    assert.deepStrictEqual(replies.map((r) => r.text), ['150 Opening ASCII mode data connection for /f (4 bytes)', '421 Connection closed (SSL/TLS negotiation failed).']);
    await Promise.race([c.closedPromise, sleep(4000).then(() => { throw new Error('control not closed'); })]);
    await waitFor(() => s.connections() === 0, 4000, 'connections 0');
  });

  it('TLS data connection without session reuse is refused with 522 when required', async () => {
    const root = mkroot('reuse');
    fs.writeFileSync(path.join(root, 'f'), 'data');
    const s = await start({ root, tls: tlsOpts(), requireTlsSessionReuse: true });
    const c = await raw(s, { tls: true });
    await c.expect('PBSZ 0', 200);
    await c.expect('PROT P', 200);
    const r = await c.cmd('PASV');
    c.write('RETR f');
    const sock = net.connect({ host: A, port: RawFtp.pasv(r).port });
    const t = tls.connect({ socket: sock, ca: cert, checkServerIdentity: () => undefined }); // fresh session
    t.on('error', () => {});
    await readAll(t);
    const replies = await c.final();
    assert.deepStrictEqual(replies.map((x) => x.code), [150, 522]);
    assert.strictEqual(replies[1]!.text, '522 SSL connection failed; session reuse required');
    assert.strictEqual((await c.cmd('NOOP')).code, 200, 'control connection stays usable');
  });

  it('fault hooks: reply, delay, drip, ignore, preface, close, stall; truncateRetrAt; breakDataAt; onTransferDone', async () => {
    const root = mkroot('faults');
    const data = crypto.randomBytes(100000);
    fs.writeFileSync(path.join(root, 'f.bin'), data);
    const s = await start({ root });
    const c = await raw(s);
    await c.expect('TYPE I', 200);
    s.faults.onCommand = (cmd, arg) => {
      if (cmd === 'SIZE' && arg === 'r') return { kind: 'reply', text: '550-first\r\n550 second' };
      if (cmd === 'SIZE' && arg === 'd') return { kind: 'delay', ms: 300 };
      if (cmd === 'SIZE' && arg === 'drip') return { kind: 'drip', text: '213 42', bytesPerTick: 2, tickMs: 20 };
      if (cmd === 'SIZE' && arg === 'ign') return { kind: 'ignore' };
      if (cmd === 'SIZE' && arg === 'f.bin') return { kind: 'preface', text: '150 thinking about it' };
      return undefined;
    };
    const r = await c.cmd('SIZE r');
    assert.deepStrictEqual(r.lines, ['550-first', '550 second']);
    const t0 = Date.now();
    assert.strictEqual((await c.cmd('SIZE d')).code, 550);
    assert.ok(Date.now() - t0 >= 280);
    assert.strictEqual((await c.cmd('SIZE drip')).text, '213 42');
    c.write('SIZE ign');
    c.write('SIZE f.bin');
    assert.deepStrictEqual((await c.final()).map((x) => x.text), ['150 thinking about it', `213 ${data.length}`], 'preface, then the real answer');
    s.faults.onCommand = undefined;

    // truncated RETR still says 226
    s.faults.truncateRetrAt = 1000;
    let open = await dataConn(c, 'PASV', A);
    c.write('RETR f.bin');
    let got = await readAll(await open());
    assert.deepStrictEqual((await c.final()).map((x) => x.code), [150, 226]);
    assert.ok(got.equals(data.subarray(0, 1000)));
    s.faults.truncateRetrAt = undefined;

    // broken data connection: 426
    s.faults.breakDataAt = 5000;
    open = await dataConn(c, 'PASV', A);
    c.write('RETR f.bin');
    got = await readAll(await open());
    assert.deepStrictEqual((await c.final()).map((x) => x.text), ['150 Opening BINARY mode data connection for /f.bin (100000 bytes)', '426 Connection closed; transfer aborted.']);
    assert.ok(got.length <= 5000);
    s.faults.breakDataAt = undefined;

    // final reply replaced
    s.faults.onTransferDone = (info) => (info.cmd === 'RETR' ? { kind: 'reply', text: `451 lied after ${info.bytes}` } : undefined);
    open = await dataConn(c, 'PASV', A);
    c.write('RETR f.bin');
    got = await readAll(await open());
    assert.deepStrictEqual((await c.final()).map((x) => x.text).slice(1), [`451 lied after ${data.length}`]);
    s.faults.onTransferDone = undefined;

    // close and stall
    s.faults.onCommand = (cmd) => (cmd === 'CWD' ? { kind: 'close' } : cmd === 'MKD' ? { kind: 'stall' } : undefined);
    c.write('CWD /');
    await Promise.race([c.closedPromise, sleep(3000).then(() => { throw new Error('not closed'); })]);
    const c2 = await raw(s);
    c2.write('MKD x');
    await assert.rejects(c2.next(500), /no reply/);
    await assert.rejects(c2.cmd('NOOP', 300), /no reply/);
    assert.ok(!c2.closed);
    c2.close();
    s.faults.onCommand = undefined;
    s.faults.onConnect = () => ({ kind: 'reply', text: '421 Too busy' });
    const { greeting } = await RawFtp.connect(s.host, s.port);
    assert.strictEqual(greeting.text, '421 Too busy');
  });
});

// =====================================================================

interface Side {
  c: RawFtp;
  srv: FtpdServer;
}

/**
 * Server-to-server copy: `passive` gets PASV/CPSV/EPSV, the other PORT/EPRT.
 * STOR is sent to the destination first, then RETR to the source; both final
 * replies are collected.
 */
async function fxp(src: Side, dst: Side, file: string, target: string, passive: 'src' | 'dst', pasvCmd: 'PASV' | 'CPSV' | 'EPSV' = 'PASV'):
  Promise<{ port: Reply; src: Reply[]; dst: Reply[] }> {
  const pas = passive === 'src' ? src : dst;
  const act = passive === 'src' ? dst : src;
  let portCmd: string;
  const pr = await pas.c.cmd(pasvCmd);
  if (pasvCmd === 'EPSV') portCmd = `EPRT |1|${pas.srv.host}|${RawFtp.epsv(pr)}|`;
  else portCmd = `PORT ${RawFtp.pasv(pr).portArg}`;
  const port = await act.c.cmd(portCmd);
  if (port.code !== 200) return { port, src: [], dst: [] };
  dst.c.write(`STOR ${target}`);
  src.c.write(`RETR ${file}`);
  const [s, d] = await Promise.all([src.c.final(), dst.c.final()]);
  return { port, src: s, dst: d };
}

describe('ftpd FXP between 127.0.0.30 and 127.0.0.31', function () {
  this.timeout(30000);
  const data = crypto.randomBytes(3 * 1024 * 1024 + 5);

  async function pair(o: { a?: Partial<FtpdOptions>; b?: Partial<FtpdOptions>; tls?: boolean } = {}) {
    const rootA = mkroot('A');
    const rootB = mkroot('B');
    fs.writeFileSync(path.join(rootA, 'src.bin'), data);
    const logs: string[] = [];
    const log = (h: string) => (l: string) => {
      logs.push(`${h} ${l}`);
      if (process.env.FTPD_LOG) console.error(`${h} ${l}`);
    };
    const base: Partial<FtpdOptions> = { allowFxp: true, ...(o.tls ? { tls: tlsOpts() } : {}) };
    const sa = await start({ host: A, root: rootA, ...base, log: log(A), ...o.a });
    const sb = await start({ host: B, root: rootB, ...base, log: log(B), ...o.b });
    const ca = await raw(sa, { tls: o.tls });
    const cb = await raw(sb, { tls: o.tls });
    for (const c of [ca, cb]) {
      await c.expect('TYPE I', 200);
      if (o.tls) {
        await c.expect('PBSZ 0', 200);
        await c.expect('PROT P', 200);
      }
    }
    return { a: { c: ca, srv: sa }, b: { c: cb, srv: sb }, rootA, rootB, logs };
  }

  /** Which side was TLS client / server on data connections, in order, from the transcripts. */
  function roles(logs: string[]): string[] {
    return logs.flatMap((l) => {
      const m = /^(\S+) \[\d+\] data TLS established as (client|server)/.exec(l);
      return m ? [`${m[1] === A ? 'A' : 'B'}:${m[2]}`] : [];
    }).sort();
  }

  async function noLeaks(...ss: FtpdServer[]): Promise<void> {
    await waitFor(() => ss.every((s) => s.connections() === 0), 5000, 'all connections closed');
  }

  it('plain: PASV on the destination, PORT on the source; and the reverse; and EPSV/EPRT', async () => {
    const { a, b, rootB, rootA } = await pair();
    let r = await fxp(a, b, 'src.bin', 'copy1.bin', 'dst');
    assert.deepStrictEqual(r.port.lines, [`200-FXP transfer: from 127.0.0.1 to ${B}`, '200 PORT command successful.']);
    assert.deepStrictEqual(r.src.map((x) => x.code), [150, 226]);
    assert.deepStrictEqual(r.dst.map((x) => x.code), [150, 226]);
    assert.ok(fs.readFileSync(path.join(rootB, 'copy1.bin')).equals(data));
    r = await fxp(a, b, 'src.bin', 'copy2.bin', 'src');
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootB, 'copy2.bin')).equals(data));
    r = await fxp(b, a, 'copy2.bin', 'back.bin', 'dst', 'EPSV');
    assert.strictEqual(r.port.lines[1], '200 EPRT command successful.');
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootA, 'back.bin')).equals(data));
    // both sides agree on the hash
    const h1 = await a.c.cmd('XSHA256 back.bin');
    const h2 = await b.c.cmd('XSHA256 copy1.bin');
    assert.strictEqual(h1.text, h2.text);
    await a.c.quit();
    await b.c.quit();
    await noLeaks(a.srv, b.srv);
  });

  it('refused when allowFxp is false: PORT side 500, passive side 425', async () => {
    // the active side refuses a PORT to another address than the client's
    const p1 = await pair({ a: { allowFxp: false } });
    const r1 = await fxp(p1.a, p1.b, 'src.bin', 'x.bin', 'dst');
    assert.strictEqual(r1.port.text, `500 I won't open a connection to ${B} (only to 127.0.0.1)`);
    // the passive side refuses a connection from 127.0.0.30 (the client is 127.0.0.1)
    const p2 = await pair({ b: { allowFxp: false } });
    const r2 = await fxp(p2.a, p2.b, 'src.bin', 'y.bin', 'dst');
    assert.strictEqual(r2.port.code, 200);
    assert.strictEqual(r2.dst.length, 1, 'no 150 on the refusing side');
    assert.match(r2.dst[0]!.text, new RegExp(`^425 Rejected data connection from foreign address ${A.replace(/\./g, '\\.')}:\\d+\\.$`));
    assert.ok(last(r2.src).code >= 200);
    assert.strictEqual((await p2.b.c.cmd('NOOP')).code, 200);
  });

  it('TLS (PROT P): SSCN ON on the active source, destination passive', async () => {
    const { a, b, rootB, logs } = await pair({ tls: true });
    assert.strictEqual((await a.c.cmd('SSCN ON')).text, '200 SSCN:CLIENT METHOD');
    const r = await fxp(a, b, 'src.bin', 'tls1.bin', 'dst');
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootB, 'tls1.bin')).equals(data));
    assert.deepStrictEqual(roles(logs), ['A:client', 'B:server']);
    // the TLS client handshake starts right after the 150 (rule 3)
    const i150 = logs.findIndex((l) => l.startsWith(`${A} [1] < 150`));
    const iTls = logs.findIndex((l) => l.startsWith(`${A} [1] data TLS established`));
    assert.ok(i150 >= 0 && iTls > i150);
    assert.strictEqual((await a.c.cmd('SSCN OFF')).text, '200 SSCN:SERVER METHOD');
    await a.c.quit();
    await b.c.quit();
    await noLeaks(a.srv, b.srv);
  });

  it('TLS (PROT P): CPSV on the passive destination; and CPSV on the passive source', async () => {
    const { a, b, rootB, logs } = await pair({ tls: true });
    let r = await fxp(a, b, 'src.bin', 'cpsv1.bin', 'dst', 'CPSV');
    assert.match(r.port.text, /^200/);
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootB, 'cpsv1.bin')).equals(data));
    assert.deepStrictEqual(roles(logs), ['A:server', 'B:client']);
    logs.length = 0;
    r = await fxp(a, b, 'src.bin', 'cpsv2.bin', 'src', 'CPSV');
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootB, 'cpsv2.bin')).equals(data));
    assert.deepStrictEqual(roles(logs), ['A:client', 'B:server']);
  });

  it('TLS (PROT P): SSCN ON on the passive destination, TLS 1.2 and 1.3', async () => {
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
      const tlsV = { tls: tlsOpts({ minVersion: v, maxVersion: v }) };
      const { a, b, rootB, logs } = await pair({ tls: true, a: tlsV, b: tlsV });
      await b.c.expect('SSCN ON', 200);
      const r = await fxp(a, b, 'src.bin', 'sscn.bin', 'dst', 'EPSV');
      assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]], v);
      assert.ok(fs.readFileSync(path.join(rootB, 'sscn.bin')).equals(data), v);
      assert.deepStrictEqual(roles(logs), ['A:server', 'B:client']);
      assert.ok(logs.some((l) => l.includes(`data TLS established as client (${v})`)));
      logs.length = 0;
      // listings always use the server method, even with SSCN ON (rule 6)
      const open = await dataConn(b.c, 'PASV', B, 'P');
      b.c.write('NLST');
      const names = (await readAll(await open())).toString();
      assert.strictEqual(names, 'sscn.bin\r\n');
      assert.deepStrictEqual((await b.c.final()).map((x) => x.code), [150, 226]);
      assert.deepStrictEqual(roles(logs), ['B:server']);
    }
  });

  it('TLS with a verifying SSCN client: right CA works, wrong CA gives 421 on both sides', async () => {
    const { a, b, rootB } = await pair({ tls: true, a: { tls: tlsOpts({ ca: cert }) } });
    await a.c.expect('SSCN ON', 200);
    let r = await fxp(a, b, 'src.bin', 'ok.bin', 'dst');
    assert.deepStrictEqual([r.src.map((x) => x.code), r.dst.map((x) => x.code)], [[150, 226], [150, 226]]);
    assert.ok(fs.readFileSync(path.join(rootB, 'ok.bin')).equals(data));

    const p2 = await pair({ tls: true, a: { tls: tlsOpts({ ca: otherCert }) } });
    await p2.a.c.expect('SSCN ON', 200);
    r = await fxp(p2.a, p2.b, 'src.bin', 'bad.bin', 'dst');
    const fatal = '421 Connection closed (SSL/TLS negotiation failed).';
    assert.deepStrictEqual(r.src.map((x) => x.text).slice(-1), [fatal]);
    assert.deepStrictEqual(r.dst.map((x) => x.text).slice(-1), [fatal]);
    await Promise.all([p2.a.c.closedPromise, p2.b.c.closedPromise]);
    await noLeaks(p2.a.srv, p2.b.srv);
  });

  it('TLS with both sides as TLS server (no SSCN/CPSV): handshake times out, 421', async () => {
    const o = { tlsHandshakeTimeoutMs: 800 };
    const { a, b } = await pair({ tls: true, a: o, b: o });
    const r = await fxp(a, b, 'src.bin', 'never.bin', 'dst');
    assert.strictEqual(last(r.src).text, '421 Connection closed (SSL/TLS negotiation failed).');
    assert.strictEqual(last(r.dst).text, '421 Connection closed (SSL/TLS negotiation failed).');
  });

  it('TLS FXP against a server that requires session reuse: 522 on that side', async () => {
    const { a, b } = await pair({ tls: true, b: { requireTlsSessionReuse: true } });
    await a.c.expect('SSCN ON', 200);
    const r = await fxp(a, b, 'src.bin', 'reuse.bin', 'dst');
    assert.strictEqual(last(r.dst).text, '522 SSL connection failed; session reuse required');
    assert.ok(last(r.src).code >= 200);
  });
});

}); // describe('test/ftpd server')
