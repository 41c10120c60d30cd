import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'fs';
import { join } from 'path';
import { FxpError } from '../errors';
import type { RelayMode } from '../copy';
import type { DataProtection } from '../tlsPlan';
import type { Site } from '../site';
import type { FolderPlan, PlanItem } from './plan';
import type { ExistsRule } from './rules';
import type { Skipped } from './tree';

/**
 * The job journal: everything needed to resume a job after a crash, a reload or a lost server.
 *
 * Format: JSON Lines. The first line is the whole job (sites without passwords, the plan, options);
 * every later line is one event (a file started, finished, failed...). An event is appended before a
 * transfer starts and as soon as it ends, so a crash loses nothing; a torn last line is ignored.
 * Opening a journal replays the events and rewrites the file as one fresh snapshot.
 */

export type FileState = 'pending' | 'started' | 'done' | 'skipped' | 'failed' | 'cancelled';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type PartialChoice = 'keep' | 'delete';

export interface ErrorRecord {
  code: FxpError['code'];
  message: string;
  site?: string;
  command?: string;
  reply?: { code: number; text: string };
  /** The whole story for people: FxpError.describe(). */
  text: string;
}

export interface JobFile extends PlanItem {
  state: FileState;
  attempts: number;
  /** Bytes at the destination after the last attempt (cancelled, failed) or the size (done). */
  bytes?: number;
  error?: ErrorRecord;
  mode?: 'fxp' | 'relay';
  verification?: string;
  /** The site the data came from, when not the job's source (one-to-many: a finished destination). */
  via?: string;
  /** A cancelled file's partial copy was deleted. */
  deleted?: boolean;
}

export interface JobPart {
  source: { site: Site; path: string };
  destination: { site: Site; path: string };
  rule: ExistsRule;
  exclude: string[];
  dirs: string[];
  skipped: Skipped[];
  files: JobFile[];
}

export interface JobOptionsRecord {
  parallel: number;
  retries: number;
  relay: RelayMode;
  partials: PartialChoice;
  preserveTimes: boolean;
  dataProtection?: DataProtection;
}

export interface JobRecord {
  format: 'fxp-job';
  version: 1;
  id: string;
  created: string;
  updated: string;
  state: JobState;
  options: JobOptionsRecord;
  /** One per destination. */
  parts: JobPart[];
}

export type JournalEvent =
  | { t: 'file'; p: number; i: number; s: FileState; a?: number; b?: number; e?: ErrorRecord; m?: 'fxp' | 'relay'; v?: string; via?: string; d?: boolean }
  | { t: 'job'; s: JobState };

export function errorRecord(err: FxpError): ErrorRecord {
  return { code: err.code, message: err.message, site: err.site, command: err.command, reply: err.reply && { code: err.reply.code, text: err.reply.text }, text: err.describe() };
}

/** A new job from plans (one per destination). Skips and conflicts are settled here, once. */
export function newJob(id: string, plans: FolderPlan[], options: JobOptionsRecord, now = new Date()): JobRecord {
  return {
    format: 'fxp-job', version: 1, id, created: now.toISOString(), updated: now.toISOString(), state: 'running', options,
    parts: plans.map(plan => ({
      source: plan.source, destination: plan.destination, rule: plan.rule, exclude: plan.exclude, dirs: plan.dirs, skipped: plan.skipped,
      files: plan.items.map(item => ({
        ...item,
        attempts: 0,
        state: item.action === 'skip' ? 'skipped' : item.action === 'conflict' ? 'failed' : 'pending',
        error: item.action === 'conflict'
          ? { code: 'EXISTS', message: item.reason, site: plan.destination.site.name, text: `${plan.destination.site.name}: ${item.target}: ${item.reason}.` }
          : undefined,
      })),
    })),
  };
}

