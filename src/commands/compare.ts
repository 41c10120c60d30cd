/** Compare Folders (decorations in both views and a report), Sync A to B (what differs, by the same queue). */
import * as vscode from 'vscode';
import { formatBytes } from '../format';
import { compareFolders, summarize, syncPlan, type CompareEntry, type CompareReport, type CompareStatus } from '../fxp';
import type { SideState } from '../pairState';
import type { Services } from '../services';
import { runPlanned, type TransferReport } from '../transfers';
import { reportTransfer, transferHooks } from './transfer';
import { withCancellableProgress } from '../jobs';

const STATUS_TEXT: Record<CompareStatus, string> = {
  same: 'same',
  'only-in-a': 'only on A',
  'only-in-b': 'only on B',
  'kind-differs': 'file on one side, folder on the other',
  'size-differs': 'size differs',
  'newer-in-a': 'newer on A',
  'newer-in-b': 'newer on B',
  'hash-differs': 'content differs',
};

function endpoints(s: Services): { a: SideState; b: SideState } {
  return { a: s.state.require('A'), b: s.state.require('B') };
}

/** Lists both folders (MLSD, else LIST with MDTM) and compares them by size and modification time. */
async function compare(s: Services, title: string): Promise<CompareReport> {
  const { a, b } = endpoints(s);
  const { exclude } = s.state.options();
  const report = await withCancellableProgress(title, signal =>
    compareFolders(s.engine, { site: a.site, path: a.folder }, { site: b.site, path: b.folder }, { exclude, signal }));
  s.comparison.show(report, { A: a.folder, B: b.folder });
  return report;
}

export function differences(report: CompareReport): CompareEntry[] {
  return report.entries.filter(e => e.status !== 'same');
}

function countsText(report: CompareReport): string {
  const parts = (Object.keys(STATUS_TEXT) as CompareStatus[]).filter(k => k !== 'same' && report.counts[k] > 0).map(k => `${report.counts[k]} ${STATUS_TEXT[k]}`);
  return parts.length ? parts.join(', ') : 'no differences';
}

function renderReport(report: CompareReport): string {
  const diff = differences(report);
  const lines = [`# FXP comparison: ${report.a} ⇄ ${report.b}`, '', `A = ${report.a}, B = ${report.b}. Compared by size and modification time.`, '',
    `**${countsText(report)}**; ${report.counts.same} the same.`, ''];
  if (diff.length) {
    lines.push('| path | difference | A | B |', '|---|---|---|---|');
    const cell = (side?: { size?: number; modified?: string }) => (side ? [side.size !== undefined ? formatBytes(side.size) : '', side.modified?.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') ?? ''].filter(Boolean).join(', ') : '—');
    for (const e of diff) lines.push(`| ${e.path}${e.kind === 'dir' ? '/' : ''} | ${STATUS_TEXT[e.status]}: ${e.detail.replace(/\|/g, '\\|')} | ${cell(e.a)} | ${cell(e.b)} |`);
  }
  lines.push('', '"FXP: Sync A to B" copies what is missing on B or differs there (never a file that is newer on B), and deletes nothing.', '');
  return lines.join('\n');
}

/** Compares the folders the two views show; the differences are decorated in both views and listed in a report. */
export async function compareFoldersCommand(s: Services): Promise<CompareReport> {
  const { a, b } = endpoints(s);
  const report = await compare(s, `FXP: comparing ${a.site.name}:${a.folder} with ${b.site.name}:${b.folder}`);
  s.log.info(`Compare ${report.a} ⇄ ${report.b}: ${countsText(report)}; ${report.counts.same} the same`);
  for (const e of differences(report)) s.log.info(`  ${STATUS_TEXT[e.status].padEnd(14)} ${e.path}${e.kind === 'dir' ? '/' : ''}  (${e.detail})`);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderReport(report) });
  await vscode.window.showTextDocument(doc, { preview: true });
  return report;
}

const SYNC = 'Sync';

/**
 * Compares again (a sync never acts on an old comparison), then copies to B what is missing there or
 * differs and is not newer there, after one confirmation, by the same queue as every transfer.
 */
export async function syncAToB(s: Services): Promise<TransferReport | undefined> {
  const { a, b } = endpoints(s);
  const report = await compare(s, `FXP: comparing before Sync ${a.site.name} → ${b.site.name}`);
  const plan = syncPlan(report, { site: a.site, path: a.folder }, { site: b.site, path: b.folder });
  const sum = summarize(plan);
  if (sum.files === 0 && sum.dirs === 0) {
    void s.prompts.message('info', `FXP: nothing to sync. ${b.site.name}:${b.folder} has everything ${a.site.name}:${a.folder} has (${countsText(report)}).`);
    return undefined;
  }
  const replaced = plan.items.filter(i => i.existing !== undefined).length;
  const choice = await s.prompts.message('warning', `Sync ${a.site.name}:${a.folder} to ${b.site.name}:${b.folder}?`, {
    modal: true,
    detail: `Copies ${sum.files} file${sum.files === 1 ? '' : 's'} (${formatBytes(sum.bytes)}) and creates ${sum.dirs} folder${sum.dirs === 1 ? '' : 's'} on ${b.site.name}`
      + `${replaced ? `, replacing ${replaced} file${replaced === 1 ? '' : 's'} that differ${replaced === 1 ? 's' : ''}` : ''}. `
      + `Nothing is deleted, and files that are newer on ${b.site.name} are left alone.\n\n${countsText(report)}.`,
  }, SYNC);
  if (choice !== SYNC) return undefined;
  const { parallel, dataProtection } = s.state.options();
  s.log.info(`Sync ${report.a} → ${report.b}: ${sum.files} files, ${sum.dirs} folders`);
  await s.protection.beforeCopy(a.site, [b.site], dataProtection);
  try {
    const journalPath = s.journals.newPath();
    const result = await s.jobs.run(`FXP: Sync ${a.site.name} → ${b.site.name}`, job => s.journals.hold(journalPath, () => runPlanned(s.engine, [plan], {
      relay: 'auto', parallel, dataProtection, journalPath, signal: job.signal,
      hooks: transferHooks(s, job, { from: a.site.name, to: b.site.name, relay: () => s.state.relayChoice(), remember: c => s.state.setRelayChoice(c) }),
    })));
    reportTransfer(s, result, a.site.name);
    return result;
  } finally {
    s.trees.B.refresh();
    await compare(s, `FXP: comparing after Sync ${a.site.name} → ${b.site.name}`).catch(() => s.comparison.clear());
  }
}
