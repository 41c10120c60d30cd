/** Resume Interrupted Transfers, Copy to Several Sites…, Preview Transfer (dry run). */
import * as vscode from 'vscode';
import { COMMANDS, type Side } from '../constants';
import { baseName, cancelledError, credentialKey, describePlan, parentPath, type FolderPlan, type JournalSummary } from '../fxp';
import { otherSide } from '../pairState';
import { selectionOf } from '../selection';
import type { Services } from '../services';
import { PAIR_DEFAULTS } from '../siteConfig';
import { planTransfer, resumeTransfer, runTransfer, type TransferItem, type TransferReport } from '../transfers';
import { isCopyRequest } from '../tree/dragAndDrop';
import { browseRemote } from './browse';
import { pickSide, required, targetEntries } from './pick';
import { copyRequestFor, pairRequest, refreshViewsShowing, reportTransfer, transferHooks } from './transfer';
import { withCancellableProgress } from '../jobs';

const RESUME = 'Resume Interrupted Transfers';
const DISCARD = 'Discard';
const DISCARD_ALL = '$(trash) Discard All Interrupted Transfers';

function summaryLine(job: JournalSummary): string {
  return `${job.description} (${job.remaining} of ${job.files} file${job.files === 1 ? '' : 's'} left)`;
}

/** On start: jobs a reload, a crash or a cancel left unfinished are offered for resuming. */
export async function offerInterruptedTransfers(s: Services): Promise<void> {
  // After activation has returned: reading the journals is disk work activation need not wait for.
  await new Promise(resolve => setImmediate(resolve));
  const jobs = s.journals.unfinished();
  if (jobs.length === 0) return;
  for (const job of jobs) s.log.info(`Interrupted transfer: ${summaryLine(job)}, ${job.state}, last activity ${job.updated}; journal ${job.path}`);
  const what = jobs.length === 1 ? `A transfer was interrupted: ${summaryLine(jobs[0]!)}.` : `${jobs.length} transfers were interrupted.`;
  const choice = await s.prompts.message('info', `FXP: ${what} Resume from where it stopped?`, {}, RESUME, DISCARD);
  if (choice === RESUME) await vscode.commands.executeCommand(COMMANDS.resumeTransfers);
  if (choice === DISCARD) discardAll(s, jobs);
}

function discardAll(s: Services, jobs: JournalSummary[]): void {
  for (const job of jobs) s.journals.discard(job.path);
  s.log.info(`Discarded ${jobs.length} interrupted transfer(s); their partial files stay on the servers.`);
}

/** Finishes jobs from their journals: done files stay done, started ones continue where they stop. */
export async function resumeTransfers(s: Services): Promise<TransferReport[]> {
  const jobs = s.journals.unfinished();
  if (jobs.length === 0) {
    void s.prompts.message('info', 'FXP: there is no interrupted transfer to resume.');
    return [];
  }
  type Item = vscode.QuickPickItem & { job?: JournalSummary };
  const items: Item[] = [
    ...jobs.map(job => ({
      label: job.description,
      description: `${job.remaining} of ${job.files} file${job.files === 1 ? '' : 's'} left`,
      detail: `${job.state} · last activity ${new Date(job.updated).toLocaleString()}`,
      job,
    })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: DISCARD_ALL, description: 'partial files stay on the servers' },
  ];
  const picked = required(await s.prompts.pick(items, { title: `FXP: ${RESUME}`, placeHolder: 'Which transfer?', ignoreFocusOut: true }));
  if (!picked.job) {
    discardAll(s, jobs);
    return [];
  }
  return [await resumeJob(s, picked.job)];
}

async function resumeJob(s: Services, summary: JournalSummary): Promise<TransferReport> {
  const journal = s.journals.open(summary.path, name => s.settings.site(name)?.site);
  const [first] = journal.job.parts;
  const source = first!.source.site.name;
  const to = [...new Set(journal.job.parts.map(p => p.destination.site.name))].join(', ');
  s.log.info(`Resuming ${summaryLine(summary)} from ${summary.path}`);
  for (const part of journal.job.parts) {
    await s.protection.beforeCopy(part.source.site, [part.destination.site], journal.job.options.dataProtection ?? PAIR_DEFAULTS.dataProtection);
  }
  const report = await s.jobs.run(`FXP: resuming ${source} → ${to}`, job => s.journals.hold(summary.path, () => resumeTransfer(s.engine, journal, {
    signal: job.signal, hooks: transferHooks(s, job, { from: source, to, relay: () => 'ask' }),
  })));
  reportTransfer(s, report, source);
  return report;
}

