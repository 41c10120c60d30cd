import { mkdirSync, rmSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';
import { baseName, FxpError, type CopyOptions, type FxpEngine, type RelayMode, type Site } from '../fxp';
import {
  compareFolders, describePlan, describeProgress, formatBytes, FolderJob, Journal, JOURNAL_SUFFIX, parseExistsRule, planFileCopy,
  planFolderCopies, summarize, type CompareReport, type Endpoint, type ExistsRule, type FolderPlan, type JobProgress, type JobReport,
} from '../fxp/folder';
import { parseSiteUrl, redact, type SiteUrl } from './url';

export const FOLDER_USAGE = `  fxp mirror SRC_URL DST_URL [--parallel N] [--exists RULE] [--exclude GLOB]... [--dry-run] [--json]
  fxp cp SRC_URL DST_URL [DST_URL...] (several destinations; SRC ending in "/" copies the folder)
  fxp resume STATE_FILE [--parallel N] [--json]
  fxp compare URL_A URL_B [--hash] [--exclude GLOB]... [--json]
Folder options: --exists overwrite|skip|resume|newer|size-differs|rename (mirror default: overwrite),
  --retries N (default 3), --state FILE (job journal; default under ~/.local/state/fxp/jobs, kept unless the job finished),
  --delete-partial (a cancelled transfer's partial file is deleted, not kept for resume), --no-preserve-times.`;

/** What the folder commands need from main.ts (passed in, so that this module does not import main). */
export interface CommonFlags {
  json: boolean;
  verbose: boolean;
  relay: RelayMode;
  protection: CopyOptions['dataProtection'];
  positional: string[];
}

export interface PasswordBook {
  add(target: SiteUrl, envName?: string): void;
}

export interface CliKit<F extends CommonFlags, P extends PasswordBook> {
  parseArgs(argv: string[]): F;
  newPasswords(): P;
  makeEngine(flags: F, passwords: P): FxpEngine;
  applyTls(site: Site, flags: F): void;
}

export interface FolderFlags {
  parallel?: number;
  retries?: number;
  rule?: ExistsRule;
  exclude: string[];
  dryRun: boolean;
  state?: string;
  deletePartial: boolean;
  preserveTimes: boolean;
  hash: boolean;
}

/** Takes the folder options out of argv; the rest goes to main's parser. */
export function extractFolderFlags(argv: string[]): { folder: FolderFlags; rest: string[] } {
  const folder: FolderFlags = { exclude: [], dryRun: false, deletePartial: false, preserveTimes: true, hash: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new FxpError('INVALID_INPUT', `${name} needs a value.`);
      return v;
    };
    const count = (min: number, max: number): number => {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min || n > max) throw new FxpError('INVALID_INPUT', `${name} must be a whole number from ${min} to ${max}, not "${v}".`);
      return n;
    };
    if (name === '--parallel' || name === '-P') folder.parallel = count(1, 32);
    else if (name === '--retries') folder.retries = count(0, 100);
    else if (name === '--exists') folder.rule = parseExistsRule(value());
    else if (name === '--exclude') folder.exclude.push(value());
    else if (name === '--state') folder.state = value();
    else if (name === '--dry-run' || name === '-n') folder.dryRun = true;
    else if (name === '--delete-partial') folder.deletePartial = true;
    else if (name === '--no-preserve-times') folder.preserveTimes = false;
    else if (name === '--hash') folder.hash = true;
    else rest.push(arg);
  }
  return { folder, rest };
}

/**
 * `fxp mirror`, `fxp resume`, `fxp compare`, and `fxp cp` with several destinations.
 * Returns undefined for any other command, which main.ts then handles.
 */
