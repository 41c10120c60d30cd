/**
 * Real FTP servers from Debian, side by side on loopback, for FXP tests.
 *
 * Each instance gets its own address 127.0.0.X (so that the servers'
 * foreign-address checks fire between instances), its own passive port range,
 * its own root folder and log. pure-ftpd, ProFTPD and vsftpd run from packages
 * unpacked by .ci/install-test-deps.sh into <repo>/.test-servers/pkgs;
 * pyftpdlib from Debian's python3-pyftpdlib under /usr/bin/python3.
 *
 * Needs root (pure-ftpd and vsftpd chroot and switch to the FTP user; private
 * mount namespaces keep their /run, /dev/log and /etc additions out of the
 * real system). See test/harness/README.md.
 *
 * Node built-ins only.
 */
import * as childProcess from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export type ServerMake = 'pure-ftpd' | 'proftpd' | 'vsftpd' | 'pyftpdlib';

export interface TestServer {
  /** e.g. 'pure-ftpd', 'pure-ftpd-2', 'proftpd', 'proftpd-tls13', 'vsftpd', 'pyftpdlib', 'pure-ftpd-nofxp', ... */
  id: string;
  make: ServerMake;
  /** its own loopback address 127.0.0.X (distinct per instance) */
  host: string;
  port: number;
  user: string;
  password: string;
  /** absolute folder on disk that the FTP user sees as '/' */
  root: string;
  /** '/a/b.bin' -> absolute path on disk (relative paths are taken from '/'; '..' cannot leave root) */
  diskPath(ftpPath: string): string;
  /** FXP (foreign addresses) allowed on both PORT and PASV sides */
  fxp: boolean;
  /** explicit FTPS (AUTH TLS) available */
  tls: boolean;
  /** TLS protocol versions the server accepts (informational) */
  tlsVersions: string[];
  /** pid of the server's main process, undefined when not running */
  pid(): number | undefined;
  /** the server's protocol log (commands and replies; for pure-ftpd its syslog output) */
  logFile?: string;
  /** passive (data) port range [low, high] */
  dataPorts: [number, number];
  /** uid/gid the FTP session runs as; files the server writes are owned by it */
  uid: number;
  gid: number;
}

export interface ServerSet {
  servers: TestServer[];
  get(id: string): TestServer;
  /** PEM of the test CA that signed every server's certificate (SANs: all 127.0.0.X used, 127.0.0.1, 'localhost') */
  caFile: string;
  /** per-run folder holding configs, logs and the roots */
  stateDir: string;
  /** SIGKILL that instance (its whole process tree, sessions included) to simulate a crash */
  kill(id: string): Promise<void>;
  /** start it again (killing it first if it still runs), same address/port/root; resolves when it accepts logins */
  restart(id: string): Promise<void>;
  /** stop everything started, by process group / PID, remove the state dir (keeps .test-servers/pkgs) */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** ids to start (default: all of INSTANCE_IDS; on-demand ids such as 'vsftpd-reuse' only when named here) */
  only?: string[] | undefined;
  /** per-run folder (default: <os.tmpdir()>/fxp-test-servers/run-<pid>-<random>); removed by stop() */
  stateDir?: string | undefined;
  /** first X of 127.0.0.X (default: env FXP_TEST_HOST_BASE, else the first free block of 20, 40, 60, ...) */
  hostBase?: number | undefined;
  /** run .ci/install-test-deps.sh when something is missing (default true) */
  install?: boolean | undefined;
  /** per-instance time to accept a login (default 20000 ms) */
  readyTimeoutMs?: number | undefined;
}

interface InstanceSpec {
  id: string;
  make: ServerMake;
  fxp: boolean;
  /** ProFTPD TLSProtocol value */
  tlsProtocol?: string;
  /** vsftpd require_ssl_reuse=YES (vsftpd's own default): TLS data connections must resume the control session */
  requireSslReuse?: boolean;
  /** started only when named in `only` (not part of the default set) */
  onDemand?: boolean;
}

/** All instances, in the order that fixes their address (hostBase + index) and data port block. */
const SPECS: InstanceSpec[] = [
  { id: 'pure-ftpd', make: 'pure-ftpd', fxp: true },
  { id: 'pure-ftpd-2', make: 'pure-ftpd', fxp: true },
  { id: 'proftpd', make: 'proftpd', fxp: true, tlsProtocol: 'TLSv1.2' },
  { id: 'proftpd-tls13', make: 'proftpd', fxp: true, tlsProtocol: 'TLSv1.2 TLSv1.3' },
  { id: 'vsftpd', make: 'vsftpd', fxp: true },
  { id: 'pyftpdlib', make: 'pyftpdlib', fxp: true },
  { id: 'pure-ftpd-nofxp', make: 'pure-ftpd', fxp: false },
  { id: 'proftpd-nofxp', make: 'proftpd', fxp: false, tlsProtocol: 'TLSv1.2' },
  { id: 'vsftpd-nofxp', make: 'vsftpd', fxp: false },
  { id: 'pyftpdlib-nofxp', make: 'pyftpdlib', fxp: false },
  // vsftpd as shipped demands TLS session reuse on data connections: TLS FXP with it is impossible.
  { id: 'vsftpd-reuse', make: 'vsftpd', fxp: true, requireSslReuse: true, onDemand: true },
];

