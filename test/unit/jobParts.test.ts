import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { X509Certificate } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ExtensionEngine } from '../../src/extensionEngine';
import { Journal, makeSite, newJob, type CopyResult, type FolderPlan, type FxpError, type Site } from '../../src/fxp';
import { JobJournals, rebindSites } from '../../src/journals';
import { mergePlans } from '../../src/transfers';
import { startFtpd, type FtpdServer } from '../ftpd/server';

const src = makeSite({ host: '127.0.0.2' }, 'src');
const dst = makeSite({ host: '127.0.0.3' }, 'dst');
const item = (path: string, size = 1) => ({ path, target: path, size, action: 'copy' as const, restartAt: 0, reason: 'new' });
const plan = (source: string, destination: string, items: string[], dirs: string[] = []): FolderPlan => ({
  source: { site: src, path: source }, destination: { site: dst, path: destination }, rule: 'overwrite', exclude: [], dirs, items: items.map(p => item(p)), skipped: [],
});

describe('the extension\'s job parts', () => {
  it('merges the items of one source folder into one part per destination, so that no part can feed another item\'s file', () => {
    const merged = mergePlans([
      { kind: 'dir', plans: [plan('/www/a', '/in/a', ['index.html', 'css/site.css'], ['css'])] },
      { kind: 'dir', plans: [plan('/www/b', '/in/b', ['index.html'])] },
      { kind: 'file', plans: [plan('/www', '/in', ['robots.txt'])] },
    ]);
    assert.strictEqual(merged.length, 1);
    const [only] = merged;
    assert.deepStrictEqual([only!.source.path, only!.destination.path], ['/www', '/in']);
    assert.deepStrictEqual(only!.dirs, ['a', 'a/css', 'b']);
    assert.deepStrictEqual(only!.items.map(i => i.path), ['a/index.html', 'a/css/site.css', 'b/index.html', 'robots.txt']);
  });

  it('keeps a single item\'s plans as they are (their roots name the item), and separate source folders apart', () => {
    const single = [plan('/www/a', '/in/a', ['x'])];
    assert.strictEqual(mergePlans([{ kind: 'dir', plans: single }])[0], single[0]);
    const apart = mergePlans([{ kind: 'file', plans: [plan('/one', '/in', ['x'])] }, { kind: 'file', plans: [plan('/two', '/in', ['y'])] }]);
    assert.deepStrictEqual(apart.map(p => p.source.path), ['/one', '/two']);
  });

  it('resumes a journal with today\'s settings of its sites, never with another server', () => {
    const job = () => newJob('j', [plan('/www', '/in', ['x'])], { parallel: 1, retries: 0, relay: 'auto', partials: 'keep', preserveTimes: true });
    const renewed: Site = { ...src, connectionLimit: 9, trustedFingerprints: ['AA'] };
    const record = job();
    rebindSites(record, name => (name === 'src' ? renewed : name === 'dst' ? dst : undefined));
    assert.strictEqual(record.parts[0]!.source.site, renewed);
    assert.throws(() => rebindSites(job(), name => (name === 'src' ? src : undefined)), /uses the site "dst", which is no longer in fxp\.sites/);
    assert.throws(() => rebindSites(job(), name => (name === 'src' ? { ...src, host: '10.0.0.9' } : dst)),
      /The site "src" now means ftp:\/\/anonymous@10\.0\.0\.9:21, but the interrupted transfer was made with ftp:\/\/anonymous@127\.0\.0\.2:21/);
  });
});

