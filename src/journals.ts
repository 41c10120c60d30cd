/**
 * The job journals of the extension: one file per transfer in VS Code's global storage, so that a reload
 * or a crash can resume it ("Resume Interrupted Transfers"). No `vscode` here.
 */
import { randomBytes } from 'crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { credentialKey, findUnfinishedJobs, FxpError, Journal, JOURNAL_SUFFIX, type JobRecord, type JournalSummary, type Site } from './fxp';

export class JobJournals {
  constructor(readonly dir: string) {}

  /** Where a new job's journal goes. */
  newPath(): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15);
    return join(this.dir, `${stamp}-${randomBytes(4).toString('hex')}${JOURNAL_SUFFIX}`);
  }

  /** Jobs that did not finish and are not running (in this window or another), newest first. */
  unfinished(): JournalSummary[] {
    return findUnfinishedJobs(this.dir).filter(job => this.holder(job.path) === undefined);
  }

  discard(path: string): void {
    for (const file of [path, `${path}.tmp`, `${path}.lock`]) rmSync(file, { force: true });
  }

  /**
   * Marks the job as running in this extension host while `work` runs, so that no window offers it for
   * resuming meanwhile (two windows continuing one file would corrupt it).
   */
  async hold<T>(path: string, work: () => Promise<T>): Promise<T> {
    const holder = this.holder(path);
    if (holder !== undefined && holder !== process.pid) {
      throw new FxpError('INVALID_INPUT', 'This transfer is running in another VS Code window.', { hint: 'Cancel it there, or wait until it ends.' });
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${path}.lock`, String(process.pid), { mode: 0o600 });
    try {
      return await work();
    } finally {
      rmSync(`${path}.lock`, { force: true });
    }
  }

  /** The live process that runs this job now, if any (a lock left by a crash does not count). */
  private holder(path: string): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(`${path}.lock`, 'utf8'));
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  /** Opens a journal and points its sites at the sites of the same name in the settings (see rebindSites). */
  open(path: string, siteNamed: (name: string) => Site | undefined): Journal {
    const journal = Journal.open(path);
    rebindSites(journal.job, siteNamed);
    return journal;
  }
}

/**
 * A resumed job uses today's settings of its sites (found by name: the journal holds no password, and the
 * site may have changed its TLS trust or limits since), but never another server: a site that is gone,
 * or whose name now means another user, host, port or protocol, stops the resume with the reason.
 */
export function rebindSites(job: JobRecord, siteNamed: (name: string) => Site | undefined): void {
  for (const part of job.parts) {
    for (const end of [part.source, part.destination]) {
      const stored = end.site;
      const current = siteNamed(stored.name);
      if (!current) {
        throw new FxpError('INVALID_INPUT', `The interrupted transfer uses the site "${stored.name}", which is no longer in fxp.sites.`, {
          site: stored.name, hint: `Add the site again (${credentialKey(stored)}), or discard the interrupted transfer.`,
        });
      }
      if (credentialKey(current) !== credentialKey(stored)) {
        throw new FxpError('INVALID_INPUT', `The site "${stored.name}" now means ${credentialKey(current)}, but the interrupted transfer was made with ${credentialKey(stored)}.`, {
          site: stored.name, hint: 'Resuming there would continue files on another server. Set the site back, or discard the interrupted transfer.',
        });
      }
      end.site = current;
    }
  }
}
