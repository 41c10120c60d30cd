import * as assert from 'assert';
import { FxpError, type Orientation } from '../../../src/fxp';
import type { FaultAction } from '../../ftpd/server';
import { record } from '../../faults/figures';
import {
  COMMAND_TIMEOUT_MS, FAST, SERVER_IDLE_MS, data, makeEngine, measure, passwordsOf, settle, socketFds, startNode, type Node,
} from '../../faults/world';

/**
 * A server that stops answering at each step. The servers' own idle timeout is 60 s: every case must
 * end, with an FxpError, within a few of the engine's 2 s phase timeouts.
 */
describe('faults: a server that stalls at each step is bounded by phase timeouts', function () {
  this.timeout(60_000);
  let a: Node;
  let b: Node;
  const FILE = data(256 * 1024);
  const BIG = data(32 * 1024 * 1024);
  let sockets = 0;

  before(async () => {
    a = await startNode('stall-src', '127.0.0.211', { idleTimeoutMs: SERVER_IDLE_MS, dataTimeoutMs: SERVER_IDLE_MS });
    b = await startNode('stall-dst', '127.0.0.212', { idleTimeoutMs: SERVER_IDLE_MS, dataTimeoutMs: SERVER_IDLE_MS });
    a.put('/f.bin', FILE);
    // Bigger than what the socket buffers between the servers hold: a stalled side really blocks the other.
    a.put('/big.bin', BIG);
    sockets = socketFds();
  });
  afterEach(() => {
    a.onCommand(undefined);
    b.onCommand(undefined);
    a.server.faults.onConnect = undefined;
    b.server.faults.onConnect = undefined;
    a.server.faults.onTransferDone = undefined;
    b.server.faults.onTransferDone = undefined;
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const stallOn = (verb: string) => (cmd: string): FaultAction | undefined => (cmd === verb ? { kind: 'stall' } : undefined);

  interface Case {
    name: string;
    arrange: () => void;
    orientation?: Orientation;
    /** The longest the engine may legitimately take. */
    boundMs: number;
    codes: string[];
    dstLimit?: number;
    /** Copy the 32 MiB file. */
    big?: boolean;
  }

  const oneCommand = 2 * COMMAND_TIMEOUT_MS + 2_000;
  /** Two orientations, each ended by a transfer timeout plus the ABOR grace, plus reconnects. */
  const twoAttempts = 2 * (FAST.stallTimeoutMs + FAST.preliminaryTimeoutMs + FAST.abortGraceMs) + 4_000;
  const cases: Case[] = [
    { name: 'no greeting (source)', arrange: () => { a.server.faults.onConnect = () => ({ kind: 'stall' }); }, boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'login: USER (destination)', arrange: () => b.onCommand(stallOn('USER')), boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'login: PASS (source)', arrange: () => a.onCommand(stallOn('PASS')), boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'after login: FEAT (destination)', arrange: () => b.onCommand(stallOn('FEAT')), boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'SIZE of the source', arrange: () => a.onCommand(stallOn('SIZE')), boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'PASV (passive destination)', arrange: () => b.onCommand(stallOn('PASV')), orientation: 'dst-passive', boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'PORT (active source)', arrange: () => a.onCommand(stallOn('PORT')), orientation: 'dst-passive', boundMs: oneCommand, codes: ['TIMEOUT'] },
    { name: 'STOR (passive destination)', arrange: () => b.onCommand(stallOn('STOR')), orientation: 'dst-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE'] },
    { name: 'STOR (active destination)', arrange: () => b.onCommand(stallOn('STOR')), orientation: 'src-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT'] },
    { name: 'RETR (active source)', arrange: () => a.onCommand(stallOn('RETR')), orientation: 'dst-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE', 'FXP_DATA_CONNECTION'] },
    { name: 'RETR (passive source)', arrange: () => a.onCommand(stallOn('RETR')), orientation: 'src-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE', 'FXP_DATA_CONNECTION'] },
    { name: 'both orientations: STOR', arrange: () => b.onCommand(stallOn('STOR')), boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE'] },
    {
      name: 'destination silent after the source\'s 226', orientation: 'dst-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE'],
      arrange: () => { b.server.faults.onTransferDone = info => (info.cmd === 'STOR' ? { kind: 'stall' } : undefined); },
    },
    {
      name: 'source silent after the destination\'s 226', orientation: 'src-passive', boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE'],
      arrange: () => { a.server.faults.onTransferDone = info => (info.cmd === 'RETR' ? { kind: 'stall' } : undefined); },
    },
    // With a connection limit of 1 there is no room for the SIZE probe that sees a stalled FXP: still bounded?
    { name: 'STOR (passive destination), 32 MiB', arrange: () => b.onCommand(stallOn('STOR')), orientation: 'dst-passive', big: true, boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE'] },
    { name: 'STOR (passive destination), 32 MiB, destination connection limit 1', arrange: () => b.onCommand(stallOn('STOR')), orientation: 'dst-passive', big: true, dstLimit: 1, boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE'] },
    { name: 'RETR (active source), 32 MiB, destination connection limit 1', arrange: () => a.onCommand(stallOn('RETR')), orientation: 'dst-passive', big: true, dstLimit: 1, boundMs: twoAttempts, codes: ['FXP_IMPOSSIBLE', 'TIMEOUT', 'FXP_REFUSED_PASSIVE', 'FXP_DATA_CONNECTION'] },
  ];

  // The other side of the bound: a transfer that is slow but healthy must not be cut by the stall watch.
  const slow: { name: string; arrange: () => void; dstLimit?: number }[] = [
    { name: 'the destination has no room for a SIZE probe (connection limit 1)', arrange: () => undefined, dstLimit: 1 },
    { name: 'the destination does not answer SIZE during an upload', arrange: () => b.onCommand((cmd, arg) => (cmd === 'SIZE' && arg.includes('slow-') ? { kind: 'reply', text: '550 Could not get file size.' } : undefined)) },
  ];
  for (const c of slow) {
    it(`a healthy transfer longer than the stall timeout completes when ${c.name}`, async () => {
      const { engine, log } = makeEngine(passwordsOf(a, b));
      a.server.faults.rateBytesPerSec = 256 * 1024;
      try {
        c.arrange();
        const dst = c.dstLimit ? { ...b.site, connectionLimit: c.dstLimit } : b.site;
        const name = `/slow-${c.dstLimit ?? 'nosize'}.bin`;
        const file = data(1024 * 1024); // about 4 s at 256 KiB/s; the stall timeout is 2 s
        a.put(name, file);
        const run = await measure(engine.copyFile(a.site, name, dst, name, { relay: 'never', orientation: 'dst-passive' }), 45_000);
        assert.ok(run.value, `the copy failed after ${run.ms} ms: ${run.error instanceof FxpError ? run.error.describe() : String(run.error)}\n${log.filter(l => /warn|ABOR/.test(l)).join('\n')}`);
        assert.ok(b.read(name)?.equals(file), 'bytes on the destination differ');
      } finally {
        a.server.faults.rateBytesPerSec = undefined;
        engine.close();
      }
    });
  }

  for (const c of cases) {
    it(`${c.name}: an FxpError within ${(c.boundMs / 1000).toFixed(0)} s, nothing left open, no file left`, async () => {
      const { engine, log } = makeEngine(passwordsOf(a, b));
      const dst = c.dstLimit ? { ...b.site, connectionLimit: c.dstLimit } : b.site;
      const name = `/stall-${c.name.replace(/\W+/g, '-')}.bin`;
      c.arrange();
      const controller = new AbortController();
      const run = await measure(
        engine.copyFile(a.site, c.big ? '/big.bin' : '/f.bin', dst, name, { relay: 'never', orientation: c.orientation, signal: controller.signal }),
        45_000,
        () => { controller.abort(); a.onCommand(undefined); b.onCommand(undefined); },
      );
      record.number(`stall: ${c.name} (ms)`, run.ms);
      engine.close();
      assert.notStrictEqual(run.error, 'HUNG', `still running after 45 s (server idle timeout ${SERVER_IDLE_MS / 1000} s): only the server's timeout would end it. Transcript:\n${log.slice(-15).join('\n')}`);
      assert.ok(run.error instanceof FxpError, `expected an FxpError, got ${run.value ? 'success' : String(run.error)}`);
      assert.ok(c.codes.includes(run.error.code), `code ${run.error.code}: ${run.error.describe()}`);
      assert.ok(run.error.describe().length > 20, 'a message people can read');
      assert.ok(run.ms <= c.boundMs, `took ${run.ms} ms, bound ${c.boundMs} ms: ${run.error.describe()}`);
      assert.ok(await settle(() => a.server.connections() === 0 && b.server.connections() === 0),
        `connections left open after engine.close(): source ${a.server.connections()}, destination ${b.server.connections()}`);
      assert.ok(await settle(() => socketFds() <= sockets), `sockets of this process: ${socketFds()} now, ${sockets} before`);
      assert.strictEqual(b.size(name), undefined, 'a failed copy left a file on the destination');
    });
  }
});