describe('JobJournals', () => {
  it('offers an unfinished job for resuming only while no live process runs it', async () => {
    const journals = new JobJournals(join(mkdtempSync(join(tmpdir(), 'fxp-journals-')), 'jobs'));
    const path = journals.newPath();
    Journal.create(path, newJob('j', [plan('/www', '/in', ['x'])], { parallel: 1, retries: 0, relay: 'auto', partials: 'keep', preserveTimes: true })).close();
    assert.deepStrictEqual(journals.unfinished().map(j => j.path), [path]);
    await journals.hold(path, async () => assert.deepStrictEqual(journals.unfinished(), [], 'running here'));
    assert.strictEqual(journals.unfinished().length, 1, 'offered again once it stopped');
    writeFileSync(`${path}.lock`, '999999999');
    assert.strictEqual(journals.unfinished().length, 1, 'a lock left by a process that is gone does not count');
    writeFileSync(`${path}.lock`, String(process.ppid));
    assert.deepStrictEqual(journals.unfinished(), [], 'running in another live process (window)');
    await assert.rejects(journals.hold(path, async () => undefined), /running in another VS Code window/);
    journals.discard(path);
    assert.deepStrictEqual(journals.unfinished(), []);
    rmSync(journals.dir, { recursive: true, force: true });
  });
});

describe('ExtensionEngine: pinned certificates and copy events', function () {
  this.timeout(30_000);
  let dir: string;
  let servers: FtpdServer[] = [];
  let fingerprint: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fxp-engine-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=unit', '-addext', 'subjectAltName=IP:127.0.0.40',
      '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const tls = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
    fingerprint = new X509Certificate(tls.cert).fingerprint256;
    writeFileSync(join(dir, 'f.bin'), Buffer.alloc(5000, 7));
    servers = [
      await startFtpd({ host: '127.0.0.40', port: 0, root: dir, users: { u: 'p' }, allowFxp: true, tls }),
      await startFtpd({ host: '127.0.0.41', port: 0, root: dir, users: { u: 'p' }, allowFxp: true, tls }),
    ];
  });

  after(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks once about a refused certificate, connects again with the pin, and reports each copy\'s channel', async () => {
    const pins: string[] = [];
    const asked: FxpError[] = [];
    const engine = new ExtensionEngine({ logger: () => undefined, password: async () => 'p' }, {
      pinned: () => pins,
      refused: async (_site, error) => {
        asked.push(error);
        pins.push(error.certificate!.fingerprint256);
        return true;
      },
    });
    const [a, b] = servers.map((s, i) => makeSite({ host: s.host, port: s.port, user: 'u', security: 'explicit' }, `s${i}`));
    try {
      const listing = await engine.list(a!, '/');
      assert.ok(listing.entries.some(e => e.name === 'f.bin'));
      assert.deepStrictEqual(asked.map(e => [e.code, e.certificate?.fingerprint256]), [['CERT_UNTRUSTED', fingerprint]]);
      assert.deepStrictEqual(engine.withPins(a!).trustedFingerprints, [fingerprint]);
      assert.deepStrictEqual(await engine.capabilities(a!), { tls: true, sscn: true, cpsv: true });
      const copies: CopyResult[] = [];
      const listening = engine.onDidCopy(r => copies.push(r));
      await engine.copyFile(a!, '/f.bin', b!, '/g.bin', { relay: 'never' });
      listening.dispose();
      await engine.copyFile(a!, '/f.bin', b!, '/h.bin', { relay: 'never' });
      assert.deepStrictEqual(copies.map(c => [c.destination.path, c.encrypted]), [['/g.bin', true]]);
      assert.match(copies[0]!.channel, /^TLS FXP \(CPSV/);
      assert.strictEqual(asked.length, 1, 'the other server shows the same certificate, which these hooks pin for every server: no new question');
    } finally {
      engine.close();
    }
  });

  it('gives up when the user does not trust the certificate', async () => {
    const engine = new ExtensionEngine({ logger: () => undefined, password: async () => 'p' }, { pinned: () => [], refused: async () => false });
    const site = makeSite({ host: servers[0]!.host, port: servers[0]!.port, user: 'u', security: 'explicit' }, 'untrusted');
    try {
      await assert.rejects(engine.list(site, '/'), (err: FxpError) => err.code === 'CERT_UNTRUSTED');
    } finally {
      engine.close();
    }
  });
});
