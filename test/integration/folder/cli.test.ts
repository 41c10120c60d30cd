import * as assert from 'assert';
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CLI, runCli } from '../cli';
import { useServers } from '../fixtures';
import { assertSameTree, diskSnapshot, diskTree, inproc, smallFiles, writeTree, type DiskServer, type Files } from './helpers';

const fxp = runCli;

/** Sends `signal` to the CLI once `file` on a destination's disk has more than `bytes`: a transfer in flight. */
function signalWhenLarger(file: string, bytes: number, signal: NodeJS.Signals): (child: ReturnType<typeof spawn>) => void {
  return child => {
    const watcher = setInterval(() => {
      if (existsSync(file) && statSync(file).size > bytes) {
        clearInterval(watcher);
        child.kill(signal);
      }
    }, 10);
    child.on('exit', () => clearInterval(watcher));
  };
}

/** The in-process server as a source sending 2 MB/s per transfer, holding `files` under `root`, for the length of `fn`. */
async function withSlowSource(id: string, host: string, root: string, files: Files, fn: (src: Awaited<ReturnType<typeof inproc>>) => Promise<void>): Promise<void> {
  const src = await inproc(id, host, { faults: { rateBytesPerSec: 2_000_000 } });
  try {
    writeTree(src, root, files);
    await fn(src);
  } finally {
    await src.close();
  }
}

const url = (s: DiskServer, path: string) => `ftp://${s.user}@${s.host}:${s.port}${path}`;
const env = (src: DiskServer, dst: DiskServer) => ({ FXP_SRC_PASSWORD: src.password, FXP_DST_PASSWORD: dst.password });

