// Run the test FTP server from the command line (for the demo):
//   node out/test/ftpd/cli.js --host 127.0.0.30 --port 2121 --root DIR --user u:p \
//     [--tls-cert F --tls-key F [--tls-ca F] [--implicit] [--require-reuse]] [--fxp] [--pret]
//     [--pasv-range 30000-30099] [--tls12] [--quiet]
// Stops on Ctrl-C (SIGINT) or SIGTERM.
import * as fs from 'fs';
import { FtpdOptions, startFtpd } from './server';

const USAGE = `usage: cli.js --host ADDR [--port N] --root DIR --user NAME:PASS [--user ...]
  [--tls-cert FILE --tls-key FILE] [--tls-ca FILE] [--implicit] [--require-reuse] [--tls12]
  [--fxp] [--pret] [--no-sscn] [--no-cpsv] [--no-mlsd] [--no-epsv] [--no-hash]
  [--pasv-range LO-HI] [--early150] [--quiet]`;

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let host = '';
  let port = 0;
  let root = '';
  const users: Record<string, string> = {};
  let certFile = '';
  let keyFile = '';
  let caFile = '';
  let implicitTls = false;
  let requireReuse = false;
  let tls12 = false;
  let quiet = false;
  let early150 = false;
  let allowFxp = false;
  let range: [number, number] | undefined;
  const features: NonNullable<FtpdOptions['features']> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--host': host = val(); break;
      case '--port': port = Number(val()); break;
      case '--root': root = val(); break;
      case '--user': {
        const v = val();
        const k = v.indexOf(':');
        if (k <= 0) fail('--user wants NAME:PASS');
        users[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case '--tls-cert': certFile = val(); break;
      case '--tls-key': keyFile = val(); break;
      case '--tls-ca': caFile = val(); break;
      case '--implicit': implicitTls = true; break;
      case '--require-reuse': requireReuse = true; break;
      case '--tls12': tls12 = true; break;
      case '--fxp': allowFxp = true; break;
      case '--pret': features.pret = true; break;
      case '--no-sscn': features.sscn = false; break;
      case '--no-cpsv': features.cpsv = false; break;
      case '--no-mlsd': features.mlsd = false; break;
      case '--no-epsv': features.epsv = false; break;
      case '--no-hash': features.hash = false; break;
      case '--early150': early150 = true; break;
      case '--quiet': quiet = true; break;
      case '--pasv-range': {
        const m = /^(\d+)-(\d+)$/.exec(val());
        if (!m) fail('--pasv-range wants LO-HI');
        range = [Number(m[1]), Number(m[2])];
        break;
      }
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); return;
      default: fail(`unknown option ${a}`);
    }
  }
  if (!host) fail('--host is required');
  if (!root) fail('--root is required');
  if (!Object.keys(users).length) fail('at least one --user is required');
  if (!!certFile !== !!keyFile) fail('--tls-cert and --tls-key go together');
  if (implicitTls && !certFile) fail('--implicit needs --tls-cert/--tls-key');
  const server = await startFtpd({
    host,
    port,
    root,
    users,
    allowFxp,
    features,
    early150,
    pasvPortRange: range,
    implicitTls,
    requireTlsSessionReuse: requireReuse,
    tls: certFile ? {
      cert: fs.readFileSync(certFile),
      key: fs.readFileSync(keyFile),
      ca: caFile ? fs.readFileSync(caFile) : undefined,
      ...(tls12 ? { minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const } : {}),
    } : undefined,
    log: quiet ? undefined : (l) => process.stdout.write(`${new Date().toISOString()} ${l}\n`),
  });
  process.stdout.write(`ftpd listening on ${server.url} (root ${root}, FXP ${allowFxp ? 'allowed' : 'refused'}${certFile ? ', TLS' : ''})\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping\n');
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`ftpd: ${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