export async function runFolderCommand<F extends CommonFlags, P extends PasswordBook>(argv: string[], kit: CliKit<F, P>): Promise<number | undefined> {
  const { folder, rest } = extractFolderFlags(argv);
  const flags = kit.parseArgs(rest);
  const [command, ...args] = flags.positional;
  const isFolderCommand = command === 'mirror' || command === 'resume' || command === 'compare'
    || (command === 'cp' && (args.length > 2 || (args.length === 2 && args[0]!.endsWith('/'))));
  if (!isFolderCommand) return undefined;
  const passwords = kit.newPasswords();
  const engine = kit.makeEngine(flags, passwords);
  const cli = new FolderCli(engine, flags, folder, rest);
  const target = (text: string, name: string, envName: string): SiteUrl => {
    const t = parseSiteUrl(text, name);
    kit.applyTls(t.site, flags);
    t.site.connectionLimit = Math.max(t.site.connectionLimit, (folder.parallel ?? 4) + 1);
    passwords.add(t, envName);
    return t;
  };
  try {
    if (command === 'mirror') {
      if (args.length !== 2) throw usage('fxp mirror takes a source and a destination URL.');
      return await cli.mirror(target(args[0]!, 'source', 'FXP_SRC_PASSWORD'), [target(args[1]!, 'destination', 'FXP_DST_PASSWORD')], false);
    }
    if (command === 'cp') {
      const src = target(args[0]!, 'source', 'FXP_SRC_PASSWORD');
      const dsts = args.slice(1).map((a, i) => target(a, `destination ${i + 1}`, 'FXP_DST_PASSWORD'));
      return await cli.mirror(src, dsts, !src.path.endsWith('/'));
    }
    if (command === 'compare') {
      if (args.length !== 2) throw usage('fxp compare takes two URLs.');
      return await cli.compare(target(args[0]!, 'A', 'FXP_SRC_PASSWORD'), target(args[1]!, 'B', 'FXP_DST_PASSWORD'));
    }
    if (args.length !== 1) throw usage('fxp resume takes the state file of a job.');
    const journal = Journal.open(args[0]!);
    for (const part of journal.job.parts) {
      for (const [at, envName] of [[part.source, 'FXP_SRC_PASSWORD'], [part.destination, 'FXP_DST_PASSWORD']] as const) {
        if (folder.parallel) at.site.connectionLimit = Math.max(at.site.connectionLimit, folder.parallel + 1);
        passwords.add({ site: at.site, path: at.path }, envName);
      }
    }
    return await cli.run(FolderJob.fromJournal(engine, journal, { ...cli.jobOptions(true), onProgress: cli.progress.onProgress }), true);
  } finally {
    engine.close();
  }
}

function usage(message: string): FxpError {
  return new FxpError('INVALID_INPUT', `${message}\nUsage:\n${FOLDER_USAGE}`);
}

function folderPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

class FolderCli {
  readonly progress: ReturnType<typeof progressPrinter>;

  constructor(
    private readonly engine: FxpEngine,
    private readonly flags: CommonFlags,
    private readonly folder: FolderFlags,
    private readonly given: string[],
  ) {
    this.progress = progressPrinter(flags.verbose);
  }

