#!/usr/bin/env node
import { createInterface } from 'readline';
import { Writable } from 'stream';
import { readFileSync } from 'fs';
import {
  doctor, formatBytes, FxpEngine, FxpError, isFxpError, maskSecrets, baseName, type CopyResult, type DataProtection, type Logger, type LogLevel, type RelayMode, type Site,
} from '../fxp';
import { parseSiteUrl, redact, type SiteUrl } from './url';
import { FOLDER_USAGE, runFolderCommand } from './mirror';

const USAGE = `Usage:
  fxp ls URL [--json]
  fxp cp SRC_URL DST_URL [--relay never|auto|always] [--json]
  fxp doctor URL_A URL_B [--json]
${FOLDER_USAGE}

URLs: ftp://user@host:port/path, ftps://user@host:port/path (explicit TLS).
A destination ending in "/" means "into this folder, same name".
Passwords: in the URL, or FXP_SRC_PASSWORD / FXP_DST_PASSWORD (cp, doctor), or FXP_PASSWORD, or a prompt.
Options: --relay MODE (default auto), --json, --verbose (protocol transcript on stderr),
         --protection required|preferred|clear-allowed (data encryption for FXP between TLS sites; default preferred),
         --ca FILE (trust this CA for TLS), --trust-fingerprint SHA256 (pin a self-signed certificate),
         --insecure (do not verify TLS certificates).`;

interface Flags {
  json: boolean;
  verbose: boolean;
  relay: RelayMode;
  ca?: string;
  trustFingerprints: string[];
  protection: DataProtection;
  insecure: boolean;
  positional: string[];
}

export function parseArgs(argv: string[]): Flags {
  const flags: Flags = { json: false, verbose: false, relay: 'auto', insecure: false, trustFingerprints: [], protection: 'preferred', positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new FxpError('INVALID_INPUT', `${arg} needs a value.`);
      return v;
    };
    if (arg === '--json') flags.json = true;
    else if (arg === '-v' || arg === '--verbose') flags.verbose = true;
    else if (arg === '--insecure') flags.insecure = true;
    else if (arg === '--ca') flags.ca = value();
    else if (arg === '--trust-fingerprint') flags.trustFingerprints.push(value());
    else if (arg === '--protection') {
      const p = value();
      if (p !== 'required' && p !== 'preferred' && p !== 'clear-allowed') {
        throw new FxpError('INVALID_INPUT', `--protection must be required, preferred or clear-allowed, not "${p}".`);
      }
      flags.protection = p;
    }
    else if (arg === '--relay' || arg.startsWith('--relay=')) {
      const mode = arg.includes('=') ? arg.slice(8) : value();
      if (mode !== 'never' && mode !== 'auto' && mode !== 'always') {
        throw new FxpError('INVALID_INPUT', `--relay must be never, auto or always, not "${mode}".`);
      }
      flags.relay = mode;
    } else if (arg === '-h' || arg === '--help') flags.positional.unshift('help');
    else if (arg.startsWith('-')) throw new FxpError('INVALID_INPUT', `Unknown option ${arg}.\n${USAGE}`);
    else flags.positional.push(arg);
  }
  return flags;
}

async function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new FxpError('INVALID_INPUT', `${question} needed, but there is no terminal to ask on. Put it in the URL or in FXP_PASSWORD.`);
  }
  let muted = false;
  const output = new Writable({ write(chunk, _enc, done) { if (!muted) process.stderr.write(chunk); done(); } });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise(resolve => {
    rl.question(`${question}: `, answer => { rl.close(); process.stderr.write('\n'); resolve(answer); });
    muted = true;
  });
}

class Passwords {
  private readonly known = new Map<Site, string>();
  readonly secrets: string[] = [];

  add(target: SiteUrl, envName?: string): void {
    const fromEnv = (envName && process.env[envName]) || process.env.FXP_PASSWORD;
    const password = target.password ?? fromEnv;
    if (password !== undefined) this.remember(target.site, password);
  }

  private remember(site: Site, password: string): void {
    this.known.set(site, password);
    this.secrets.push(password);
  }

  get = async (site: Site): Promise<string> => {
    let password = this.known.get(site);
    if (password === undefined && site.user === 'anonymous') password = 'anonymous@';
    if (password === undefined) {
      password = await prompt(`Password for ${site.user}@${site.host}`);
      this.remember(site, password);
    }
    return password;
  };
}

function applyTls(site: Site, flags: Flags): void {
  if (flags.ca) {
    try {
      site.ca = [readFileSync(flags.ca, 'utf8')];
    } catch (err) {
      throw new FxpError('INVALID_INPUT', `--ca: cannot read ${flags.ca}: ${(err as Error).message}`);
    }
  }
  if (flags.insecure) site.verifyCertificate = false;
  if (flags.trustFingerprints.length) site.trustedFingerprints = flags.trustFingerprints;
}

function makeEngine(flags: Flags, passwords: Passwords): FxpEngine {
  const levels: LogLevel[] = flags.verbose ? ['debug', 'info', 'warn', 'error'] : ['warn', 'error'];
  const enabled = (level: LogLevel) => levels.includes(level);
  const logger: Logger = Object.assign((level: LogLevel, message: string) => {
    if (enabled(level)) process.stderr.write(`${maskSecrets(message, passwords.secrets)}\n`);
  }, { enabled });
  return new FxpEngine({ password: passwords.get, logger });
}


