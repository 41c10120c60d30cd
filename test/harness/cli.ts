/**
 * node out/test/harness/cli.js start [--only id,id,...] [--host-base N] [--state-dir DIR]
 *
 * Starts the test FTP servers, prints one JSON document with the server list on
 * stdout, then runs until Ctrl-C / SIGTERM / SIGHUP and stops them.
 * node out/test/harness/cli.js ids   lists the known instance ids.
 */
import { INSTANCE_IDS, startServers, type ServerSet } from './servers';

function usage(): never {
  process.stderr.write('usage: cli.js start [--only id,id,...] [--host-base N] [--state-dir DIR]\n       cli.js ids\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cmd = argv.shift();
  if (cmd === 'ids') { process.stdout.write(INSTANCE_IDS.join('\n') + '\n'); return; }
  if (cmd !== 'start') usage();
  let only: string[] | undefined;
  let hostBase: number | undefined;
  let stateDir: string | undefined;
  while (argv.length) {
    const a = argv.shift();
    const v = argv.shift();
    if (v === undefined) usage();
    if (a === '--only') only = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--host-base') hostBase = Number(v);
    else if (a === '--state-dir') stateDir = v;
    else usage();
  }

  const t0 = Date.now();
  const set: ServerSet = await startServers({ only, hostBase, stateDir });
  const startupMs = Date.now() - t0;
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping servers...\n`);
    try { await set.stop(); } finally { process.exit(0); }
  };
  // Our own listeners: servers.ts then leaves exiting to us.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  const doc = {
    caFile: set.caFile,
    stateDir: set.stateDir,
    startupMs,
    servers: set.servers.map((s) => ({
      id: s.id, make: s.make, host: s.host, port: s.port, user: s.user, password: s.password, root: s.root,
      fxp: s.fxp, tls: s.tls, tlsVersions: s.tlsVersions, dataPorts: s.dataPorts, logFile: s.logFile, pid: s.pid(),
      caFile: set.caFile,
    })),
  };
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  process.stderr.write(`${set.servers.length} servers up in ${startupMs} ms; Ctrl-C to stop.\n`);
  setInterval(() => undefined, 1 << 30); // keep running
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