/** What to copy: the clicked or selected entries, else a file or folder picked by browsing a view. */
async function sourceItems(s: Services, arg: unknown, args: unknown): Promise<{ side: Side; items: TransferItem[] }> {
  if (isCopyRequest(arg)) return { side: arg.from, items: arg.items as TransferItem[] };
  const selection = selectionOf(targetEntries(s, arg, args));
  if (selection) return { side: selection.side, items: selection.items };
  const side = await pickSide(s, 'Copy from which site?', side => s.state.get(side) !== undefined);
  const picked = await browseRemote(s, side, 'source');
  if (!picked || typeof picked === 'string') throw cancelledError();
  return { side, items: [picked] };
}

/**
 * One source, several destinations: the sites are picked from fxp.sites, the items go into the same
 * folder on each. One job; each destination is its own stream, and a destination that has a file may
 * serve as the source for the others (the log says which did).
 */
export async function copyToSeveralSites(s: Services, arg: unknown, args: unknown): Promise<TransferReport | undefined> {
  const { side, items } = await sourceItems(s, arg, args);
  const src = s.state.require(side);
  const candidates = s.settings.sites.filter(e => e.site.name !== src.site.name);
  if (candidates.length === 0) throw new Error('Copy to Several Sites needs other sites in fxp.sites: add them first ("FXP: Add Site…").');
  const other = s.state.get(otherSide(side));
  const what = items.length === 1 ? baseName(items[0]!.path) : `${items.length} items`;
  const picked = required(await s.prompts.pickMany(candidates.map(e => ({
    label: e.site.name, description: credentialKey(e.site), picked: e.site.name === other?.site.name, entry: e,
  })), { title: `FXP: Copy ${what} from ${src.site.name} to which sites?`, placeHolder: 'Pick every destination', ignoreFocusOut: true }));
  if (picked.length === 0) throw cancelledError();
  const folder = required(await s.prompts.input({
    title: `FXP: Copy ${what} to ${picked.map(p => p.label).join(', ')}`,
    prompt: 'Into which folder on every site picked?',
    value: other && picked.some(p => p.label === other.site.name) ? other.folder : parentPath(items[0]!.path),
    validateInput: v => (v.startsWith('/') && !/[\r\n\0]/.test(v) ? undefined : 'An absolute folder path, e.g. /incoming'),
    ignoreFocusOut: true,
  }));
  const [first, ...rest] = picked.map(p => p.entry.site);
  const { exists, exclude, parallel, dataProtection } = s.state.options();
  const to = picked.map(p => p.label).join(', ');
  s.log.info(`Copy ${items.map(i => i.path).join(', ')} from ${src.site.name} to ${to} (folder ${folder}, exists ${exists})`);
  await s.protection.beforeCopy(src.site, picked.map(p => p.entry.site), dataProtection);
  const journalPath = s.journals.newPath();
  const report = await s.jobs.run(`FXP: ${src.site.name} → ${to}`, job => s.journals.hold(journalPath, () => runTransfer(s.engine, {
    source: src.site, items, destination: first!, folder, moreDestinations: rest.map(site => ({ site, folder })),
    relay: 'auto', exists, exclude, parallel, dataProtection, journalPath,
    signal: job.signal, hooks: transferHooks(s, job, { from: src.site.name, to, relay: () => 'ask' }),
  })));
  reportTransfer(s, report, src.site.name);
  refreshViewsShowing(s, picked.map(p => p.label));
  return report;
}

/** The dry run: what a copy to the other view would do, file by file, in the log. Changes nothing. */
export async function previewTransfer(s: Services, arg: unknown, args: unknown): Promise<FolderPlan[]> {
  const request = pairRequest(s, isCopyRequest(arg) ? arg : copyRequestFor(s, arg, args));
  const plans = await withCancellableProgress(`FXP: planning ${request.source.name} → ${request.destination.name}`, signal =>
    planTransfer(s.engine, { ...request, signal, hooks: { askConflict: async () => undefined } }));
  s.log.info(`Preview (dry run, nothing copied): ${request.source.name} → ${request.destination.name}:${request.folder}; `
    + `exists ${request.exists}${request.exclude?.length ? `, exclude ${request.exclude.join(' ')}` : ''}, parallel ${request.parallel}, data protection ${request.dataProtection}`);
  for (const plan of plans) {
    s.log.info(`Plan ${plan.source.site.name}:${plan.source.path} -> ${plan.destination.site.name}:${plan.destination.path}`);
    if (request.exists === 'ask') {
      for (const item of plan.items) if (item.existing !== undefined && item.action === 'copy') item.reason = 'exists: you will be asked (overwrite, skip or resume)';
    }
    for (const line of describePlan(plan)) s.log.info(`  ${line}`);
  }
  s.log.show();
  return plans;
}
