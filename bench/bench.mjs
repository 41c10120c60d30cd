#!/usr/bin/env node
// `npm run bench`: our CLI side by side with lftp 4.9 on the same real FTP servers, as ratios.
// See bench/README.md. Options: --rounds N, --quick, --only W[,W], --json FILE, --clean-cache, --cli FILE.
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { cachedRandomFile, cachedTree, freeBytes, placeFile, placeTree, verifyFile, verifyTree } from './lib/data.mjs';
import { loadHarness } from './lib/harness.mjs';
import { countCommands, killCurrent, measure, scrub, tail } from './lib/run.mjs';
import { bytes, median, ratio, secs, summary, table } from './lib/stats.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.join(REPO, 'bench', '.data');
const CACHE = path.join(DATA, 'cache');
const SERVER_IDS = ['pure-ftpd', 'pure-ftpd-2', 'proftpd', 'vsftpd'];
const PAIRS = [['pure-ftpd', 'pure-ftpd-2'], ['proftpd', 'vsftpd']];
const LIST_SERVERS = ['pure-ftpd', 'proftpd', 'vsftpd'];
const MiB = 2 ** 20;
const GiB = 2 ** 30;

// ---------------------------------------------------------------------------
// options

const WORKLOADS = {
  'fxp-1g': 1, 'mirror-serial': 2, 'mirror-parallel': 3, relay: 4, list: 5,
};

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(`usage: npm run bench -- [--rounds N] [--quick] [--only W[,W...]] [--json FILE] [--clean-cache]
  workloads: ${Object.entries(WORKLOADS).map(([k, v]) => `${v}|${k}`).join(', ')}
  --quick        smaller sizes and 2 rounds (a smoke run, about a minute; figures not comparable to the targets)
  --rounds N     timed rounds per case, each "ours then lftp" (default 5; --quick 2)
  --json FILE    also write the results there (always written to bench/.data/results/)
  --clean-cache  delete the cached random data in bench/.data/cache when done
  --cli FILE     measure this build of the CLI instead of dist/cli.js (e.g. another commit's, to compare)\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { rounds: undefined, quick: false, only: undefined, json: undefined, cleanCache: false, cli: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const name = a.split('=')[0];
    if (name === '--rounds') { o.rounds = Number(val()); if (!Number.isInteger(o.rounds) || o.rounds < 1) usage('--rounds must be a positive integer'); }
    else if (name === '--quick') o.quick = true;
    else if (name === '--only') {
      o.only = new Set(val().split(',').map((s) => s.trim()).filter(Boolean).map((w) => {
        const byNum = Object.entries(WORKLOADS).find(([, n]) => String(n) === w);
        if (byNum) return byNum[0];
        if (w === '6') usage('workload 6 (bytes, CPU, memory) is measured in every run: pick 1-5');
        if (!(w in WORKLOADS)) usage(`unknown workload ${w}`);
        return w;
      }));
    } else if (name === '--json') o.json = path.resolve(val());
    else if (name === '--clean-cache') o.cleanCache = true;
    else if (name === '--cli') o.cli = path.resolve(val());
    else if (name === '--help' || name === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  o.rounds ??= o.quick ? 2 : 5;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const SIZES = opts.quick
  ? { big: 64 * MiB, relay: 32 * MiB, treeFiles: 100, treeFileSize: 4096, listEntries: 2000, parallel: [4, 8] }
  : { big: 1 * GiB, relay: 256 * MiB, treeFiles: 1000, treeFileSize: 4096, listEntries: 10000, parallel: [4, 8] };
const want = (w) => !opts.only || opts.only.has(w);

const t0 = Date.now();
const log = (s) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
const fail = (s) => { process.stderr.write(`bench: ${s}\n`); process.exit(1); };

// ---------------------------------------------------------------------------
// preflight

if (process.platform !== 'linux') fail('Linux only (the FTP servers and /proc/PID/io)');
if (process.getuid?.() !== 0) fail('needs root (the test FTP servers chroot and use private mount namespaces)');
for (const f of ['/usr/bin/python3']) if (!fs.existsSync(f)) fail(`${f} is missing`);
const TIME_OK = fs.existsSync('/usr/bin/time');
if (!TIME_OK) log('note: /usr/bin/time not found; peak RSS is sampled from /proc/PID/status VmHWM every 10 ms instead');

const cliSrc = opts.cli ?? path.join(REPO, 'dist', 'cli.js');
if (!fs.existsSync(cliSrc)) fail(`${cliSrc} is missing: run "node esbuild.mjs" (npm run bench does)`);
// Measure a private copy: others rebuild dist/ in this tree while the benchmark runs.
const CLI_DIR = path.join(DATA, 'cli');
fs.mkdirSync(CLI_DIR, { recursive: true });
const CLI = path.join(CLI_DIR, 'cli.js');
fs.copyFileSync(cliSrc, CLI);
if (fs.existsSync(`${cliSrc}.map`)) fs.copyFileSync(`${cliSrc}.map`, `${CLI}.map`);
const cliSha = crypto.createHash('sha256').update(fs.readFileSync(CLI)).digest('hex');
const NODE = process.execPath;

const git = (...a) => { try { return execFileSync('git', a, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return undefined; } };
const helpOut = (args) => {
  const r = spawnSync(NODE, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, text: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};
const mirrorHelp = helpOut(['mirror', '--help']);
const MIRROR = /\bfxp mirror\b/.test(mirrorHelp.text) || /^\s*(usage: )?.*mirror SRC/im.test(mirrorHelp.text);
const MIRROR_PARALLEL = MIRROR && /--parallel/.test(mirrorHelp.text);
log(`our CLI: ${path.relative(REPO, cliSrc)} (sha256 ${cliSha.slice(0, 12)}), fxp mirror ${MIRROR ? `available${MIRROR_PARALLEL ? ' with --parallel' : ' (no --parallel)'}` : 'not available'}`);

const lftpVersion = (() => { try { return execFileSync('lftp', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim(); } catch { return undefined; } })();

// ---------------------------------------------------------------------------
// disk space and data

fs.mkdirSync(CACHE, { recursive: true });
const cacheNeed = (name, size) => {
  try { return fs.statSync(path.join(CACHE, `${name}-${size}.bin`)).size === size ? 0 : size; } catch { return size; }
};
const tmpDir = os.tmpdir();
const needCache = (want('fxp-1g') ? cacheNeed('big', SIZES.big) : 0) + (want('relay') ? cacheNeed('relay', SIZES.relay) : 0);
const sameFs = fs.statSync(CACHE).dev === fs.statSync(tmpDir).dev;
// one destination copy at a time; sources are hard links of the cache when on the same file system
const biggest = Math.max(want('fxp-1g') ? SIZES.big : 0, want('relay') ? SIZES.relay : 0);
const needTmp = biggest * (sameFs ? 1 : 2 * PAIRS.length + 1) + 256 * MiB;
const margin = 512 * MiB;
if (sameFs) {
  const free = freeBytes(CACHE);
  if (free < needCache + needTmp + margin) fail(`not enough disk space: need ${bytes(needCache + needTmp + margin)}, ${bytes(free)} free on ${CACHE}`);
} else {
  if (freeBytes(CACHE) < needCache + margin) fail(`not enough disk space in ${CACHE}: need ${bytes(needCache + margin)}`);
  if (freeBytes(tmpDir) < needTmp + margin) fail(`not enough disk space in ${tmpDir}: need ${bytes(needTmp + margin)}`);
}

const data = {};
if (want('fxp-1g')) data.big = await cachedRandomFile(CACHE, 'big', SIZES.big, log);
if (want('relay')) data.relay = await cachedRandomFile(CACHE, 'relay', SIZES.relay, log);
if (want('mirror-serial') || want('mirror-parallel')) data.tree = cachedTree(CACHE, SIZES.treeFiles, SIZES.treeFileSize, log);

// ---------------------------------------------------------------------------
// servers (test/harness/servers.ts, bundled with the repo's esbuild)

const { startServers } = await loadHarness(REPO, DATA);

let set;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  killCurrent();
  try { await set?.stop(); } catch (e) { process.stderr.write(`bench: stopping servers: ${e.message}\n`); }
  if (opts.cleanCache) fs.rmSync(CACHE, { recursive: true, force: true });
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { log(`${sig}: stopping`); void shutdown(130); });

log(`starting ${SERVER_IDS.join(', ')}`);
set = await startServers({ only: SERVER_IDS });
const S = Object.fromEntries(SERVER_IDS.map((id) => [id, set.get(id)]));
const PASSWORD = S['pure-ftpd'].password;
log(`servers up: ${SERVER_IDS.map((id) => `${id} ${S[id].host}:${S[id].port}`).join(', ')}`);

const RUNS = path.join(DATA, 'runs');
fs.rmSync(RUNS, { recursive: true, force: true });
fs.mkdirSync(RUNS, { recursive: true });
const ENV = { ...process.env, FXP_PASSWORD: PASSWORD, HOME: path.join(DATA, 'home') };
fs.rmSync(ENV.HOME, { recursive: true, force: true }); // lftp's and our job journals from earlier runs
delete ENV.FXP_SRC_PASSWORD;
delete ENV.FXP_DST_PASSWORD;
fs.mkdirSync(ENV.HOME, { recursive: true }); // lftp keeps its history/cache under $HOME: not the user's

// ---------------------------------------------------------------------------
// clients

const ourUrl = (s, p) => `ftp://${s.user}@${s.host}:${s.port}${p}`;
const lftpUrl = (s, p) => `ftp://${s.user}:${PASSWORD}@${s.host}:${s.port}${p}`;
// Same for every lftp run: plain FTP like ours (lftp would otherwise start AUTH TLS on these servers),
// give up quickly instead of retrying forever, exit non-zero on a failed command.
const LFTP_BASE = 'set ftp:ssl-allow no; set net:max-retries 2; set net:reconnect-interval-base 1; set net:timeout 60; set cmd:fail-exit yes';
const lftp = (script, transcript) => ['lftp', '--norc', '-c', `${LFTP_BASE}; ${transcript ? 'debug 5; ' : ''}${script}`];
const ours = (args, transcript) => [NODE, CLI, ...args, ...(transcript ? ['--verbose'] : [])];

const chownR = (p, s) => {
  fs.chownSync(p, s.uid, s.gid);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownR(path.join(p, e), s);
};

// ---------------------------------------------------------------------------
// workloads: each case has argv per client, a verification and a cleanup

const cases = [];

if (want('fxp-1g')) {
  for (const [a, b] of PAIRS) {
    const src = S[a];
    const dst = S[b];
    cases.push({
      workload: 'fxp-1g', wnum: 1, name: `${a} -> ${b}`, pair: [a, b], engineSeconds: true,
      title: `one ${bytes(SIZES.big)} file by FXP: "fxp cp --relay never" vs lftp "get URL -o URL" (ftp:use-fxp, ftp:fxp-force); sha256 verified`,
      setup() { placeFile(data.big.file, src.diskPath('/big.bin')); fs.chownSync(src.diskPath('/big.bin'), src.uid, src.gid); },
      teardown() { fs.rmSync(src.diskPath('/big.bin'), { force: true }); },
      argv: {
        ours: (t) => ours(['cp', ourUrl(src, '/big.bin'), ourUrl(dst, '/big-copy.bin'), '--relay', 'never', '--json'], t),
        lftp: (t) => lftp(`set ftp:use-fxp yes; set ftp:fxp-force yes; get ${lftpUrl(src, '/big.bin')} -o ${lftpUrl(dst, '/big-copy.bin')}`, t),
      },
      async verify(client, m) {
        const v = await verifyFile(dst.diskPath('/big-copy.bin'), data.big.size, data.big.sha256);
        return client === 'ours' ? checkOurMode(m, 'fxp', v) : v;
      },
      clean() { fs.rmSync(dst.diskPath('/big-copy.bin'), { force: true }); },
    });
  }
}

if (want('relay')) {
  for (const [a, b] of PAIRS) {
    const src = S[a];
    const dst = S[b];
    cases.push({
      workload: 'relay', wnum: 4, name: `${a} -> ${b}`, pair: [a, b], engineSeconds: true,
      title: `one ${bytes(SIZES.relay)} file relayed through the client: "fxp cp --relay always" vs lftp "get -o" with ftp:use-fxp no; sha256 verified`,
      setup() { placeFile(data.relay.file, src.diskPath('/relay.bin')); fs.chownSync(src.diskPath('/relay.bin'), src.uid, src.gid); },
      teardown() { fs.rmSync(src.diskPath('/relay.bin'), { force: true }); },
      argv: {
        ours: (t) => ours(['cp', ourUrl(src, '/relay.bin'), ourUrl(dst, '/relay-copy.bin'), '--relay', 'always', '--json'], t),
        lftp: (t) => lftp(`set ftp:use-fxp no; get ${lftpUrl(src, '/relay.bin')} -o ${lftpUrl(dst, '/relay-copy.bin')}`, t),
      },
      async verify(client, m) {
        const v = await verifyFile(dst.diskPath('/relay-copy.bin'), data.relay.size, data.relay.sha256);
        return client === 'ours' ? checkOurMode(m, 'relay', v) : v;
      },
      clean() { fs.rmSync(dst.diskPath('/relay-copy.bin'), { force: true }); },
    });
  }
}

function mirrorCase(workload, wnum, a, b, parallel) {
  const src = S[a];
  const dst = S[b];
  const label = parallel === undefined ? 'defaults' : `parallel ${parallel}`;
  const unavailable = !MIRROR ? 'fxp mirror not available' : parallel !== undefined && parallel !== 1 && !MIRROR_PARALLEL ? 'fxp mirror has no --parallel' : undefined;
  return {
    workload, wnum, name: `${a} -> ${b}, ${label}`, pair: [a, b], parallel, files: SIZES.treeFiles,
    title: workload === 'mirror-serial'
      ? `${SIZES.treeFiles} x ${bytes(SIZES.treeFileSize)} files in ${data.tree.manifest.dirs.length} nested folders by FXP, serial: "fxp mirror --parallel 1" vs "lftp mirror"; names and sizes verified`
      : `the same tree in parallel: "fxp mirror --parallel N" vs "lftp mirror --parallel=N", and both with their defaults`,
    unavailable,
    setup() { placeTree(data.tree.root, data.tree.manifest, src.diskPath('/tree'), src.uid, src.gid); },
    teardown() { fs.rmSync(src.diskPath('/tree'), { recursive: true, force: true }); },
    argv: {
      // plain output (one summary line), like lftp's; the result is checked on disk
      ours: (t) => ours(['mirror', ourUrl(src, '/tree'), ourUrl(dst, '/tree'), ...(parallel === undefined ? [] : ['--parallel', String(parallel)])], t),
      lftp: (t) => lftp(`set ftp:use-fxp yes; set ftp:fxp-force yes; mirror ${parallel === undefined || parallel === 1 ? '' : `--parallel=${parallel} `}${lftpUrl(src, '/tree')} ${lftpUrl(dst, '/tree')}`, t),
    },
    async verify() { return verifyTree(dst.diskPath('/tree'), data.tree.manifest); },
    clean() { fs.rmSync(dst.diskPath('/tree'), { recursive: true, force: true }); },
  };
}
if (want('mirror-serial')) for (const [a, b] of PAIRS) cases.push(mirrorCase('mirror-serial', 2, a, b, 1));
if (want('mirror-parallel')) {
  for (const [a, b] of PAIRS) {
    for (const n of SIZES.parallel) cases.push(mirrorCase('mirror-parallel', 3, a, b, n));
    cases.push(mirrorCase('mirror-parallel', 3, a, b, undefined));
  }
}

if (want('list')) {
  const n = SIZES.listEntries;
  const width = String(n).length;
  for (const id of LIST_SERVERS) {
    const s = S[id];
    // pure-ftpd lists at most 10000 names per folder (-L 10000:5 by default) and counts "." and ".." among them:
    // with more it silently drops some (both clients see the same 9998). Give it what it can list.
    const count = s.make === 'pure-ftpd' ? Math.min(n, 9998) : n;
    const names = Array.from({ length: count }, (_, i) => `entry-${String(i + 1).padStart(width, '0')}`);
    cases.push({
      workload: 'list', wnum: 5, name: count === n ? id : `${id} (${count}: its listing limit)`, server: id, entries: count,
      title: `listing a folder of ${n} entries: "fxp ls URL" vs lftp "cls -1" (one process each; every name checked in the output)`,
      setup() {
        const dir = s.diskPath('/bigdir');
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        for (const name of names) fs.closeSync(fs.openSync(path.join(dir, name), 'w', 0o644));
        chownR(dir, s);
      },
      teardown() { fs.rmSync(s.diskPath('/bigdir'), { recursive: true, force: true }); },
      argv: {
        ours: (t) => ours(['ls', ourUrl(s, '/bigdir')], t),
        lftp: (t) => lftp(`open ${lftpUrl(s, '')} && cd /bigdir && cls -1`, t),
      },
      async verify(client, m) {
        const lines = fs.readFileSync(m.stdoutFile, 'utf8').split('\n').filter((l) => l.trim());
        const got = new Set(lines.map((l) => (client === 'lftp' ? l.trim() : l.trim().split(/\s+/).pop())));
        const missing = names.filter((x) => !got.has(x));
        if (missing.length || lines.length !== count) return { ok: false, detail: `${lines.length} lines, ${missing.length} names missing (${missing.slice(0, 3).join(', ')})` };
        return { ok: true, detail: `${count} names` };
      },
      clean() {},
    });
  }
}

cases.sort((x, y) => x.wnum - y.wnum); // stable: pairs stay in order

function checkOurMode(m, mode, v) {
  let res;
  try { res = JSON.parse(fs.readFileSync(m.stdoutFile, 'utf8')); } catch { return { ok: false, detail: `no JSON result on stdout; ${v.detail}` }; }
  if (res.mode !== mode) return { ok: false, detail: `mode ${res.mode}, expected ${mode}; ${v.detail}` };
  return v;
}

// ---------------------------------------------------------------------------
// running

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const secrets = [PASSWORD];

async function runOne(c, client, tag, transcript) {
  c.clean();
  const argv = c.argv[client](transcript);
  let m;
  try {
    m = await measure(argv, { env: ENV, dir: path.join(RUNS, c.workload), tag, timeoutS: 600 });
  } catch (e) {
    return { ok: false, detail: e.message };
  }
  let v;
  if (m.timedOut) v = { ok: false, detail: 'timed out after 600 s' };
  else if (m.exitCode !== 0) v = { ok: false, detail: `exit ${m.exitCode}: ${scrub(tail(m.stderrFile, 4), secrets)}` };
  else v = await c.verify(client, m);
  // keep transcripts, but never the password
  for (const f of [m.stderrFile, m.stdoutFile]) {
    try { if (fs.statSync(f).size < 64 * MiB) fs.writeFileSync(f, scrub(fs.readFileSync(f, 'utf8'), secrets)); } catch { /* none */ }
  }
  const run = {
    ok: v.ok, detail: v.detail, wall: m.wall, cpu: m.cpu, cpuUser: m.cpuUser, cpuSys: m.cpuSys, maxRssKiB: m.maxRssKiB,
    rchar: m.rchar, wchar: m.wchar, syscr: m.syscr, syscw: m.syscw, exitCode: m.exitCode,
    stdout: path.relative(REPO, m.stdoutFile), stderr: path.relative(REPO, m.stderrFile),
  };
  if (c.engineSeconds) {
    try { run.engineSeconds = JSON.parse(fs.readFileSync(m.stdoutFile, 'utf8')).seconds; } catch { /* not JSON */ }
  }
  if (transcript) {
    run.commands = countCommands(fs.readFileSync(m.stderrFile, 'utf8'), client);
  }
  c.clean();
  return run;
}

const results = [];

// Start-up cost of each client alone: the floor under every figure below. Sampled 3 times at the
// start and once after every case, so that it sees the same machine load as the cases.
const startupCase = {
  workload: 'startup', clean() {}, async verify() { return { ok: true, detail: 'ran' }; },
  argv: { ours: () => [NODE, CLI, '--help'], lftp: () => ['lftp', '--norc', '-c', 'echo -n'] },
};
const startupRuns = { ours: [], lftp: [] };
async function sampleStartup() {
  for (const client of ['ours', 'lftp']) {
    const run = await runOne(startupCase, client, `${client}-${startupRuns[client].length}`, false);
    if (run.ok) startupRuns[client].push(run);
  }
}
const startup = {};
function summarizeStartup() {
  for (const client of ['ours', 'lftp']) {
    const rs = startupRuns[client];
    startup[client] = {
      n: rs.length, wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)),
      maxRssKiB: median(rs.map((r) => r.maxRssKiB)), rchar: median(rs.map((r) => r.rchar)), wchar: median(rs.map((r) => r.wchar)),
    };
  }
}