describe('fxp CLI: mirror, cp to many, resume, compare (built dist/cli.js)', function () {
  this.timeout(180_000);
  const world = useServers(['pure-ftpd', 'proftpd', 'vsftpd', 'pyftpdlib']);
  let stateDir: string;
  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run node esbuild.mjs first`);
    stateDir = mkdtempSync(join(tmpdir(), 'fxp-cli-state-'));
  });
  after(() => rmSync(stateDir, { recursive: true, force: true }));

  it('mirror --parallel 4 --json copies the tree; --dry-run before it changes nothing; compare then finds no difference', async () => {
    const src = world.set.get('pure-ftpd');
    const dst = world.set.get('proftpd');
    const files: Files = { ...smallFiles(100, 1500), 'big.bin': randomBytes(3 << 20), 'junk.tmp': randomBytes(10) };
    writeTree(src, '/cli', files);
    const before = diskSnapshot(dst, '/');

    const dry = await fxp(['mirror', url(src, '/cli'), url(dst, '/cli-copy'), '--dry-run', '--json', '--exclude', '*.tmp'], env(src, dst));
    assert.strictEqual(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as { dryRun: boolean; plans: { summary: { files: number; send: number }; skipped: { path: string }[] }[] };
    assert.deepStrictEqual([plan.dryRun, plan.plans[0]!.summary.files, plan.plans[0]!.summary.send], [true, 101, 101]);
    assert.deepStrictEqual(plan.plans[0]!.skipped.map(s => s.path), ['junk.tmp']);
    assert.deepStrictEqual(diskSnapshot(dst, '/'), before, 'the dry run changed the destination');

    const run = await fxp(['mirror', url(src, '/cli'), url(dst, '/cli-copy'), '--parallel', '4', '--exclude', '*.tmp', '--json'], { ...env(src, dst), FXP_STATE_DIR: stateDir });
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; state: string; parallel: number; files: { done: number; failed: number } };
    assert.deepStrictEqual([report.ok, report.state, report.parallel, report.files.done, report.files.failed], [true, 'done', 4, 101, 0]);
    const expected = { ...files };
    delete expected['junk.tmp'];
    assert.deepStrictEqual(assertSameTree(diskTree(dst, '/cli-copy'), expected), []);
    assert.deepStrictEqual(readdirSync(stateDir), [], 'a finished job left its state file behind');

    const cmp = await fxp(['compare', url(src, '/cli'), url(dst, '/cli-copy'), '--exclude', '*.tmp'], env(src, dst));
    assert.strictEqual(cmp.code, 0, cmp.stdout + cmp.stderr);
    assert.match(cmp.stdout, /101 same\.$/m);
  });

  it('mirror --exists skip keeps what is there; the human report says what happened', async () => {
    const src = world.set.get('pure-ftpd');
    const dst = world.set.get('vsftpd');
    const keep = randomBytes(50);
    writeTree(src, '/cli-skip', { 'a.txt': randomBytes(100), 'b.txt': randomBytes(100) });
    writeTree(dst, '/cli-skip', { 'a.txt': keep });
    const run = await fxp(['mirror', url(src, '/cli-skip'), url(dst, '/cli-skip'), '--exists', 'skip'], env(src, dst));
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Done: 1 copied, 1 skipped, 0 failed/m);
    assert.ok(diskTree(dst, '/cli-skip').get('a.txt')!.equals(keep));
  });

  it('cp SRC DST1 DST2 DST3 copies one file to three servers', async () => {
    const src = world.set.get('pure-ftpd');
    const dsts = ['proftpd', 'vsftpd', 'pyftpdlib'].map(id => world.set.get(id));
    const data = randomBytes(200_000);
    writeTree(src, '/cli-one', { 'f.bin': data });
    const run = await fxp(['cp', url(src, '/cli-one/f.bin'), ...dsts.map(d => url(d, '/cli-many/')), '--json'], {
      FXP_SRC_PASSWORD: src.password, FXP_DST_PASSWORD: dsts[0]!.password, FXP_STATE_DIR: stateDir,
    });
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { parts: { destination: string; files: { done: number } }[] };
    assert.deepStrictEqual(report.parts.map(p => p.files.done), [1, 1, 1]);
    for (const d of dsts) assert.ok(diskTree(d, '/cli-many').get('f.bin')?.equals(data), d.id);
  });

  it('a failed file keeps the state file; fxp resume STATE_FILE sends only what is missing', async () => {
    const src = world.set.get('pure-ftpd');
    const dst = await inproc('cli-dst', '127.0.0.41', {
      faults: { onCommand: (cmd, arg) => (cmd === 'STOR' && arg.endsWith('locked.bin') ? { kind: 'reply', text: '553 Could not create file.' } : undefined) },
    });
    try {
      const files: Files = { ...smallFiles(20, 500), 'locked.bin': randomBytes(1000) };
      writeTree(src, '/cli-resume', files);
      const state = join(stateDir, 'resume.fxpjob');
      const first = await fxp(['mirror', url(src, '/cli-resume'), url(dst, '/r'), '--state', state, '--json'], env(src, dst));
      assert.strictEqual(first.code, 1, first.stderr);
      const failed = JSON.parse(first.stdout) as { state: string; failures: { path: string; error: { reply: { code: number } } }[] };
      assert.deepStrictEqual(failed.failures.map(f => [f.path, f.error.reply.code]), [['locked.bin', 553]]);
      assert.match(first.stderr, new RegExp(`Resume with: fxp resume ${state.replace(/[.]/g, '\\.')}`));
      assert.ok(existsSync(state));

      dst.ftpd.faults.onCommand = undefined;
      const second = await fxp(['resume', state, '--verbose'], env(src, dst));
      assert.strictEqual(second.code, 0, second.stderr);
      const stores = second.stderr.split('\n').filter(l => /^destination > (STOR|APPE) /.test(l));
      assert.deepStrictEqual(stores, ['destination > STOR /r/locked.bin']);
      assert.deepStrictEqual(assertSameTree(diskTree(dst, '/r'), files), []);
    } finally {
      await dst.close();
    }
  });

  it('Ctrl-C cancels: the partial file is kept, exit 130, and fxp resume finishes it with REST', async () => {
    const files: Files = { 'slow.bin': randomBytes(4 << 20), ...smallFiles(10, 100, 'z/') };
    const dst = world.set.get('pyftpdlib');
    await withSlowSource('cli-slow', '127.0.0.42', '/slow', files, async src => {
      const state = join(stateDir, 'sigint.fxpjob');
      const args = ['mirror', url(src, '/slow'), url(dst, '/slow'), '--state', state, '--parallel', '1', '--verbose'];
      const first = await fxp(args, env(src, dst), signalWhenLarger(dst.diskPath('/slow/slow.bin'), 500_000, 'SIGINT'));
      assert.strictEqual(first.code, 130, first.stdout + first.stderr);
      assert.match(first.stdout, /^Cancelled: 0 copied/m);
      const kept = /CANCELLED destination: slow\.bin: (\d+) of \d+ bytes kept for resume/.exec(first.stdout);
      assert.ok(kept, first.stdout);
      const partial = Number(kept[1]);
      assert.strictEqual(statSync(dst.diskPath('/slow/slow.bin')).size, partial, 'the report does not match the disk');

      src.ftpd.faults.rateBytesPerSec = undefined;
      const second = await fxp(['resume', state, '--verbose'], env(src, dst));
      assert.strictEqual(second.code, 0, second.stderr);
      assert.ok(second.stderr.split('\n').includes(`destination > REST ${partial}`), 'not resumed at the kept size');
      assert.deepStrictEqual(assertSameTree(diskTree(dst, '/slow'), files), []);
    });
  });

  it('killed outright (SIGKILL) mid-transfer: fxp resume picks up from the journal and continues the file with REST', async () => {
    const files: Files = { 'a/small.txt': randomBytes(100), 'b/crash.bin': randomBytes(4 << 20), 'c/later.txt': randomBytes(100) };
    const dst = world.set.get('proftpd');
    await withSlowSource('cli-crash', '127.0.0.44', '/crash', files, async src => {
      const state = join(stateDir, 'sigkill.fxpjob');
      const target = dst.diskPath('/cli-crash/b/crash.bin');
      const args = ['mirror', url(src, '/crash'), url(dst, '/cli-crash'), '--state', state, '--parallel', '1'];
      const first = await fxp(args, env(src, dst), signalWhenLarger(target, 500_000, 'SIGKILL'));
      assert.strictEqual(first.signal ?? first.code, 'SIGKILL');
      // The servers notice the dead client and stop the transfer; wait until the partial file stops growing.
      let partial = -1;
      for (let size = statSync(target).size; size !== partial; size = statSync(target).size) {
        partial = size;
        await new Promise(r => setTimeout(r, 300));
      }
      assert.ok(partial > 0 && partial < files['b/crash.bin']!.length, `partial ${partial}`);

      src.ftpd.faults.rateBytesPerSec = undefined;
      const second = await fxp(['resume', state, '--verbose'], env(src, dst));
      assert.strictEqual(second.code, 0, second.stderr);
      const commands = second.stderr.split('\n');
      assert.ok(commands.includes(`destination > REST ${partial}`), `not resumed at ${partial}`);
      assert.ok(!commands.includes('destination > STOR /cli-crash/a/small.txt'), 'a file finished before the crash was sent again');
      assert.deepStrictEqual(assertSameTree(diskTree(dst, '/cli-crash'), files), []);
    });
  });
});