  private out(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** Only what was given on the command line: a resumed job keeps its own settings otherwise. */
  jobOptions(resuming: boolean) {
    const explicit = (flag: string) => !resuming || this.given.some(a => a === flag || a.startsWith(`${flag}=`));
    return {
      parallel: this.folder.parallel,
      retries: this.folder.retries,
      relay: explicit('--relay') ? this.flags.relay : undefined,
      dataProtection: explicit('--protection') ? this.flags.protection : undefined,
      partials: this.folder.deletePartial ? 'delete' as const : resuming ? undefined : 'keep' as const,
      preserveTimes: !this.folder.preserveTimes ? false : resuming ? undefined : true,
    };
  }

  async mirror(src: SiteUrl, dsts: SiteUrl[], singleFile: boolean): Promise<number> {
    const source: Endpoint = { site: src.site, path: singleFile ? src.path : folderPath(src.path) };
    const destinations: Endpoint[] = dsts.map(d => ({
      site: d.site,
      path: singleFile ? (d.path.endsWith('/') ? d.path + baseName(src.path) : d.path) : folderPath(d.path),
    }));
    for (const d of dsts) if (singleFile && d.path === '') throw new FxpError('INVALID_INPUT', `No destination path in ${redact(d.site.name)}.`);
    const planOptions = { rule: this.folder.rule ?? 'overwrite', exclude: this.folder.exclude };
    const plans = singleFile
      ? await Promise.all(destinations.map(d => planFileCopy(this.engine, source, d, planOptions)))
      : await planFolderCopies(this.engine, source, destinations, planOptions);
    if (this.folder.dryRun) return this.printPlans(plans);
    const explicitState = this.folder.state !== undefined;
    const journalPath = this.folder.state ?? defaultStatePath();
    const job = FolderJob.fromPlans(this.engine, plans, { ...this.jobOptions(false), journalPath, onProgress: this.progress.onProgress });
    const code = await this.run(job, explicitState);
    if (code === 0 && !explicitState) rmSync(journalPath, { force: true });
    return code;
  }

  private printPlans(plans: FolderPlan[]): number {
    if (this.flags.json) {
      this.out(JSON.stringify({
        ok: true, dryRun: true,
        plans: plans.map(p => ({
          source: `${p.source.site.name}:${p.source.path}`, destination: `${p.destination.site.name}:${p.destination.path}`,
          rule: p.rule, exclude: p.exclude, summary: summarize(p), dirs: p.dirs, items: p.items, skipped: p.skipped,
        })),
      }));
    } else {
      for (const plan of plans) {
        if (plans.length > 1) this.out(`To ${plan.destination.site.name}:${plan.destination.path}`);
        for (const line of describePlan(plan)) this.out(line);
      }
      this.out('Dry run: nothing was changed.');
    }
    return 0;
  }

  /** Runs the job with progress on stderr and Ctrl-C as cancel; prints the report; exit 0 done, 1 failures, 130 cancelled. */
  async run(job: FolderJob, keepState: boolean): Promise<number> {
    let interrupts = 0;
    const onSigint = () => {
      if (++interrupts > 1) process.exit(130);
      process.stderr.write('\nCancelling (Ctrl-C again to quit at once)...\n');
      job.cancel();
    };
    process.on('SIGINT', onSigint);
    let report: JobReport;
    try {
      report = await job.run();
    } finally {
      process.off('SIGINT', onSigint);
      this.progress.end();
    }
    if (this.flags.json) this.out(JSON.stringify({ ok: report.state === 'done', ...report }));
    else for (const line of describeReport(report)) this.out(line);
    if (report.state !== 'done' && (keepState || report.journal)) process.stderr.write(`Job state: ${report.journal}\nResume with: fxp resume ${report.journal}\n`);
    return report.state === 'done' ? 0 : report.state === 'cancelled' ? 130 : 1;
  }

  async compare(a: SiteUrl, b: SiteUrl): Promise<number> {
    const report = await compareFolders(this.engine, { site: a.site, path: folderPath(a.path) }, { site: b.site, path: folderPath(b.path) }, {
      hash: this.folder.hash, exclude: this.folder.exclude,
    });
    const differs = report.entries.some(e => e.status !== 'same');
    if (this.flags.json) this.out(JSON.stringify({ ok: true, same: !differs, ...report }));
    else for (const line of describeCompare(report)) this.out(line);
    return differs ? 1 : 0;
  }
}

/** One updating line on a terminal; with --verbose, plain lines; otherwise nothing (stdout stays clean for --json). */
function progressPrinter(verbose: boolean): { onProgress?: (p: JobProgress) => void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let last = '';
  if (!tty && !verbose) return { end: () => undefined };
  return {
    onProgress: p => {
      const line = describeProgress(p);
      if (line === last) return;
      last = line;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    end: () => { if (tty && last) process.stderr.write('\n'); },
  };
}

export function describeReport(r: JobReport): string[] {
  const mbps = r.seconds > 0 ? ` (${(r.bytes.sent / 1e6 / r.seconds).toFixed(1)} MB/s)` : '';
  const lines = [
    `${r.state === 'done' ? 'Done' : r.state === 'cancelled' ? 'Cancelled' : 'Finished with failures'}: `
    + `${r.files.done} copied, ${r.files.skipped} skipped, ${r.files.failed} failed, ${r.files.cancelled} cancelled, ${r.files.pending} not started; `
    + `${formatBytes(r.bytes.sent)} sent in ${r.seconds.toFixed(2)} s${mbps}, up to ${r.parallel} FXP pairs per destination.`,
  ];
  if (r.parts.length > 1) {
    for (const p of r.parts) {
      const from = Object.entries(p.copiedFrom).map(([site, n]) => `${n} from ${site}`).join(', ');
      lines.push(`  ${p.destination}: ${p.files.done} copied, ${p.files.failed} failed${from ? ` (${from})` : ''}`);
    }
  }
  for (const l of r.limits) lines.push(`  ${l.site} said it was full: at most ${l.limit} connections were used.`);
  for (const f of r.failures) lines.push(`  FAILED ${f.destination}: ${f.path}: ${f.error?.text ?? 'unknown reason'}`);
  for (const f of r.cancelled) {
    lines.push(`  CANCELLED ${f.destination}: ${f.target}: ${f.deleted ? 'partial file deleted' : f.bytes !== undefined ? `${f.bytes} of ${f.size} bytes kept for resume` : 'nothing written'}`);
  }
  return lines;
}

export function describeCompare(r: CompareReport): string[] {
  const lines = r.entries.filter(e => e.status !== 'same').map(e => `${e.status.padEnd(13)}${e.path}${e.kind === 'dir' ? '/' : ''}  (${e.detail})`);
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
  lines.push(`${r.a} vs ${r.b}: ${counts || 'both empty'}${r.hash !== 'off' ? `; contents compared by ${r.hash}` : ''}.`);
  return lines;
}

function defaultStatePath(): string {
  const base = process.env.FXP_STATE_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'fxp', 'jobs');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join(base, `job-${stamp}-${process.pid}${JOURNAL_SUFFIX}`);
}