log(`load average ${loadavg()}; measuring each client's start-up`);
for (let i = 0; i < 3; i++) await sampleStartup();
summarizeStartup();
log(`start-up: ours ${secs(startup.ours.wall)} s, ${bytes(startup.ours.maxRssKiB * 1024)}; lftp ${secs(startup.lftp.wall)} s, ${bytes(startup.lftp.maxRssKiB * 1024)}`);

let currentWorkload;
for (const c of cases) {
  if (currentWorkload !== c.workload) {
    if (currentWorkload) printWorkload(currentWorkload);
    currentWorkload = c.workload;
  }
  const r = { workload: c.workload, wnum: c.wnum, case: c.name, title: c.title, parallel: c.parallel, files: c.files, loadavgBefore: loadavg(), ours: [], lftp: [], transcript: {} };
  results.push(r);
  if (c.unavailable) log(`${c.workload} [${c.name}]: ours: ${c.unavailable}; measuring lftp alone`);
  r.unavailable = c.unavailable;
  c.setup();
  try {
    // An untimed first run per client: warms caches, gives the command transcript (--verbose / debug 5).
    for (const client of ['ours', 'lftp']) {
      if (client === 'ours' && c.unavailable) continue;
      r.transcript[client] = await runOne(c, client, `${slug(c.name)}-${client}-transcript`, true);
      if (!r.transcript[client].ok) log(`${c.workload} [${c.name}] ${client} transcript run FAILED: ${r.transcript[client].detail}`);
    }
    for (let i = 1; i <= opts.rounds; i++) {
      const line = [];
      for (const client of ['ours', 'lftp']) {
        if (client === 'ours' && c.unavailable) continue;
        const run = await runOne(c, client, `${slug(c.name)}-${client}-${i}`, false);
        r[client].push(run);
        line.push(`${client} ${run.ok ? `${secs(run.wall)} s` : `FAILED (${run.detail})`}`);
      }
      log(`${c.workload} [${c.name}] round ${i}/${opts.rounds}: ${line.join(', ')}`);
    }
  } finally {
    c.teardown();
  }
  r.loadavgAfter = loadavg();
  summarize(r);
  await sampleStartup();
}
summarizeStartup();
if (currentWorkload) printWorkload(currentWorkload);

