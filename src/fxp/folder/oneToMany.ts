import type { FxpEngine } from '../engine';
import { FolderJob, type JobOptions, type JobReport } from './job';
import { planFileCopy, planFolderCopies, type FolderPlan, type PlanOptions } from './plan';
import type { Endpoint } from './tree';

export interface CopyToManyOptions extends PlanOptions, JobOptions {
  /** The source is one file (and each destination a file path), not a folder. */
  file?: boolean;
  /** Plan only: list both sides and decide, change nothing. */
  dryRun?: boolean;
}

export interface CopyToManyResult {
  plans: FolderPlan[];
  /** Absent for a dry run. */
  report?: JobReport;
}

/**
 * One source, one or more destinations: each destination is its own stream of FXP pairs, and a file
 * already copied (and verified) to one destination may be copied from there to the others when the
 * source has no free connection. The report says, per destination, how many files came from where.
 */
export async function copyToMany(engine: FxpEngine, source: Endpoint, destinations: Endpoint[], opts: CopyToManyOptions = {}): Promise<CopyToManyResult> {
  const plans = opts.file
    ? await Promise.all(destinations.map(d => planFileCopy(engine, source, d, opts)))
    : await planFolderCopies(engine, source, destinations, opts);
  if (opts.dryRun) return { plans };
  const report = await FolderJob.fromPlans(engine, plans, opts).run();
  return { plans, report };
}

/** `fxp mirror` in one call: plan, then copy. */
export function mirrorFolder(engine: FxpEngine, source: Endpoint, destination: Endpoint, opts: CopyToManyOptions = {}): Promise<CopyToManyResult> {
  return copyToMany(engine, source, [destination], opts);
}

/** Finishes a job from its journal. */
export function resumeJob(engine: FxpEngine, journalPath: string, opts: Omit<JobOptions, 'journalPath'> = {}): Promise<JobReport> {
  return FolderJob.resume(engine, journalPath, opts).run();
}
