import * as assert from 'assert';
import { execFileSync } from 'child_process';
import dns = require('dns');
import { readFileSync } from 'fs';
import { join } from 'path';
import { makeSite } from '../../../src/fxp';
import { normalizeFingerprint } from '../../../src/fxp/connection';
import { assertFailure } from '../../faults/assertions';
import { closedPort, lines, startRaw, type RawServer } from '../../faults/rawServer';
import { COMMAND_TIMEOUT_MS, data, makeEngine, measure, passwordsOf, settle, startNode, tempDir, type Node } from '../../faults/world';

interface Cert { key: Buffer; cert: Buffer; fingerprint: string }

function makeCert(dir: string, name: string, host: string): Cert {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', `subjectAltName=IP:${host}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
  const fp = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, `${name}.crt`)], { encoding: 'utf8' });
  return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.crt`)), fingerprint: normalizeFingerprint(fp.split('=')[1] ?? '') };
}

/**
 * Unknown host, connection refused, TLS handshake failures, certificate change. No DNS query ever
 * leaves this machine: names under .invalid are answered ENOTFOUND by a stub resolver.
 */
describe('faults: unknown host, connection refused, TLS handshake failure, certificate change', function () {
  this.timeout(60_000);
  const originalLookup = dns.lookup;
  const raws: RawServer[] = [];
  let certA: Cert;
  let certB: Cert;

  before(() => {
    const dir = tempDir('certs');
    certA = makeCert(dir, 'first', '127.0.0.218');
    certB = makeCert(dir, 'second', '127.0.0.218');
    (dns as { lookup: unknown }).lookup = ((host: string, options: unknown, callback?: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (err: NodeJS.ErrnoException | null) => void;
      if (/\.invalid\.?$/i.test(host)) {
        const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
        process.nextTick(() => cb(err));
        return undefined;
      }
      if (!/^(localhost|127\.\d+\.\d+\.\d+|::1)$/i.test(host)) {
        // Nothing in these tests may resolve names through the network.
        const err: NodeJS.ErrnoException = Object.assign(new Error(`test: refused to resolve ${host}`), { code: 'EAI_FAIL' });
        process.nextTick(() => cb(err));
        return undefined;
      }
      return (originalLookup as (...args: unknown[]) => unknown)(host, options, callback);
    }) as unknown;
  });
  after(async () => {
    (dns as { lookup: unknown }).lookup = originalLookup;
    for (const r of raws) await r.close();
  });

  it('an unknown host: CONNECT_FAILED "Unknown host", naming the site, with a hint', async () => {
    const site = makeSite({ host: 'no-such-host.invalid', port: 21, user: 'u' }, 'nowhere');
    const { engine } = makeEngine(() => 'x');
    const run = await measure(engine.list(site, '/'));
    engine.close();
    const err = assertFailure(run, { codes: ['CONNECT_FAILED'], site: 'nowhere', describe: /Unknown host "no-such-host\.invalid"/, withinMs: 2_000 });
    assert.match(err.hint ?? '', /host name/);
  });

  it('connection refused: CONNECT_FAILED naming host and port, at once', async () => {
    const port = await closedPort('127.0.0.219');
    const site = makeSite({ host: '127.0.0.219', port, user: 'u' }, 'refusing');
    const { engine } = makeEngine(() => 'x');
    const run = await measure(engine.copyFile(site, '/a', site, '/b', { relay: 'auto' }));
    engine.close();
    const err = assertFailure(run, { codes: ['CONNECT_FAILED'], site: 'refusing', describe: new RegExp(`refused by 127\\.0\\.0\\.219:${port}`), withinMs: 1_000 });
    assert.match(err.hint ?? '', /port/);
  });

  it('explicit TLS against a server without TLS: the AUTH refusal is explained, no password sent', async () => {
    const plain = await startNode('tls-none', '127.0.0.220');
    try {
      const site = { ...plain.site, security: 'explicit' as const };
      const { engine } = makeEngine(passwordsOf(plain));
      const run = await measure(engine.list(site, '/'));
      engine.close();
      assertFailure(run, { codes: ['SERVER_REPLY', 'CONNECT_FAILED'], site: 'tls-none', describe: /AUTH TLS|TLS/ });
      assert.strictEqual(plain.count('PASS'), 0, 'a password was sent over a connection that was meant to be encrypted');
    } finally {
      await plain.close();
    }
  });

  it('implicit TLS against a plain FTP server: a TLS handshake error, bounded, no password sent', async () => {
    const plain = await startNode('tls-implicit-plain', '127.0.0.221');
    try {
      const site = { ...plain.site, security: 'implicit' as const };
      const { engine } = makeEngine(passwordsOf(plain));
      const run = await measure(engine.list(site, '/'));
      engine.close();
      assertFailure(run, { codes: ['CONNECT_FAILED', 'CONNECTION_LOST', 'TIMEOUT'], site: 'tls-implicit-plain', withinMs: 2 * COMMAND_TIMEOUT_MS + 1_000 });
      assert.strictEqual(plain.count('PASS'), 0);
    } finally {
      await plain.close();
    }
  });

  for (const kind of ['garbage', 'silence', 'close'] as const) {
    it(`AUTH TLS answered 234, then ${kind} instead of a handshake: CONNECT_FAILED/TIMEOUT within the command timeout`, async () => {
      const raw = await startRaw('127.0.0.222', socket => {
        socket.write('220 broken TLS server\r\n');
        lines(socket, line => {
          if (/^AUTH /i.test(line)) {
            socket.write('234 AUTH TLS successful\r\n');
            if (kind === 'garbage') setTimeout(() => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'), 50);
            if (kind === 'close') setTimeout(() => socket.destroy(), 50);
          } else {
            socket.write('500 unexpected\r\n');
          }
        });
      });
      raws.push(raw);
      const site = makeSite({ host: raw.host, port: raw.port, user: 'u', security: 'explicit' }, `tls-${kind}`);
      const { engine } = makeEngine(() => 'secret-that-must-not-leave');
      const run = await measure(engine.list(site, '/'), 30_000);
      engine.close();
      assertFailure(run, { codes: ['CONNECT_FAILED', 'TIMEOUT', 'CONNECTION_LOST'], site: `tls-${kind}`, withinMs: 2 * COMMAND_TIMEOUT_MS + 1_000 });
      assert.ok(await settle(() => raw.connections() === 0), `the engine left ${raw.connections()} connection(s) open`);
    });
  }

  it('an untrusted certificate: CERT_UNTRUSTED with its fingerprint, before any password is sent', async () => {
    const server = await startNode('tls-untrusted', '127.0.0.218', { tls: { key: certA.key, cert: certA.cert } });
    try {
      const site = { ...server.site, security: 'explicit' as const };
      const { engine } = makeEngine(passwordsOf(server));
      const run = await measure(engine.list(site, '/'));
      engine.close();
      const err = assertFailure(run, { codes: ['CERT_UNTRUSTED'], site: 'tls-untrusted' });
      assert.strictEqual(err.certificate?.fingerprint256, certA.fingerprint);
      assert.strictEqual(server.count('USER') + server.count('PASS'), 0, 'credentials were sent to an untrusted server');
    } finally {
      await server.close();
    }
  });

  it('certificate change: the pinned certificate works; after the server comes back with another one, CERT_CHANGED and no password sent', async () => {
    const first = await startNode('tls-pinned', '127.0.0.218', { tls: { key: certA.key, cert: certA.cert } });
    const port = first.site.port;
    const site = makeSite({ ...first.site, security: 'explicit', trustedFingerprints: [certA.fingerprint] }, 'tls-pinned');
    const passwords = new Map([['tls-pinned', first.password]]);
    const { engine } = makeEngine(passwords);
    first.put('/f.bin', data(10));
    const ok = await measure(engine.list(site, '/'));
    assert.ok(ok.value?.entries.some(e => e.name === 'f.bin'), String(ok.error));
    engine.close();
    await first.close();

    const second = await startNode('tls-pinned-2', '127.0.0.218', { port, tls: { key: certB.key, cert: certB.cert } });
    try {
      // The same password as the trusted server had: it must not reach the new one.
      const { engine: again } = makeEngine(() => first.password);
      const run = await measure(again.list(site, '/'));
      again.close();
      const err = assertFailure(run, { codes: ['CERT_CHANGED'], site: 'tls-pinned' });
      assert.strictEqual(err.certificate?.fingerprint256, certB.fingerprint);
      assert.match(err.hint ?? '', new RegExp(certB.fingerprint.slice(0, 20)));
      assert.strictEqual(second.count('USER') + second.count('PASS'), 0, 'credentials were sent to a server whose certificate changed');
    } finally {
      await second.close();
    }
  });
});