export function applyEvent(job: JobRecord, event: JournalEvent): void {
  if (event.t === 'job') {
    job.state = event.s;
    return;
  }
  const file = job.parts[event.p]?.files[event.i];
  if (!file) throw new FxpError('INVALID_INPUT', `Job journal: event for unknown file ${event.p}/${event.i}.`);
  file.state = event.s;
  if (event.a !== undefined) file.attempts = event.a;
  if (event.b !== undefined) file.bytes = event.b;
  if (event.m !== undefined) file.mode = event.m;
  if (event.v !== undefined) file.verification = event.v;
  if (event.via !== undefined) file.via = event.via;
  if (event.d !== undefined) file.deleted = event.d;
  file.error = event.s === 'failed' || event.s === 'cancelled' ? event.e ?? file.error : undefined;
}

/** Parses a journal's text: the job line, then events; a torn last line (crash mid-write) is ignored. */
export function parseJournal(text: string, where = 'job journal'): JobRecord {
  const lines = text.split('\n').filter(l => l.trim() !== '');
  const bad = (why: string) => new FxpError('INVALID_INPUT', `${where} is not an FXP job journal: ${why}.`);
  let job: JobRecord;
  try {
    job = JSON.parse(lines[0] ?? '') as JobRecord;
  } catch {
    throw bad('the first line is not JSON');
  }
  if (job?.format !== 'fxp-job' || job.version !== 1 || !Array.isArray(job.parts)) throw bad('unknown format or version');
  for (let n = 1; n < lines.length; n++) {
    let event: JournalEvent;
    try {
      event = JSON.parse(lines[n]!) as JournalEvent;
    } catch {
      if (n === lines.length - 1) break;
      throw bad(`line ${n + 1} is not JSON`);
    }
    applyEvent(job, event);
  }
  return job;
}

/** The journal file of one job. Appends are synchronous and small: one line per event. */
export class Journal {
  private fd: number | undefined;

  private constructor(readonly path: string, readonly job: JobRecord) {}

  /** Writes a new journal (replacing the file atomically). */
  static create(path: string, job: JobRecord): Journal {
    const journal = new Journal(path, job);
    journal.snapshot();
    return journal;
  }

  /** Reads a journal, replays it, and compacts it into one snapshot line. */
  static open(path: string): Journal {
    if (!existsSync(path)) throw new FxpError('INVALID_INPUT', `No job journal at ${path}.`);
    const journal = new Journal(path, parseJournal(readFileSync(path, 'utf8'), path));
    journal.snapshot();
    return journal;
  }

  /** Applies the event to the job and appends it to the file. */
  record(event: JournalEvent): void {
    applyEvent(this.job, event);
    this.job.updated = new Date().toISOString();
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  /** Rewrites the file as the current state in one line (temporary file, then rename). */
  snapshot(): void {
    this.close();
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.job)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface JournalSummary {
  path: string;
  id: string;
  state: JobState;
  updated: string;
  /** "pure-ftpd:/site -> proftpd:/backup" per destination. */
  description: string;
  files: number;
  remaining: number;
}

/** Journals in a folder whose job did not finish: what "Resume Interrupted Transfers" offers. */
export function findUnfinishedJobs(dir: string, suffix = JOURNAL_SUFFIX): JournalSummary[] {
  if (!existsSync(dir)) return [];
  const found: JournalSummary[] = [];
  for (const name of readdirSync(dir).filter(n => n.endsWith(suffix))) {
    const path = join(dir, name);
    let job: JobRecord;
    try {
      job = parseJournal(readFileSync(path, 'utf8'), path);
    } catch {
      continue; // not a journal of ours, or from a newer version: leave it alone
    }
    if (job.state === 'done') continue;
    const files = job.parts.flatMap(p => p.files);
    found.push({
      path, id: job.id, state: job.state, updated: job.updated, files: files.length,
      remaining: files.filter(f => f.state !== 'done' && f.state !== 'skipped').length,
      description: job.parts.map(p => `${p.source.site.name}:${p.source.path} -> ${p.destination.site.name}:${p.destination.path}`).join(', '),
    });
  }
  return found.sort((a, b) => b.updated.localeCompare(a.updated));
}

export const JOURNAL_SUFFIX = '.fxpjob';