/** Ids started by default (all but the on-demand ones). */
export const INSTANCE_IDS: readonly string[] = SPECS.filter((s) => !s.onDemand).map((s) => s.id);
/** Every id, including the on-demand instances (started only when named in `only`). */
export const ALL_INSTANCE_IDS: readonly string[] = SPECS.map((s) => s.id);
/** Data ports per instance: one block of 1000 per address block, shared by all instances. */
const PORTS_PER_INSTANCE = Math.floor(1000 / SPECS.length);

const CONTROL_PORT = 2121;
const FTP_USER = 'fxptest';
/** uid/gid the FTP sessions run as (pure-ftpd refuses uid 0 for virtual users). */
const FTP_UID = 2121;
const FTP_GID = 2121;
const BLOCK = 20; // addresses per host block
const DATA_PORT_BASE = 20000; // below the kernel's ephemeral range (32768+)
const PY = '/usr/bin/python3'; // Debian's python (python3 on PATH may be pyenv's)
const STATE_PARENT = path.join(os.tmpdir(), 'fxp-test-servers');

// ---------------------------------------------------------------------------
// locating things

function findRepoRoot(): string {
  const starts = [__dirname, process.cwd()];
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, '.ci', 'install-test-deps.sh'))) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`test harness: cannot find the repository (.ci/install-test-deps.sh) above ${__dirname} or ${process.cwd()}`);
}

function serversDir(repo: string): string {
  return process.env.FXP_TEST_SERVERS_DIR || path.join(repo, '.test-servers');
}

function requiredFiles(pkgs: string): string[] {
  return [
    path.join(pkgs, '.installed'),
    path.join(pkgs, 'usr/sbin/pure-ftpd'),
    path.join(pkgs, 'usr/bin/pure-pw'),
    path.join(pkgs, 'usr/sbin/proftpd'),
    path.join(pkgs, 'usr/lib/proftpd/mod_tls.so'),
    path.join(pkgs, 'usr/lib/proftpd/mod_digest.so'),
    path.join(pkgs, 'usr/sbin/vsftpd'),
    '/usr/lib/python3/dist-packages/pyftpdlib/__init__.py',
    '/usr/bin/openssl',
    '/usr/bin/lftp',
    '/usr/bin/setfacl',
    PY,
  ];
}

