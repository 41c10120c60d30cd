import * as assert from 'assert';
import { execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { connect } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEMO_ENV, DEMO_PAIR, startDemoServers, type DemoEnv, type DemoServers } from '../../demo/demo';

const repo = join(__dirname, '..', '..', '..');

function refused(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

describe('demo servers (npm run demo)', () => {
  let dir: string;
  let demo: DemoServers;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fxp-demo-test-'));
    demo = await startDemoServers({ dir, bigFileMB: 3, rateMBps: 0 });
  });

  after(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a workspace whose settings name both sites and the pair, and no password', () => {
    const text = readFileSync(join(demo.workspace, '.vscode', 'settings.json'), 'utf8');
    const settings = JSON.parse(text);
    assert.deepStrictEqual(settings['fxp.sites'].map((s: { name: string }) => s.name), ['demo-a', 'demo-b']);
    assert.deepStrictEqual(settings['fxp.sitePairs'].map((p: { name: string }) => p.name), [DEMO_PAIR]);
    for (const site of demo.sites) assert.ok(!text.includes(site.password), `no password of ${site.name} in settings.json`);
    assert.ok(!readFileSync(join(demo.workspace, 'DEMO.md'), 'utf8').includes(demo.sites[0].password));
  });

  it('hands the passwords to VS Code only through the environment, random per site', () => {
    const env: DemoEnv = JSON.parse(demo.env[DEMO_ENV]!);
    assert.strictEqual(env.pair, DEMO_PAIR);
    assert.deepStrictEqual(env.sites.map(s => s.password), demo.sites.map(s => s.password));
    assert.notStrictEqual(demo.sites[0].password, demo.sites[1].password);
    assert.ok(demo.sites.every(s => s.password.length >= 16));
  });

  it('serves sample folders and a sparse big file', () => {
    const big = statSync(demo.diskPath(demo.sites[0], `/releases/${demo.bigFile}`));
    assert.strictEqual(big.size, 3 * 1024 * 1024);
    assert.ok(big.blocks * 512 < big.size, 'sparse: takes less disk than its size');
    assert.ok(statSync(demo.diskPath(demo.sites[0], '/photos/2024-summer/IMG_0001.jpg')).isFile());
    assert.ok(statSync(demo.diskPath(demo.sites[1], '/incoming')).isDirectory());
  });

  it('allows FXP between the two servers: the CLI line the demo prints copies server to server', async () => {
    const [a, b] = demo.sites;
    // Asynchronously: the servers run in this process.
    const stdout = await new Promise<string>((resolve, reject) => execFile(process.execPath, [
      join(repo, 'dist', 'cli.js'), 'cp', `ftp://${a.user}@${a.host}:${a.port}/notes.txt`, `ftp://${b.user}@${b.host}:${b.port}/incoming/`, '--relay', 'never', '--json',
    ], { env: { ...process.env, FXP_SRC_PASSWORD: a.password, FXP_DST_PASSWORD: b.password }, timeout: 30_000 },
    (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))));
    assert.strictEqual(JSON.parse(stdout).mode, 'fxp');
    assert.deepStrictEqual(readFileSync(demo.diskPath(b, '/incoming/notes.txt')), readFileSync(demo.diskPath(a, '/notes.txt')));
  });

  it('stop() closes both servers', async () => {
    await demo.stop();
    for (const site of demo.sites) assert.ok(await refused(site.host, site.port), `${site.name} stopped`);
  });
});