/** A server-sent name must not drive the terminal: control and bidi characters are shown escaped. */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describeCopy(r: CopyResult): string {
  const speed = r.seconds > 0 ? `${(r.bytes / 1e6 / r.seconds).toFixed(1)} MB/s` : '';
  const how = r.mode === 'fxp'
    ? `fxp (server to server, ${r.orientation === 'dst-passive' ? 'destination' : 'source'} passive)`
    : 'relay (through this machine)';
  const lines = [
    `${how}: ${r.source.site}:${r.source.path} -> ${r.destination.site}:${r.destination.path}`,
    `data: ${r.channel}${r.encrypted ? '' : ' (file data crossed the network unencrypted)'}`,
    `${formatBytes(r.bytes)} in ${r.seconds.toFixed(2)} s ${speed}, verified by ${r.verification.method} (${r.verification.detail})`,
  ];
  if (r.relayReason) lines.push(`Relayed because: ${r.relayReason}`);
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const folderExit = await runFolderCommand(argv, { parseArgs, makeEngine, applyTls, newPasswords: () => new Passwords() });
  if (folderExit !== undefined) return folderExit;
  const flags = parseArgs(argv);
  const [command, ...args] = flags.positional;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (!command || command === 'help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const passwords = new Passwords();
  const engine = makeEngine(flags, passwords);
  try {
    if (command === 'ls') {
      if (args.length !== 1) throw new FxpError('INVALID_INPUT', `fxp ls takes one URL.\n${USAGE}`);
      const target = parseSiteUrl(args[0]!);
      applyTls(target.site, flags);
      passwords.add(target);
      const listing = await engine.list(target.site, target.path);
      if (flags.json) out(JSON.stringify(listing));
      else {
        const lines = listing.entries.map(e => {
          const when = e.modified ? e.modified.toISOString().slice(0, 16).replace('T', ' ') : '                ';
          return `${e.kind === 'dir' ? 'd' : e.kind === 'link' ? 'l' : '-'} ${String(e.size).padStart(12)} ${when} ${printable(e.name)}${e.kind === 'dir' ? '/' : ''}`;
        });
        if (lines.length) out(lines.join('\n'));
        if (listing.dropped.length) process.stderr.write(`Skipped ${listing.dropped.length} unsafe name(s): ${listing.dropped.join(', ')}\n`);
      }
      return 0;
    }
    if (command === 'cp') {
      if (args.length !== 2) throw new FxpError('INVALID_INPUT', `fxp cp takes a source and a destination URL.\n${USAGE}`);
      const src = parseSiteUrl(args[0]!, 'source');
      const dst = parseSiteUrl(args[1]!, 'destination');
      for (const t of [src, dst]) applyTls(t.site, flags);
      passwords.add(src, 'FXP_SRC_PASSWORD');
      passwords.add(dst, 'FXP_DST_PASSWORD');
      if (src.path.endsWith('/')) throw new FxpError('INVALID_INPUT', `The source must be a file, not a folder: ${redact(args[0]!)}`);
      const dstPath = dst.path.endsWith('/') ? dst.path + baseName(src.path) : dst.path;
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const result = await engine.copyFile(src.site, src.path, dst.site, dstPath, { relay: flags.relay, signal: controller.signal, dataProtection: flags.protection });
      out(flags.json ? JSON.stringify({ ok: true, ...result }) : describeCopy(result));
      return 0;
    }
    if (command === 'doctor') {
      if (args.length !== 2) throw new FxpError('INVALID_INPUT', `fxp doctor takes two URLs.\n${USAGE}`);
      const a = parseSiteUrl(args[0]!, 'A');
      const b = parseSiteUrl(args[1]!, 'B');
      for (const t of [a, b]) applyTls(t.site, flags);
      passwords.add(a, 'FXP_SRC_PASSWORD');
      passwords.add(b, 'FXP_DST_PASSWORD');
      const dir = (p: string) => (p === '/' || p === '' ? undefined : p.replace(/\/+$/, ''));
      const report = await doctor(engine, a.site, b.site, { a: dir(a.path), b: dir(b.path) });
      if (flags.json) out(JSON.stringify(report));
      else {
        for (const s of report.sites) out(`${s.site}: ${s.ok ? `${s.server} (${s.welcome}), TLS ${s.tls ? 'on' : 'off'}` : 'cannot connect'}`);
        for (const line of report.summary) out(line);
      }
      const anyOk = report.directions.some(d => d.ok);
      return anyOk ? 0 : 1;
    }
    throw new FxpError('INVALID_INPUT', `Unknown command "${command}".\n${USAGE}`);
  } finally {
    engine.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    const error = isFxpError(err) ? err : new FxpError('CONNECTION_LOST', err instanceof Error ? err.message : String(err));
    if (error.certificate) {
      const c = error.certificate;
      process.stderr.write(`Certificate${error.site ? ` of ${error.site}` : ''}: ${c.subject}\n  issued by ${c.issuer}\n  valid ${c.validFrom} to ${c.validTo}\n  SHA-256 ${c.fingerprint256}\n`
        + `To trust it: --trust-fingerprint ${c.fingerprint256} (this certificate only), or --ca FILE (a PEM file with the CA that issued it: ${c.issuer})\n`);
    }
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
    process.stderr.write(`fxp: ${error.describe()}\n`);
    for (const cause of error.causes ?? []) process.stderr.write(`  - ${cause.describe()}\n`);
    return error.code === 'INVALID_INPUT' ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