function ensureInstalled(repo: string, pkgs: string, install: boolean): void {
  const missing = requiredFiles(pkgs).filter((f) => !fs.existsSync(f));
  const pamOk = ['/lib/x86_64-linux-gnu/security/pam_pwdfile.so', '/usr/lib/x86_64-linux-gnu/security/pam_pwdfile.so',
    '/lib/aarch64-linux-gnu/security/pam_pwdfile.so', '/usr/lib/aarch64-linux-gnu/security/pam_pwdfile.so']
    .some((f) => fs.existsSync(f));
  if (!pamOk) missing.push('pam_pwdfile.so');
  if (missing.length === 0) return;
  if (!install) throw new Error(`test harness: missing ${missing.join(', ')}; run .ci/install-test-deps.sh as root`);
  const script = path.join(repo, '.ci', 'install-test-deps.sh');
  const r = childProcess.spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`test harness: ${script} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  const still = requiredFiles(pkgs).filter((f) => !fs.existsSync(f));
  if (still.length) throw new Error(`test harness: still missing after install: ${still.join(', ')}`);
}

// ---------------------------------------------------------------------------
// processes

interface ProcInfo { pid: number; ppid: number; pgid: number; state: string; start: string }

function readProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try { stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    // f[0]=state f[1]=ppid f[2]=pgrp ... f[19]=starttime
    out.push({ pid: Number(name), state: f[0] ?? '?', ppid: Number(f[1]), pgid: Number(f[2]), start: f[19] ?? '' });
  }
  return out;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? undefined : f[19];
  } catch { return undefined; }
}

/** The live (non-zombie) processes of a tree: the group `pgid` plus all descendants of `pid`. */
function treePids(pid: number, procs: ProcInfo[] = readProcs()): number[] {
  const live = procs.filter((p) => p.state !== 'Z');
  const set = new Set<number>();
  for (const p of live) if (p.pgid === pid || p.pid === pid) set.add(p.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of live) if (!set.has(p.pid) && set.has(p.ppid)) { set.add(p.pid); grew = true; }
  }
  return [...set];
}

function signalTree(pid: number, sig: NodeJS.Signals): number[] {
  const pids = treePids(pid);
  try { process.kill(-pid, sig); } catch { /* group gone */ }
  for (const p of pids) { try { process.kill(p, sig); } catch { /* gone */ } }
  return pids;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const procs = readProcs();
    const alive = new Set(procs.filter((p) => p.state !== 'Z').map((p) => p.pid));
    if (!pids.some((p) => alive.has(p))) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}

/** SIGTERM (or SIGKILL) a tree, escalate to SIGKILL after graceMs, wait until all is gone. */
async function killTree(pid: number, graceful: boolean, graceMs = 3000): Promise<void> {
  let pids = signalTree(pid, graceful ? 'SIGTERM' : 'SIGKILL');
  if (await waitGone(pids, graceful ? graceMs : 5000)) return;
  pids = [...new Set([...pids, ...signalTree(pid, 'SIGKILL')])];
  if (!(await waitGone(pids, 5000))) throw new Error(`test harness: processes ${pids.join(',')} survive SIGKILL`);
}

function run(cmd: string, args: string[], input?: string): string {
  const r = childProcess.spawnSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`test harness: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------
// addresses and ports

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** host bases of the sets running in this process */
const basesInProcess = new Set<number>();

/** host bases claimed by live runs (this process's, and others' from <tmp>/fxp-test-servers/run-<pid>-*\/base) */
function claimedBases(): Set<number> {
  const set = new Set<number>(basesInProcess);
  let names: string[] = [];
  try { names = fs.readdirSync(STATE_PARENT); } catch { return set; }
  for (const n of names) {
    const m = /^run-(\d+)-/.exec(n);
    if (!m || Number(m[1]) === process.pid || !pidAlive(Number(m[1]))) continue;
    try { set.add(Number(fs.readFileSync(path.join(STATE_PARENT, n, 'base'), 'utf8'))); } catch { /* none */ }
  }
  return set;
}

async function chooseBase(indices: number[], fixed?: number): Promise<number> {
  const envBase = process.env.FXP_TEST_HOST_BASE ? Number(process.env.FXP_TEST_HOST_BASE) : undefined;
  const want = fixed ?? envBase;
  if (want !== undefined) {
    if (!Number.isInteger(want) || want < 2 || want + SPECS.length > 254) throw new Error(`test harness: bad host base ${want}`);
    basesInProcess.add(want);
    return want;
  }
  const claimed = claimedBases();
  for (let base = BLOCK; base + SPECS.length <= 254; base += BLOCK) {
    if (claimed.has(base) || basesInProcess.has(base)) continue;
    let free = true;
    for (const i of indices) {
      if (!(await canBind(`127.0.0.${base + i}`, CONTROL_PORT))) { free = false; break; }
    }
    // (re-checked after the awaits: another startServers() of this process may have taken it meanwhile)
    if (free && !basesInProcess.has(base)) { basesInProcess.add(base); return base; }
  }
  throw new Error('test harness: no free block of 127.0.0.X addresses (port 2121 busy everywhere)');
}

// ---------------------------------------------------------------------------
// certificates

function makePki(cacheParent: string, hosts: string[]): { ca: string; cert: string; key: string; both: string } {
  const sans = ['DNS:localhost', 'IP:127.0.0.1', ...hosts.map((h) => `IP:${h}`)].join(',');
  const tag = crypto.createHash('sha256').update(sans).digest('hex').slice(0, 12);
  const dir = path.join(cacheParent, `pki-${tag}`);
  const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key'), both: path.join(dir, 'server-key-and-cert.pem') };
  if (Object.values(files).every((f) => fs.existsSync(f))) return files;
  fs.mkdirSync(cacheParent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheParent, `.pki-${tag}-`));
  const t = (f: string) => path.join(tmp, f);
  fs.writeFileSync(t('ext.cnf'), [
    '[req]', 'distinguished_name=dn', '[dn]',
    '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
    '[srv]', `subjectAltName=${sans}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid,issuer', '',
  ].join('\n'));
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', t('ca.key'), '-out', t('ca.pem'), '-days', '3650',
    '-subj', '/CN=FXP test CA', '-config', t('ext.cnf'), '-extensions', 'ca']);
  run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', t('server.key'), '-out', t('server.csr'),
    '-subj', '/CN=localhost', '-config', t('ext.cnf')]);
  run('openssl', ['x509', '-req', '-in', t('server.csr'), '-CA', t('ca.pem'), '-CAkey', t('ca.key'), '-set_serial',
    '0x' + crypto.randomBytes(8).toString('hex'), '-out', t('server.pem'), '-days', '3650', '-extfile', t('ext.cnf'), '-extensions', 'srv']);
  fs.writeFileSync(t('server-key-and-cert.pem'), fs.readFileSync(t('server.key'), 'utf8') + fs.readFileSync(t('server.pem'), 'utf8'));
  // A throwaway key for loopback tests; readable so that pyftpdlib (running as the FTP uid) can load it.
  for (const f of ['ca.pem', 'server.pem', 'server.key', 'server-key-and-cert.pem']) fs.chmodSync(t(f), 0o644);
  fs.chmodSync(tmp, 0o755);
  try { fs.renameSync(tmp, dir); } catch { fs.rmSync(tmp, { recursive: true, force: true }); } // a parallel run won
  return files;
}

// ---------------------------------------------------------------------------
// the FTP login probe

/** Connects, reads the greeting, USER/PASS, expects 230, QUIT. Rejects with the offending reply. */
export function ftpLogin(host: string, port: number, user: string, password: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    let multi: string | null = null;
    let step = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) { sock.destroy(); reject(err); } else { sock.end(); resolve(); }
    };
    const timer = setTimeout(() => finish(new Error(`login probe timed out after ${timeoutMs} ms`)), timeoutMs);
    const onReply = (code: string, text: string) => {
      if (step === 0) {
        if (code !== '220') return finish(new Error(`greeting: ${text}`));
        sock.write(`USER ${user}\r\n`); step = 1;
      } else if (step === 1) {
        if (code === '230') { sock.write('QUIT\r\n'); return finish(); }
        if (code !== '331') return finish(new Error(`USER: ${text}`));
        sock.write(`PASS ${password}\r\n`); step = 2;
      } else if (step === 2) {
        if (code !== '230') return finish(new Error(`PASS: ${text}`));
        sock.write('QUIT\r\n'); finish();
      }
    };
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (multi) {
          if (line.startsWith(multi + ' ')) { const c = multi; multi = null; onReply(c, line); }
          continue;
        }
        const m = /^(\d{3})([ -]|$)/.exec(line);
        if (!m) continue;
        const code = m[1] ?? '';
        if (m[2] === '-') multi = code; else onReply(code, line);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error('connection closed')));
  });
}

// ---------------------------------------------------------------------------
// the per-make configuration

const PURE_SETUP = [
  'set -e',
  // private /dev with just what pure-ftpd needs plus /dev/log -> our syslog catcher
  'mount -t tmpfs -o mode=755,size=64k tmpfs /dev',
  'mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7',
  'mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9',
  'ln -s "$FXP_DEVLOG" /dev/log',
  // keep its scoreboard and pid files out of the real /run
  'mount -t tmpfs -o mode=755,size=1m tmpfs /run',
  'exec "$@"',
].join('\n');

const VSFTPD_SETUP = [
  'set -e',
  'mount --bind "$FXP_ETC/passwd" /etc/passwd',
  'mount --bind "$FXP_ETC/pam.d" /etc/pam.d',
  'mount -t tmpfs -o mode=755,size=1m tmpfs /run',
  'exec "$@"',
].join('\n');

const RUN_SETUP = ['set -e', 'mount -t tmpfs -o mode=755,size=1m tmpfs /run', 'exec "$@"'].join('\n');

/** pyftpdlib server; argument: JSON config file */
const PYFTPD_SCRIPT = `
import json, logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer
cfg = json.load(open(sys.argv[1]))
# pyftpdlib logs every command and reply at DEBUG to its own logger; stderr is the log file.
log = logging.getLogger('pyftpdlib')
h = logging.StreamHandler(sys.stderr)
h.setFormatter(logging.Formatter('%(asctime)s [%(process)d] %(message)s'))
log.addHandler(h)
log.setLevel(logging.DEBUG)
log.propagate = False
auth = DummyAuthorizer()
auth.add_user(cfg['user'], cfg['password'], cfg['root'], perm='elradfmwMT')
class Handler(TLS_FTPHandler):
    pass
Handler.authorizer = auth
Handler.certfile = cfg['cert']
Handler.keyfile = cfg['key']
Handler.tls_control_required = False
Handler.tls_data_required = False
Handler.passive_ports = list(range(cfg['pasv'][0], cfg['pasv'][1] + 1))
Handler.permit_foreign_addresses = cfg['fxp']
Handler.permit_privileged_ports = False
Handler.banner = 'pyftpdlib %s ready (%s)' % (__import__('pyftpdlib').__ver__, cfg['id'])
server = FTPServer((cfg['host'], cfg['port']), Handler)
server.max_cons = 256
server.max_cons_per_ip = 0
server.serve_forever()
`;

/** syslog catcher for pure-ftpd: pairs of (unix datagram socket path, output file) */
const SYSLOG_SCRIPT = `
import os, select, socket, sys
pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
socks = {}
for sp, out in pairs:
    try: os.unlink(sp)
    except FileNotFoundError: pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sp)
    os.chmod(sp, 0o666)
    socks[s] = open(out, 'ab', buffering=0)
open(sys.argv[1] + '.ready', 'w').close()
while True:
    r, _, _ = select.select(list(socks), [], [])
    for s in r:
        d = s.recv(65536)
        socks[s].write(d.rstrip(b'\\0\\n') + b'\\n')
`;

interface LaunchPlan {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

class Instance implements TestServer {
  readonly make: ServerMake;
  readonly fxp: boolean;
  readonly tls = true;
  readonly tlsVersions: string[];
  readonly user = FTP_USER;
  readonly uid = FTP_UID;
  readonly gid = FTP_GID;
  readonly dir: string;
  readonly root: string;
  readonly logFile: string;
  readonly outFile: string;
  plan!: LaunchPlan;
  child?: childProcess.ChildProcess;
  exited = true;

  constructor(
    readonly spec: InstanceSpec,
    readonly host: string,
    readonly port: number,
    readonly dataPorts: [number, number],
    readonly password: string,
    stateDir: string,
  ) {
    this.make = spec.make;
    this.fxp = spec.fxp;
    this.dir = path.join(stateDir, spec.id);
    this.root = path.join(stateDir, 'roots', spec.id);
    this.logFile = path.join(this.dir, `${spec.make}.log`);
    // pyftpdlib logs to stderr: there both are one file.
    this.outFile = spec.make === 'pyftpdlib' ? this.logFile : path.join(this.dir, 'stdout-stderr.log');
    this.tlsVersions = spec.make === 'proftpd' ? (spec.tlsProtocol ?? 'TLSv1.2').split(/\s+/) : ['TLSv1.2', 'TLSv1.3'];
  }

  get id(): string { return this.spec.id; }

  diskPath(ftpPath: string): string {
    const norm = path.posix.normalize('/' + ftpPath.replace(/\\/g, '/'));
    return norm === '/' ? this.root : path.join(this.root, ...norm.split('/').filter(Boolean));
  }

  pid(): number | undefined {
    return this.child && !this.exited ? this.child.pid : undefined;
  }

  toJSON() {
    return {
      id: this.id, make: this.make, host: this.host, port: this.port, user: this.user, password: this.password,
      root: this.root, fxp: this.fxp, tls: this.tls, tlsVersions: this.tlsVersions, dataPorts: this.dataPorts,
      logFile: this.logFile, uid: this.uid, gid: this.gid, pid: this.pid(),
    };
  }
}

function hash6(password: string): string {
  return run('openssl', ['passwd', '-6', '-stdin'], password + '\n').trim();
}

function prepare(inst: Instance, pkgs: string, pki: { ca: string; cert: string; key: string; both: string }, hashed: string, devlog: string): void {
  fs.mkdirSync(inst.dir, { recursive: true, mode: 0o755 });
  fs.mkdirSync(inst.root, { recursive: true, mode: 0o755 });
  fs.chownSync(inst.root, FTP_UID, FTP_GID);
  // Let the FTP uid write into files and folders that tests create as root under the root.
  childProcess.spawnSync('setfacl', ['-m', `u:${FTP_UID}:rwx,d:u:${FTP_UID}:rwx,d:u::rwx,d:g::rx,d:o::rx,d:m::rwx`, inst.root], { stdio: 'ignore' });
  fs.writeFileSync(inst.logFile, '');
  const d = (f: string) => path.join(inst.dir, f);
  const [lo, hi] = inst.dataPorts;
  const baseEnv: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: inst.dir };

  switch (inst.make) {
    case 'pure-ftpd': {
      fs.writeFileSync(d('pureftpd.passwd'), `${FTP_USER}:${hashed}:${FTP_UID}:${FTP_GID}::${inst.root}/./::::::::::::\n`, { mode: 0o600 });
      run(path.join(pkgs, 'usr/bin/pure-pw'), ['mkdb', d('pureftpd.pdb'), '-f', d('pureftpd.passwd')]);
      const args = [
        '-S', `${inst.host},${inst.port}`, // listen only there; also binds the data connections' local side
        '-p', `${lo}:${hi}`,
        '-l', `puredb:${d('pureftpd.pdb')}`,
        '-E', '-H', '-A', // no anonymous, no DNS, chroot everyone
        '-c', '100', '-C', '100',
        '-I', '5', // idle timeout, minutes
        '-Y', '1', '-2', pki.both, // TLS optional
        '-O', `clf:${d('transfer.log')}`,
        '-g', d('pure-ftpd.pid'),
        '-d', '-d', // log commands and replies (to syslog, caught into logFile)
      ];
      if (inst.fxp) args.push('-w'); // FXP for authenticated users
      inst.plan = {
        cmd: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', PURE_SETUP, 'sh', path.join(pkgs, 'usr/sbin/pure-ftpd'), ...args],
        env: { ...baseEnv, FXP_DEVLOG: devlog },
      };
      break;
    }
    case 'proftpd': {
      fs.writeFileSync(d('proftpd.passwd'), `${FTP_USER}:${hashed}:${FTP_UID}:${FTP_GID}::${inst.root}:/bin/sh\n`, { mode: 0o600 });
      const conf = [
        `ServerName "FXP test ${inst.id}"`,
        'ServerType standalone',
        'UseIPv6 off',
        `Port ${inst.port}`,
        `DefaultAddress ${inst.host}`,
        'SocketBindTight on',
        'User nobody',
        'Group nogroup',
        'Umask 022',
        'MaxInstances 100',
        `PassivePorts ${lo} ${hi}`,
        `AllowForeignAddress ${inst.fxp ? 'on' : 'off'}`,
        'AllowOverwrite on',
        'AllowStoreRestart on',
        'AllowRetrieveRestart on',
        'DefaultRoot ~',
        'RequireValidShell off',
        'UseReverseDNS off',
        'WtmpLog off',
        'DelayEngine off',
        'TimeoutIdle 300',
        `PidFile ${d('proftpd.pid')}`,
        `ScoreboardFile ${d('proftpd.scoreboard')}`,
        `SystemLog ${inst.logFile}`,
        `TransferLog ${d('transfer.log')}`,
        'LogFormat proto "%t %a %u \\"%r\\" -> %s %S"',
        `ExtendedLog ${inst.logFile} ALL proto`,
        'AuthOrder mod_auth_file.c',
        `AuthUserFile ${d('proftpd.passwd')}`,
        '<IfModule mod_auth_pam.c>', 'AuthPAM off', '</IfModule>',
        '<IfModule mod_ctrls.c>', 'ControlsEngine off', `ControlsSocket ${d('proftpd.ctrls')}`, '</IfModule>',
        `ModulePath ${path.join(pkgs, 'usr/lib/proftpd')}`,
        'LoadModule mod_tls.c',
        'LoadModule mod_digest.c',
        'TLSEngine on',
        `TLSLog ${inst.logFile}`,
        'TLSRequired off',
        `TLSProtocol ${inst.spec.tlsProtocol ?? 'TLSv1.2'}`,
        'TLSOptions NoSessionReuseRequired',
        `TLSRSACertificateFile ${pki.cert}`,
        `TLSRSACertificateKeyFile ${pki.key}`,
        `TLSCACertificateFile ${pki.ca}`, // SSCN client mode verifies the peer server against this
        'TLSVerifyClient off',
        'DigestEngine on',
        '',
      ].join('\n');
      fs.writeFileSync(d('proftpd.conf'), conf);
      inst.plan = {
        cmd: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', RUN_SETUP, 'sh', path.join(pkgs, 'usr/sbin/proftpd'), '-n', '-c', d('proftpd.conf')],
        env: baseEnv,
      };
      break;
    }
    case 'vsftpd': {
      const etc = d('etc');
      fs.mkdirSync(path.join(etc, 'pam.d'), { recursive: true });
      const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l && !l.startsWith(FTP_USER + ':'));
      passwd.push(`${FTP_USER}:x:${FTP_UID}:${FTP_GID}:FXP test:${inst.root}:/bin/sh`);
      fs.writeFileSync(path.join(etc, 'passwd'), passwd.join('\n') + '\n', { mode: 0o644 });
      fs.writeFileSync(d('vsftpd.pwdfile'), `${FTP_USER}:${hashed}\n`, { mode: 0o600 });
      fs.writeFileSync(path.join(etc, 'pam.d', 'fxp-vsftpd-test'), [
        `auth required pam_pwdfile.so pwdfile=${d('vsftpd.pwdfile')}`,
        'account required pam_permit.so',
        'session required pam_permit.so', '',
      ].join('\n'));
      fs.mkdirSync(d('empty'), { mode: 0o755 });
      const yn = (b: boolean) => (b ? 'YES' : 'NO');
      const conf = [
        'listen=YES', 'listen_ipv6=NO', `listen_address=${inst.host}`, `listen_port=${inst.port}`, 'background=NO',
        'anonymous_enable=NO', 'local_enable=YES', 'write_enable=YES', 'local_umask=022',
        'chroot_local_user=YES', 'allow_writeable_chroot=YES',
        'pam_service_name=fxp-vsftpd-test', `secure_chroot_dir=${d('empty')}`, 'seccomp_sandbox=NO',
        'pasv_enable=YES', `pasv_min_port=${lo}`, `pasv_max_port=${hi}`, 'port_enable=YES', 'connect_from_port_20=NO',
        `port_promiscuous=${yn(inst.fxp)}`, `pasv_promiscuous=${yn(inst.fxp)}`,
        'async_abor_enable=YES',
        'ssl_enable=YES', 'allow_anon_ssl=NO', 'force_local_data_ssl=NO', 'force_local_logins_ssl=NO', `require_ssl_reuse=${yn(inst.spec.requireSslReuse === true)}`,
        'ssl_tlsv1=YES', 'ssl_sslv2=NO', 'ssl_sslv3=NO', 'ssl_ciphers=HIGH',
        `rsa_cert_file=${pki.cert}`, `rsa_private_key_file=${pki.key}`,
        'log_ftp_protocol=YES', 'xferlog_enable=YES', 'xferlog_std_format=NO', `vsftpd_log_file=${inst.logFile}`,
        'dual_log_enable=NO', 'syslog_enable=NO',
        'idle_session_timeout=300', 'data_connection_timeout=300', 'max_clients=100', 'max_per_ip=0', 'mdtm_write=YES',
        '',
      ].join('\n');
      fs.writeFileSync(d('vsftpd.conf'), conf);
      inst.plan = {
        cmd: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', VSFTPD_SETUP, 'sh', path.join(pkgs, 'usr/sbin/vsftpd'), d('vsftpd.conf')],
        env: { ...baseEnv, FXP_ETC: etc },
      };
      break;
    }
    case 'pyftpdlib': {
      fs.writeFileSync(d('pyftpd.py'), PYFTPD_SCRIPT, { mode: 0o644 });
      fs.writeFileSync(d('pyftpd.json'), JSON.stringify({
        id: inst.id, host: inst.host, port: inst.port, user: FTP_USER, password: inst.password, root: inst.root,
        cert: pki.cert, key: pki.key, pasv: [lo, hi], fxp: inst.fxp,
      }), { mode: 0o644 });
      // Runs as the FTP uid, like the other servers' sessions.
      inst.plan = { cmd: PY, args: ['-u', d('pyftpd.py'), d('pyftpd.json')], env: baseEnv, uid: FTP_UID, gid: FTP_GID };
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// the running set

const liveSets = new Set<RunningSet>();
let handlersInstalled = false;

function exitCleanupSync(): void {
  for (const set of liveSets) set.killAllSync();
}

function onSignal(sig: NodeJS.Signals): void {
  exitCleanupSync();
  // Keep the default behaviour (exit by the signal) unless someone else handles it.
  if (process.listenerCount(sig) <= 1) {
    removeHandlers();
    process.kill(process.pid, sig);
  }
}

const sigHandlers: Record<string, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
  SIGHUP: () => onSignal('SIGHUP'),
};

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', exitCleanupSync);
  for (const [sig, h] of Object.entries(sigHandlers)) process.on(sig, h);
}

function removeHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', exitCleanupSync);
  for (const [sig, h] of Object.entries(sigHandlers)) process.removeListener(sig, h);
}

/** A detached shell that kills the recorded process groups and removes the state dir if this process dies without cleaning up (e.g. SIGKILL). */
const WATCHDOG = `
trap '' INT TERM HUP
parent="$1"; state="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
[ -f "$state/pgids" ] || exit 0
# Recorded leaders, their process groups and all their descendants (vsftpd sessions call setsid).
victims=$(sed 's/^\\([0-9]*\\) (.*) /\\1 /' /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$(tr '\\n' ' ' < "$state/pgids")" '
  BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
  { pid[NR] = $1; ppid[NR] = $3; pg[NR] = $4 }
  END {
    for (i = 1; i <= NR; i++) if (pg[i] in keep) keep[pid[i]] = 1
    do { changed = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; changed = 1 } } while (changed)
    for (p in keep) print p
  }')
for p in $victims; do kill -KILL "$p" 2>/dev/null; done
sleep 0.3
rm -rf "$state"
`;

class RunningSet implements ServerSet {
  readonly servers: Instance[];
  private aux: childProcess.ChildProcess[] = [];
  private watchdog?: childProcess.ChildProcess;
  private stopped = false;

  constructor(instances: Instance[], readonly caFile: string, readonly stateDir: string, private readonly readyTimeoutMs: number,
    private readonly hostBase: number) {
    this.servers = instances;
  }

  get(id: string): Instance {
    const s = this.servers.find((x) => x.id === id);
    if (!s) throw new Error(`test harness: no server '${id}' (have: ${this.servers.map((x) => x.id).join(', ')})`);
    return s;
  }

  /** process groups to kill if we die: servers and helpers */
  private recordPgids(): void {
    if (this.stopped) return;
    const pids = [...this.servers.map((s) => s.pid()), ...this.aux.map((a) => (a.exitCode === null && a.signalCode === null ? a.pid : undefined))]
      .filter((p): p is number => p !== undefined);
    try { fs.writeFileSync(path.join(this.stateDir, 'pgids'), pids.join('\n') + '\n'); } catch { /* state dir gone */ }
  }

  startWatchdog(): void {
    this.watchdog = childProcess.spawn('bash', ['-c', WATCHDOG, 'fxp-test-servers-watchdog', String(process.pid), this.stateDir], {
      detached: true, stdio: 'ignore',
    });
    this.watchdog.unref();
  }

  async startAux(cmd: string, args: string[], readyFile: string, outFile: string): Promise<void> {
    const out = fs.openSync(outFile, 'a');
    const child = childProcess.spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.unref();
    this.aux.push(child);
    const deadline = Date.now() + 10000;
    while (!fs.existsSync(readyFile)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`test harness: helper ${cmd} ${args[0]} did not start: ${tail(outFile)}`);
      }
      await sleep(10);
    }
    this.recordPgids();
  }

  async launch(inst: Instance): Promise<void> {
    const out = fs.openSync(inst.outFile, 'a');
    const p = inst.plan;
    const child = childProcess.spawn(p.cmd, p.args, {
      detached: true, // own process group (setsid): stopped by group
      stdio: ['ignore', out, out],
      env: p.env,
      cwd: inst.dir,
      uid: p.uid,
      gid: p.gid,
    });
    fs.closeSync(out);
    child.unref();
    inst.child = child;
    inst.exited = false;
    child.on('exit', () => { if (inst.child === child) { inst.exited = true; this.recordPgids(); } });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.recordPgids();
    const deadline = Date.now() + this.readyTimeoutMs;
    let last: unknown;
    for (;;) {
      if (inst.exited) {
        throw new Error(`test harness: ${inst.id} exited during startup (${child.exitCode ?? child.signalCode}):\n${logTails(inst)}`);
      }
      try {
        await ftpLogin(inst.host, inst.port, inst.user, inst.password, 3000);
        return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`test harness: ${inst.id} (${inst.host}:${inst.port}) accepts no login after ${this.readyTimeoutMs} ms: ${String(last)}\n${logTails(inst)}`);
      }
      await sleep(50);
    }
  }

  async kill(id: string): Promise<void> {
    const inst = this.get(id);
    const pid = inst.pid();
    if (pid === undefined) return;
    await killTree(pid, false);
    await this.waitExit(inst);
    this.recordPgids();
  }

  async restart(id: string): Promise<void> {
    if (this.stopped) throw new Error('test harness: restart() after stop()');
    const inst = this.get(id);
    if (inst.pid() !== undefined) await this.kill(id);
    await this.launch(inst);
  }

  private async waitExit(inst: Instance): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!inst.exited && Date.now() < deadline) await sleep(10);
    // The 'exit' event can lag behind the process's death: trust /proc.
    if (!inst.exited && inst.child?.pid !== undefined && procStart(inst.child.pid) === undefined) inst.exited = true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    const leaders = [...this.servers.map((s) => s.pid()), ...this.aux.map((a) => a.pid)].filter((p): p is number => p !== undefined);
    await Promise.all(leaders.map((p) => killTree(p, true).catch(() => undefined)));
    for (const s of this.servers) await this.waitExit(s);
    this.stopped = true;
    if (this.watchdog?.pid) { try { process.kill(-this.watchdog.pid, 'SIGKILL'); } catch { /* gone */ } }
    basesInProcess.delete(this.hostBase);
    liveSets.delete(this);
    if (liveSets.size === 0) removeHandlers();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** synchronous last-resort cleanup (process 'exit' / signals) */
  killAllSync(): void {
    if (this.stopped) return;
    const leaders = [...this.servers.map((s) => s.pid()), ...this.aux.map((a) => a.pid)].filter((p): p is number => p !== undefined);
    const procs = readProcs();
    for (const l of leaders) {
      for (const p of treePids(l, procs)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
      try { process.kill(-l, 'SIGKILL'); } catch { /* gone */ }
    }
    this.stopped = true;
    liveSets.delete(this);
    if (this.watchdog?.pid) { try { process.kill(-this.watchdog.pid, 'SIGKILL'); } catch { /* gone */ } }
    basesInProcess.delete(this.hostBase);
    try { fs.rmSync(this.stateDir, { recursive: true, force: true }); } catch { /* busy */ }
  }
}

function logTails(inst: Instance): string {
  return inst.outFile === inst.logFile ? tail(inst.logFile) : `${tail(inst.outFile)}\n${tail(inst.logFile)}`;
}

function tail(file: string, lines = 15): string {
  try {
    const t = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return t.slice(-lines).map((l) => `  | ${l}`).join('\n');
  } catch { return ''; }
}

/** Removes state dirs of dead runs whose watchdog did not (kills their recorded processes if still theirs). */
function collectStale(): void {
  let names: string[] = [];
  try { names = fs.readdirSync(STATE_PARENT); } catch { return; }
  for (const n of names) {
    const m = /^run-(\d+)-/.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(STATE_PARENT, n);
    try {
      const st = fs.statSync(dir);
      if (Date.now() - st.mtimeMs < 5000) continue; // its watchdog may be on it
      for (const g of fs.readFileSync(path.join(dir, 'pgids'), 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
        // only if the process still runs something from this state dir
        let cmd = '';
        try { cmd = fs.readFileSync(`/proc/${g}/cmdline`, 'latin1'); } catch { continue; }
        let cwd = '';
        try { cwd = fs.readlinkSync(`/proc/${g}/cwd`); } catch { /* */ }
        if (cmd.includes(dir) || cwd.startsWith(dir)) { try { process.kill(-g, 'SIGKILL'); } catch { /* */ } }
      }
    } catch { /* no pgids */ }
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* */ }
  }
}

export async function startServers(opts: StartOptions = {}): Promise<ServerSet> {
  if (process.platform !== 'linux') throw new Error('test harness: Linux only');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('test harness: the FTP servers need root (chroot, private mount namespaces)');
  }
  const specs = opts.only ? opts.only.map((id) => {
    const s = SPECS.find((x) => x.id === id);
    if (!s) throw new Error(`test harness: unknown server id '${id}' (known: ${ALL_INSTANCE_IDS.join(', ')})`);
    return s;
  }) : SPECS.filter((s) => !s.onDemand);
  const repo = findRepoRoot();
  const base = serversDir(repo);
  const pkgs = path.join(base, 'pkgs');
  ensureInstalled(repo, pkgs, opts.install !== false);

  fs.mkdirSync(STATE_PARENT, { recursive: true, mode: 0o755 });
  collectStale();
  const stateDir = path.resolve(opts.stateDir ?? path.join(STATE_PARENT, `run-${process.pid}-${crypto.randomBytes(3).toString('hex')}`));
  if (fs.existsSync(stateDir) && fs.readdirSync(stateDir).length) throw new Error(`test harness: state dir ${stateDir} is not empty`);
  fs.mkdirSync(path.join(stateDir, 'roots'), { recursive: true, mode: 0o755 });
  fs.chmodSync(stateDir, 0o755);

  const indices = specs.map((s) => SPECS.indexOf(s));
  let hostBase: number | undefined;
  let pki: ReturnType<typeof makePki>;
  let hashed: string;
  const password = crypto.randomBytes(8).toString('hex'); // hex: safe in URLs and command lines
  try {
    hostBase = await chooseBase(indices, opts.hostBase); // (claims it in basesInProcess)
    fs.writeFileSync(path.join(stateDir, 'base'), String(hostBase));
    pki = makePki(base, SPECS.map((_, i) => `127.0.0.${hostBase! + i}`));
    hashed = hash6(password);
  } catch (e) {
    if (hostBase !== undefined) basesInProcess.delete(hostBase);
    fs.rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  const hb = hostBase;
  // Data ports: one block of 1000 per address block, 100 per instance, below the ephemeral range.
  const block = Math.max(0, Math.floor(hb / BLOCK) - 1);
  const instances = specs.map((spec) => {
    const i = SPECS.indexOf(spec);
    const lo = DATA_PORT_BASE + (block % 12) * 1000 + i * PORTS_PER_INSTANCE;
    return new Instance(spec, `127.0.0.${hb + i}`, CONTROL_PORT, [lo, lo + PORTS_PER_INSTANCE - 1], password, stateDir);
  });

  const set = new RunningSet(instances, pki.ca, stateDir, opts.readyTimeoutMs ?? 20000, hb);
  liveSets.add(set);
  installHandlers();
  set.startWatchdog();
  try {
    const pure = instances.filter((s) => s.make === 'pure-ftpd');
    const devlogs = new Map(pure.map((s) => [s, path.join(s.dir, 'devlog.sock')]));
    for (const inst of instances) prepare(inst, pkgs, pki, hashed, devlogs.get(inst) ?? '');
    if (pure.length) {
      const script = path.join(stateDir, 'syslog.py');
      fs.writeFileSync(script, SYSLOG_SCRIPT);
      const pairs = pure.flatMap((s) => [devlogs.get(s) ?? '', s.logFile]);
      await set.startAux(PY, ['-u', script, ...pairs], `${pairs[0]}.ready`, path.join(stateDir, 'syslog.out'));
    }
    await Promise.all(instances.map((inst) => set.launch(inst)));
  } catch (e) {
    await set.stop().catch(() => undefined);
    throw e;
  }
  return set;
}
