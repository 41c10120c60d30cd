import * as assert from 'assert';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FxpEngine, type CopyResult } from '../../../src/fxp';
import type { ProgressSource } from '../../../src/fxp/fxpAttempt';
import type { TransferVerb } from '../../../src/fxp/statReply';
import { startFtpd, type FaultHooks, type FtpdServer } from '../../ftpd/server';
import { harnessPeer, harnessTls, inprocPeer, random, useServers, type Peer } from '../fixtures';

/**
 * Progress from STAT sent during FXP, against the real servers. Loopback FXP between two of them is over before a
 * second has passed, so the other side is the in-process server, throttled: it keeps the real server inside its
 * transfer for seconds. It refuses STAT itself (as pure-ftpd does) unless a test says otherwise, so every STAT
 * figure comes from the real server.
 */
const RATE = 3 * 1024 * 1024;
/** Larger than what loopback socket buffers hold, so that a real source is still sending when STAT arrives. */
const SIZE = 12 * 1024 * 1024;

interface Copied {
  result: CopyResult;
  events: { bytes: number; via: ProgressSource | undefined }[];
  /** The transcript of this copy only. */
  lines: string[];
}

describe('FXP progress from STAT during the transfer', function () {
  this.timeout(180_000);
  const world = useServers(['pyftpdlib', 'pure-ftpd', 'proftpd', 'vsftpd']);
  const peers = new Map<string, Peer>();
  let slow: FtpdServer;
  let slowTls: FtpdServer;
  let engine: FxpEngine;
  let log: string[] = [];
  let serial = 0;

  async function inproc(id: string, faults: FaultHooks, tls: boolean): Promise<FtpdServer> {
    const root = mkdtempSync(join(tmpdir(), `fxp-stat-${id}-`));
    const certificate = tls ? harnessTls(world) : undefined;
    const server = await startFtpd({
      host: '127.0.0.1', port: 0, root, users: { slow: 'slow-secret' }, allowFxp: true, faults, tls: certificate,
    });
    peers.set(id, inprocPeer(id, server.port, root, { user: 'slow', password: 'slow-secret' }, tls ? 'explicit' : 'none', certificate?.ca));
    return server;
  }

  before(async () => {
    for (const id of ['pyftpdlib', 'pure-ftpd', 'proftpd', 'vsftpd']) {
      peers.set(id, harnessPeer(world, id, 'none'));
      peers.set(`${id}-tls`, harnessPeer(world, id, 'explicit', `${id}-tls`));
    }
    slow = await inproc('slow', { rateBytesPerSec: RATE, statDuringTransfer: 'refuse' }, false);
    slowTls = await inproc('slow-tls', { rateBytesPerSec: RATE, statDuringTransfer: 'answer' }, true);
  });

  after(async () => {
    await slow?.close();
    await slowTls?.close();
  });

  beforeEach(() => {
    // A fresh engine per test: what each site does with STAT is learned from scratch.
    log = [];
    engine = new FxpEngine({
      logger: (_level, message) => log.push(message),
      password: async site => peers.get(site.name)!.password,
      timeouts: { skewTimeoutMs: 20_000, preliminaryTimeoutMs: 10_000, abortGraceMs: 2_000, pollIntervalMs: 500, stallTimeoutMs: 10_000, tlsHandshakeTimeoutMs: 5_000 },
    });
  });

  afterEach(() => {
    engine?.close();
    slow.faults.statDuringTransfer = 'refuse';
  });

  async function copy(from: string, to: string, size = SIZE): Promise<Copied> {
    const a = peers.get(from)!;
    const b = peers.get(to)!;
    const data = random(size);
    const name = `/stat-${from}-${to}-${serial++}.bin`;
    a.put(name, data);
    const start = log.length;
    const events: Copied['events'] = [];
    const result = await engine.copyFile(a.site, name, b.site, name, { relay: 'never', onBytes: (bytes, via) => events.push({ bytes, via }) });
    assert.strictEqual(result.mode, 'fxp');
    assert.ok(result.verification.ok, result.verification.detail);
    assert.ok(b.read(name).equals(data), `bytes on ${to} differ`);
    return { result, events, lines: log.slice(start) };
  }

  /** This site's replies in the transcript, in order (each multi-line reply is one entry). */
  const repliesOf = (lines: string[], site: string) => lines.filter(l => l.startsWith(`${site} < `)).map(l => l.slice(site.length + 3));
  const statsSentTo = (lines: string[], site: string) => lines.filter(l => l === `${site} > STAT`).length;
  const verdict = (site: string, verb: TransferVerb) => engine.pool(peers.get(site)!.site).midTransferStat.verdict(verb);
  const connects = (lines: string[]) => lines.filter(l => /: connecting to /.test(l));

  /** STAT answers with a figure that came before the site's transfer reply 226. */
  function answersBeforeCompletion(lines: string[], site: string, figure: RegExp): number[] {
    const replies = repliesOf(lines, site);
    const done = replies.findIndex(r => r.startsWith('226'));
    assert.ok(done >= 0, `${site} never said 226`);
    return replies.slice(0, done).map(r => figure.exec(r)).filter((m): m is RegExpExecArray => m !== null).map(m => Number(m[1]));
  }

  function checkStatEvents(events: Copied['events'], size: number): number[] {
    const stat = events.filter(e => e.via === 'stat').map(e => e.bytes);
    assert.ok(stat.length >= 2, `progress from STAT: ${JSON.stringify(events)}`);
    assert.ok(stat.every((b, i) => b <= size && (i === 0 || b >= stat[i - 1]!)), `figures grow and stay within the file: ${stat.join(',')}`);
    assert.ok(stat.some(b => b > 0 && b < size), `a figure from the middle of the transfer: ${stat.join(',')}`);
    return stat;
  }

  it('pyftpdlib as destination: progress from its STAT answers (bytes received), no SIZE polling, byte-exact', async () => {
    const t0 = Date.now();
    const { events, lines } = await copy('slow', 'pyftpdlib');
    const seconds = (Date.now() - t0) / 1000;
    const figures = answersBeforeCompletion(lines, 'pyftpdlib', /Total bytes received: (\d+)/);
    assert.ok(figures.filter(n => n > 0 && n < SIZE).length >= 2, `pyftpdlib answered during the transfer: ${figures.join(',')}`);
    const stat = checkStatEvents(events, SIZE);
    assert.deepStrictEqual(events.filter(e => e.via === 'size'), [], 'no SIZE figure while STAT answered');
    const stor = lines.findIndex(l => /^pyftpdlib > STOR /.test(l));
    const done = lines.findIndex(l => l.startsWith('pyftpdlib < 226'));
    assert.deepStrictEqual(lines.slice(stor, done).filter(l => /> SIZE /.test(l)), [], 'the destination was not polled with SIZE');
    assert.strictEqual(verdict('pyftpdlib', 'STOR'), 'answers');
    assert.strictEqual(verdict('slow', 'RETR'), 'refused');
    console.log(`      pyftpdlib STOR: ${statsSentTo(lines, 'pyftpdlib')} STAT, ${figures.length} answered mid-transfer in ${seconds.toFixed(1)} s; figures ${stat.join(', ')}`);
  });

  it('pyftpdlib as source: its STAT answers (bytes sent) feed progress, byte-exact', async () => {
    const t0 = Date.now();
    const { events, lines } = await copy('pyftpdlib', 'slow');
    const seconds = (Date.now() - t0) / 1000;
    const figures = answersBeforeCompletion(lines, 'pyftpdlib', /Total bytes sent: (\d+)/);
    assert.ok(figures.some(n => n > 0 && n < SIZE), `pyftpdlib answered during the transfer: ${figures.join(',')}`);
    checkStatEvents(events, SIZE);
    assert.strictEqual(verdict('pyftpdlib', 'RETR'), 'answers');
    console.log(`      pyftpdlib RETR: ${statsSentTo(lines, 'pyftpdlib')} STAT, ${figures.length} answered mid-transfer in ${seconds.toFixed(1)} s`);
  });

  /** What each server did with STAT in this lab, per direction (RETR: it is the source; STOR: the destination). */
  const EXPECTED: { id: string; verb: TransferVerb; verdict: 'refused' | 'queued' | 'answers' }[] = [
    { id: 'pure-ftpd', verb: 'RETR', verdict: 'refused' },
    { id: 'pure-ftpd', verb: 'STOR', verdict: 'refused' },
    { id: 'vsftpd', verb: 'RETR', verdict: 'queued' },
    { id: 'vsftpd', verb: 'STOR', verdict: 'queued' },
    { id: 'proftpd', verb: 'RETR', verdict: 'queued' },
    { id: 'proftpd', verb: 'STOR', verdict: 'answers' },
  ];
  for (const { id, verb, verdict: expected } of EXPECTED) {
    const [from, to] = verb === 'RETR' ? [id, 'slow'] : ['slow', id];
    it(`${id} during ${verb}: ${expected}; replies stay in order and the second copy on the same connections ${expected === 'answers' ? 'keeps using STAT' : 'sends no STAT'}`, async () => {
      const first = await copy(from, to);
      assert.ok(statsSentTo(first.lines, id) >= 1, `STAT was tried on ${id}`);
      assert.strictEqual(verdict(id, verb), expected);
      const replies = repliesOf(first.lines, id);
      const done = replies.findIndex(r => r.startsWith('226'));
      if (expected === 'refused') {
        assert.ok(replies.slice(0, done).some(r => r === '500 Unknown command'), `refused during the transfer: ${replies.join(' | ')}`);
      } else if (expected === 'queued') {
        // The queued answer comes right after the 226 and is taken for STAT, not for the next command (SIZE, verification).
        assert.ok(replies.slice(done + 1).some(r => /^211[- ]/.test(r)), `answered after the 226: ${replies.slice(done).join(' | ')}`);
      } else {
        assert.ok(answersBeforeCompletion(first.lines, id, /\((\d+)\)$/m).some(n => n > 0 && n < SIZE), 'answered during the transfer');
        checkStatEvents(first.events, SIZE);
      }
      if (expected !== 'answers') assert.ok(first.events.some(e => e.via === 'size'), 'progress fell back to SIZE polling');

      const second = await copy(from, to);
      assert.deepStrictEqual(connects(second.lines), [], 'the second copy reused the pooled connections');
      if (expected === 'answers') {
        assert.ok(statsSentTo(second.lines, id) >= 1);
        checkStatEvents(second.events, SIZE);
      } else {
        assert.strictEqual(statsSentTo(second.lines, id), 0, `no STAT to ${id} once it is known to ${expected} it`);
        assert.ok(second.events.some(e => e.via === 'size'), 'progress from SIZE polling');
      }
      console.log(`      ${id} ${verb}: ${statsSentTo(first.lines, id)} STAT in the first copy, ${statsSentTo(second.lines, id)} in the second; `
        + `first answer: ${replies.find(r => /^(211-(FTP server status|Status of)|500 )/.test(r))?.split('\n')[0]}`);
    });
  }

  it('never sends STAT on a TLS control connection, even to servers that would answer', async () => {
    const there = await copy('slow-tls', 'pyftpdlib-tls');
    const back = await copy('pyftpdlib-tls', 'slow-tls');
    for (const { lines, events } of [there, back]) {
      assert.deepStrictEqual(lines.filter(l => / > STAT$/.test(l)), [], 'STAT on a TLS control connection');
      assert.ok(events.length > 0 && events.every(e => e.via === 'size'), `progress from SIZE: ${JSON.stringify(events)}`);
    }
    assert.strictEqual(verdict('pyftpdlib-tls', 'STOR'), 'unknown');
  });

  it('a STAT never answered, not even after the transfer, costs that connection only: the copy completes and verifies', async () => {
    slow.faults.statDuringTransfer = 'ignore';
    const { lines } = await copy('slow', 'pure-ftpd', 4 * 1024 * 1024);
    assert.ok(lines.some(l => /^slow: disconnecting: no answer to STAT within 2 s after the transfer/.test(l)), 'the connection with the unanswered STAT was dropped');
    assert.strictEqual(verdict('slow', 'RETR'), 'queued');
    const second = await copy('slow', 'pure-ftpd', 1024 * 1024);
    assert.strictEqual(statsSentTo(second.lines, 'slow'), 0);
  });

  it('answers with impossible or missing figures are no progress and no failure; STAT stops after a few', async () => {
    slow.faults.statDuringTransfer = { reply: '213 Status: RETR in progress, 99999999999999999999999 bytes transferred.' };
    const { events, lines } = await copy('slow', 'vsftpd', 6 * 1024 * 1024);
    assert.ok(statsSentTo(lines, 'slow') >= 3);
    assert.ok(events.every(e => e.via === 'size'), JSON.stringify(events));
    assert.strictEqual(verdict('slow', 'RETR'), 'no-figure');
  });
});
