#!/usr/bin/env node
// Starts the bench's servers with its data in place and keeps them up, for profiling one command by hand
// (`node --cpu-prof dist/cli.js mirror ...`). Writes the URLs to bench/.data/serve.json; Ctrl-C / SIGTERM stops.
// Options: --quick (the smaller bench sizes). Needs root, like bench.mjs.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { cachedRandomFile, cachedTree, placeFile, placeTree } from './lib/data.mjs';
import { loadHarness } from './lib/harness.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.join(REPO, 'bench', '.data');
const CACHE = path.join(DATA, 'cache');
const quick = process.argv.includes('--quick');
const MiB = 2 ** 20;
const SIZES = quick ? { big: 64 * MiB, relay: 32 * MiB, files: 100, entries: 2000 } : { big: 1024 * MiB, relay: 256 * MiB, files: 1000, entries: 10000 };
const log = (s) => process.stderr.write(`[serve] ${s}\n`);

const big = await cachedRandomFile(CACHE, 'big', SIZES.big, log);
const relay = await cachedRandomFile(CACHE, 'relay', SIZES.relay, log);
const tree = cachedTree(CACHE, SIZES.files, 4096, log);

const { startServers } = await loadHarness(REPO, DATA);
const ids = ['pure-ftpd', 'pure-ftpd-2', 'proftpd', 'vsftpd'];
const set = await startServers({ only: ids });
const info = {};
for (const id of ids) {
  const s = set.get(id);
  placeFile(big.file, s.diskPath('/big.bin'));
  placeFile(relay.file, s.diskPath('/relay.bin'));
  fs.chownSync(s.diskPath('/big.bin'), s.uid, s.gid);
  fs.chownSync(s.diskPath('/relay.bin'), s.uid, s.gid);
  placeTree(tree.root, tree.manifest, s.diskPath('/tree'), s.uid, s.gid);
  const count = s.make === 'pure-ftpd' ? Math.min(SIZES.entries, 9998) : SIZES.entries;
  const dir = s.diskPath('/bigdir');
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i++) fs.closeSync(fs.openSync(path.join(dir, `entry-${String(i).padStart(5, '0')}`), 'w', 0o644));
  for (const e of [dir, ...fs.readdirSync(dir).map((n) => path.join(dir, n))]) fs.chownSync(e, s.uid, s.gid);
  info[id] = { url: `ftp://${s.user}@${s.host}:${s.port}`, root: s.root, password: s.password };
}
fs.writeFileSync(path.join(DATA, 'serve.json'), `${JSON.stringify(info, null, 1)}\n`);
log(`up: ${JSON.stringify(info)}`);
const stop = async () => { await set.stop(); process.exit(0); };
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stop());
setInterval(() => undefined, 1 << 30);