function slug(s) { return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

function summarize(r) {
  const ok = (rs) => rs.filter((x) => x.ok);
  const runs = ok;
  for (const client of ['ours', 'lftp']) {
    const good = ok(r[client]);
    r[`${client}Summary`] = {
      ok: good.length, runs: r[client].length,
      wall: summary(good.map((x) => x.wall)), cpu: summary(good.map((x) => x.cpu)), maxRssKiB: summary(good.map((x) => x.maxRssKiB)),
      rchar: summary(good.map((x) => x.rchar)), wchar: summary(good.map((x) => x.wchar)),
    };
  }
  r.oursSummary.engineSeconds = summary(runs(r.ours).map((x) => x.engineSeconds));
  r.ratios = r.ours.map((o, i) => (o.ok && r.lftp[i]?.ok ? o.wall / r.lftp[i].wall : undefined));
  r.ratio = summary(r.ratios);
}

// ---------------------------------------------------------------------------
// output

function cmdsPerFile(r, client) {
  const t = r.transcript[client];
  if (!t?.commands) return '-';
  const per = r.files ? (t.commands.total / r.files).toFixed(2) : String(t.commands.total);
  return `${per}${t.ok ? '' : ' (run failed)'}`;
}

function printWorkload(w) {
  const rs = results.filter((r) => r.workload === w);
  if (!rs.length) return;
  const perFile = rs[0].files !== undefined;
  const header = ['case', 'client', 'median s', 'min-max s', 'ok', 'CPU s', 'peak RSS', 'client read / written', perFile ? 'cmds/file' : 'commands'];
  const rows = [];
  for (const r of rs) {
    for (const client of ['ours', 'lftp']) {
      const s = r[`${client}Summary`];
      const name = client === 'ours' ? 'fxp' : 'lftp';
      if (client === 'ours' && r.unavailable) {
        rows.push([r.case, name, r.unavailable, '', '', '', '', '', '']);
        continue;
      }
      rows.push([
        client === 'ours' ? r.case : '', name, secs(s.wall.median), s.wall.n ? `${secs(s.wall.min)}-${secs(s.wall.max)}` : '-',
        `${s.ok}/${s.runs}`, secs(s.cpu.median), s.maxRssKiB.median === undefined ? '-' : bytes(s.maxRssKiB.median * 1024),
        `${bytes(s.rchar.median)} / ${bytes(s.wchar.median)}`, cmdsPerFile(r, client),
      ]);
    }
    rows.push(['', 'ratio', ratio(r.ratio.median), r.ratio.n ? `${ratio(r.ratio.min)}-${ratio(r.ratio.max)}` : '-', '', '',
      '', r.ratio.n ? `per round: ${r.ratios.map((x) => ratio(x)).join(' ')}` : '', '']);
  }
  const out = [`\n${rs[0].wnum}. ${rs[0].title}`, table(header, rows, { right: [2, 4, 5, 6] })];
  // where the failures were
  for (const r of rs) {
    for (const client of ['ours', 'lftp']) {
      const bad = [r.transcript[client], ...r[client]].filter((x) => x && !x.ok);
      if (bad.length) out.push(`  ${r.case} ${client === 'ours' ? 'fxp' : 'lftp'}: ${bad.length} failed run(s), first: ${bad[0].detail}`);
    }
  }
  for (const r of rs) {
    const e = r.oursSummary?.engineSeconds;
    if (e?.n) out.push(`  ${r.case} fxp: the engine's own time (--json "seconds") median ${secs(e.median)} s of ${secs(r.oursSummary.wall.median)} s; the rest is process start-up, first login, exit`);
  }
  // commands by verb (from the transcript run)
  for (const r of rs) {
    for (const client of ['ours', 'lftp']) {
      const t = r.transcript[client];
      if (!t?.commands) continue;
      const verbs = Object.entries(t.commands.byVerb).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
      out.push(`  ${r.case} ${client === 'ours' ? 'fxp ' : 'lftp'} sent ${t.commands.total} commands, ${t.commands.logins} logins: ${verbs}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function targets() {
  const get = (w, pred = () => true) => results.filter((r) => r.workload === w && pred(r));
  const lines = [];
  const add = (target, rs, f) => {
    for (const r of rs) lines.push([target, r.case, r.unavailable ? r.unavailable : f(r)]);
  };
  const net = (r) => {
    const o = r.oursSummary?.wall.median;
    const l = r.lftpSummary?.wall.median;
    if (o === undefined || l === undefined) return '';
    return `; net of start-up ${ratio((o - startup.ours.wall) / (l - startup.lftp.wall))}`;
  };
  const rq = (r) => (r.ratio.n ? `ratio ${ratio(r.ratio.median)} (${ratio(r.ratio.min)}-${ratio(r.ratio.max)})` : 'no ratio (failed runs)');
  const met = (x, lim) => (x === undefined ? '' : x <= lim ? '  met' : `  MISSED by ${((x / lim - 1) * 100).toFixed(x / lim - 1 < 0.1 ? 1 : 0)}%`);
  add('FXP: 0 bytes of file data through the client', get('fxp-1g'), (r) => {
    const s = r.oursSummary;
    return s.ok ? `fxp read ${bytes(s.rchar.median)} / wrote ${bytes(s.wchar.median)} for a ${bytes(SIZES.big)} file (start-up alone reads ${bytes(startup.ours.rchar)})` : 'no successful run';
  });
  add('1 GiB FXP: ratio <= 1.02', get('fxp-1g'), (r) => `${rq(r)}${met(r.ratio.median, 1.02)}${net(r)}`);
  add('1000 files, equal parallelism: ratio <= 1.0', [...get('mirror-serial'), ...get('mirror-parallel', (r) => r.parallel !== undefined)], (r) => `${rq(r)}${met(r.ratio.median, 1.0)}${net(r)}`);
  add('1000 files, defaults: >= 2x faster (ratio <= 0.5)', get('mirror-parallel', (r) => r.parallel === undefined), (r) => `${rq(r)}${met(r.ratio.median, 0.5)}${net(r)}`);
  add('relay: ratio <= 1.1', get('relay'), (r) => `${rq(r)}${met(r.ratio.median, 1.1)}${net(r)}; peak RSS fxp ${bytes((r.oursSummary.maxRssKiB.median ?? NaN) * 1024)} for ${bytes(SIZES.relay)}`);
  add('listing 10k entries: ratio <= 1.0', get('list'), (r) => `${rq(r)}${met(r.ratio.median, 1.0)}${net(r)}`);
  if (!lines.length) return;
  process.stdout.write(`\nTargets (issue 6)${opts.quick ? ' - QUICK RUN: smaller sizes, not comparable to the targets' : ''}\n${table(['target', 'case', 'measured'], lines)}\n`);
}

targets();
const elapsed = (Date.now() - t0) / 1000;
process.stdout.write(`\nstart-up alone (median of ${startup.ours.n}, sampled through the run): fxp --help ${secs(startup.ours.wall)} s, CPU ${secs(startup.ours.cpu)} s, ${bytes(startup.ours.maxRssKiB * 1024)}, read ${bytes(startup.ours.rchar)}; `
  + `lftp -c 'echo' ${secs(startup.lftp.wall)} s, CPU ${secs(startup.lftp.cpu)} s, ${bytes(startup.lftp.maxRssKiB * 1024)}, read ${bytes(startup.lftp.rchar)}\n`);
process.stdout.write(`${opts.rounds} rounds per case (ours then lftp, after one untimed transcript run each); ${os.cpus().length} CPUs, load average now ${loadavg()}; ${elapsed.toFixed(0)} s in all\n`);
process.stdout.write('ratio = fxp time / lftp time in the same round (< 1: fxp faster). "client read / written": /proc/PID/io rchar/wchar of the client process (sockets, files, pipes; includes start-up).\n');

const doc = {
  tool: 'fxp bench', version: 1, date: new Date(t0).toISOString(), seconds: elapsed,
  argv: process.argv.slice(2), quick: opts.quick, rounds: opts.rounds, sizes: SIZES,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memBytes: os.totalmem(), kernel: os.release(), loadavgEnd: os.loadavg() },
  versions: { node: process.version, lftp: lftpVersion, git: git('rev-parse', 'HEAD'), srcDirty: (git('status', '--porcelain', 'src') ?? '').split('\n').filter(Boolean).length, cliSha256: cliSha, cliFile: cliSrc, fxpMirror: MIRROR },
  rss: TIME_OK ? '/usr/bin/time %M' : 'VmHWM sampled every 10 ms',
  startup, results,
};
const resDir = path.join(DATA, 'results');
fs.mkdirSync(resDir, { recursive: true });
const stamp = new Date(t0).toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const jsonFiles = [path.join(resDir, `bench-${stamp}${opts.quick ? '-quick' : ''}.json`), ...(opts.json ? [opts.json] : [])];
for (const f of jsonFiles) {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, `${JSON.stringify(doc, null, 1)}\n`);
}
process.stdout.write(`JSON: ${jsonFiles.map((f) => path.relative(process.cwd(), f) || f).join(', ')}; transcripts in ${path.relative(process.cwd(), RUNS)}\n`);

const anyFail = results.some((r) => [...r.ours, ...r.lftp].some((x) => !x.ok));
await shutdown(anyFail ? 1 : 0);
