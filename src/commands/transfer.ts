/** Copy to Other Site (also what a drop runs), Transfer… (keyboard), Cancel Transfers, Cancel a File…, and what every transfer shares. */
import * as vscode from 'vscode';
import { SIDES } from '../constants';
import { formatBytes, formatDuration } from '../format';
import { isFxpError, type FxpError, type RelayMode, type Site } from '../fxp';
import type { JobHandle } from '../jobs';
import { otherSide } from '../pairState';
import { selectionOf } from '../selection';
import type { Services } from '../services';
import { PAIR_DEFAULTS, type RelayChoice } from '../siteConfig';
import {
  runTransfer, type Conflict, type ConflictAnswer, type ConflictChoice, type TransferHooks, type TransferItem, type TransferReport, type TransferRequest,
} from '../transfers';
import { isCopyRequest, type CopyRequest } from '../tree/dragAndDrop';
import { browseRemote } from './browse';
import { pickSide, required, targetEntries } from './pick';

export async function copyToOtherSite(s: Services, arg: unknown, args: unknown): Promise<TransferReport | undefined> {
  if (isCopyRequest(arg)) return runCopy(s, arg);
  return runCopy(s, copyRequestFor(s, arg, args));
}

/** The selection (or clicked entries) of one view, to be copied into the other view's folder. */
export function copyRequestFor(s: Services, arg: unknown, args: unknown): CopyRequest {
  const selection = selectionOf(targetEntries(s, arg, args));
  if (!selection) throw new Error('Select files or folders in Site A or Site B first, then run "Copy to Other Site" (or drag them onto the other view).');
  const to = otherSide(selection.side);
  return {
    kind: 'copyRequest',
    from: selection.side,
    items: selection.items,
    to,
    folder: s.state.require(to).folder,
  };
}

/** Keyboard-only: pick the direction, browse to a source file or folder, browse to a destination folder. */
export async function transfer(s: Services): Promise<TransferReport | undefined> {
  s.state.require('A');
  s.state.require('B');
  const from = await pickSide(s, 'Copy from which site?');
  const to = otherSide(from);
  const source = await browseRemote(s, from, 'source');
  if (!source || typeof source === 'string') return undefined;
  const folder = await browseRemote(s, to, 'folder', `Copy ${source.path} into which folder of ${s.state.require(to).site.name}?`);
  if (typeof folder !== 'string') return undefined;
  return runCopy(s, { kind: 'copyRequest', from, items: [source], to, folder });
}

export function cancelTransfers(s: Services): void {
  const count = s.jobs.cancelAll();
  s.log.info(`Cancel Transfers: ${count} running transfer(s) cancelled`);
  if (count === 0) void vscode.window.setStatusBarMessage('FXP: no transfer is running', 4000);
}

/**
 * Cancel a File…: the files being copied now, across every running transfer, with how far each is; the
 * picked ones stop (ABOR on both servers), their transfers go on with the rest. (A progress notification
 * cannot carry a button of its own, so this is a command.) Returns how many were cancelled.
 */
export async function cancelFile(s: Services): Promise<number> {
  const active = s.jobs.activeFiles();
  if (active.length === 0) {
    void s.prompts.message('info', 'FXP: no file is being copied right now.');
    return 0;
  }
  const jobs = new Set(active.map(a => a.job)).size;
  const picked = required(await s.prompts.pickMany(active.map(({ job, file }) => ({
    label: file.path,
    description: `→ ${file.destination}:${file.target} · ${formatBytes(file.bytes)} of ${formatBytes(file.size)}`,
    detail: jobs > 1 ? job.title : undefined,
    job, file,
  })), { title: 'FXP: Cancel a File', placeHolder: 'The files picked stop; the rest of their transfer goes on', ignoreFocusOut: true }));
  let count = 0;
  for (const { job, file } of picked) {
    const cancelled = s.jobs.cancelFile(job, file);
    if (cancelled) count++;
    s.log.info(`Cancel a File: ${file.path} → ${file.destination}:${file.target} ${cancelled ? `cancelled at ${formatBytes(file.bytes)}` : 'had finished already'}`);
  }
  return count;
}

/** A copy between the two views as the open pair's settings say: exists-rule, exclude, parallel, data protection. */
export function pairRequest(s: Services, request: CopyRequest): Omit<TransferRequest, 'signal' | 'hooks' | 'journalPath'> {
  const src = s.state.require(request.from);
  const dst = s.state.require(request.to);
  const { exists, exclude, parallel, dataProtection } = s.state.options();
  // "never" is answered by confirmRelay without asking: the engine then says the relay was declined.
  const relay: RelayMode = 'auto';
  return {
    source: src.site, items: request.items as TransferItem[], destination: dst.site, folder: request.folder || dst.folder,
    relay, exists, exclude, parallel, dataProtection,
  };
}

export async function runCopy(s: Services, request: CopyRequest): Promise<TransferReport> {
  const base = { ...pairRequest(s, request), journalPath: s.journals.newPath() };
  const relay = s.state.relayChoice();
  const from = base.source.name;
  const to = base.destination.name;
  s.log.info(`Copy ${request.items.map(i => i.path).join(', ')} from ${from} to ${to}:${base.folder} (relay ${relay}, exists ${base.exists}, data protection ${base.dataProtection})`);
  await s.protection.beforeCopy(base.source, [base.destination], base.dataProtection ?? PAIR_DEFAULTS.dataProtection);
  try {
    const report = await s.jobs.run(`FXP: ${from} → ${to}`, job => s.journals.hold(base.journalPath, () => runTransfer(s.engine, {
      ...base, signal: job.signal, hooks: transferHooks(s, job, { from, to, relay: () => s.state.relayChoice(), remember: c => s.state.setRelayChoice(c) }),
    })));
    reportTransfer(s, report, from);
    return report;
  } catch (err) {
    if (isFxpError(err, 'CANCELLED') && err.partial) {
      const { path, bytes } = err.partial;
      void offerPartialCleanup(s, 'Transfer cancelled.', [{ site: base.destination, path, bytes }], '"Resume Interrupted Transfers" or copying it again continues it.');
    }
    if (isFxpError(err, 'FXP_IMPOSSIBLE') && s.state.relayChoice() === 'never') {
      err.next = `This pair's setting says relay "never" (fxp.sitePairs › relay), so nothing was copied through this machine.`;
    }
    throw err;
  } finally {
    s.trees[request.to].refresh(base.folder);
  }
}

/** Who copies to whom, and the relay choice that applies (the open pair's, or "ask"). */
export interface RelayContext {
  from: string;
  to: string;
  relay(): RelayChoice;
  /** Keeps "always"/"never" for the pair; absent where there is no pair to keep it for. */
  remember?(choice: RelayChoice): Promise<void>;
}

/** The questions of a transfer (overwrite, relay) and its progress in the job's notification. */
export function transferHooks(s: Services, job: JobHandle, relay: RelayContext): TransferHooks {
  return {
    askConflict: conflict => askConflict(s, conflict),
    confirmRelay: reason => confirmRelay(s, reason, relay),
    onProgress: p => job.report(p),
    onJob: control => job.attach(control),
  };
}

/** Logs and shows what a transfer did: counts, how (FXP, relay, TLS), which destination fed which, and every failure. */
export function reportTransfer(s: Services, report: TransferReport, source: string): void {
  const destinations = [...new Set(report.job.parts.map(p => p.destination.split(':')[0]!))];
  const fxp = report.copied.filter(r => r.mode === 'fxp').length;
  const relayed = report.copied.length - fxp;
  const how = [fxp ? `${fxp} by FXP` : '', relayed ? `${relayed} relayed through this machine` : ''].filter(Boolean).join(', ');
  const text = `Copied ${report.copied.length} file${report.copied.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}) from ${source} to ${destinations.join(', ')}`
    + `${how ? `: ${how}` : ''}${report.skipped.length ? `; skipped ${report.skipped.length}` : ''}`
    + `${report.cancelled.length ? `; cancelled ${report.cancelled.length}` : ''} in ${formatDuration(report.seconds)}`;
  s.log.info(text);
  reportCancelled(s, report);
  const channels = [...new Set(report.copied.map(c => c.channel).filter((c): c is string => c !== undefined))];
  if (channels.length) s.log.info(`Data channel: ${channels.join('; ')}`);
  for (const part of report.job.parts) {
    const fed = Object.entries(part.copiedFrom).filter(([from]) => from !== part.source.split(':')[0]);
    if (fed.length === 0) continue;
    const counts = Object.entries(part.copiedFrom).map(([from, n]) => `${n} from ${from}${from === part.source.split(':')[0] ? ' (the source)' : ' (a destination that already had them)'}`);
    s.log.info(`${part.destination}: ${counts.join(', ')}`);
  }
  warnClearData(s, report, source);
  if (report.failed.length) {
    const first = report.failed[0]!;
    for (const f of report.failed) s.log.error(`Not copied: ${f.path}: ${f.error.describe()}`);
    const message = `${report.failed.length} of ${report.job.files.total} files were not copied (first: ${first.path}); the log lists each.`;
    first.error.next = message;
    throw first.error;
  }
  vscode.window.setStatusBarMessage(`$(check) ${text}`, 15_000);
}

/** Clear-data FXP between two TLS sites: said plainly, every time. */
function warnClearData(s: Services, report: TransferReport, source: string): void {
  const clear = report.copied.filter(c => c.clearBetweenTls);
  if (clear.length === 0) return;
  const to = [...new Set(clear.map(c => c.destination))].join(', ');
  const text = `The file data of ${clear.length} file${clear.length === 1 ? '' : 's'} crossed the network UNENCRYPTED between ${source} and ${to} (clear-data FXP), `
    + 'although both servers speak TLS: neither could encrypt the data connection between them (no SSCN or CPSV), and this pair allows clear data (fxp.sitePairs › dataProtection "clear-allowed").';
  s.log.warn(text);
  void s.prompts.message('warning', text);
}

const CONFLICT_ITEMS: Record<ConflictChoice, string> = {
  overwrite: '$(replace) Overwrite',
  skip: '$(debug-step-over) Skip',
  resume: '$(debug-continue) Resume',
};

/** Overwrite, skip, resume (when the destination is smaller), each once or for all remaining conflicts. */
async function askConflict(s: Services, conflict: Conflict): Promise<ConflictAnswer | undefined> {
  type Item = vscode.QuickPickItem & { answer: ConflictAnswer };
  const sizes = `${conflict.destinationSite} has ${formatBytes(conflict.destinationSize)}, the source ${formatBytes(conflict.sourceSize)}`;
  const choices: ConflictChoice[] = conflict.canResume ? ['resume', 'overwrite', 'skip'] : ['overwrite', 'skip'];
  const items: Item[] = [
    ...choices.map(choice => ({
      label: CONFLICT_ITEMS[choice],
      description: choice === 'resume' ? `continue from byte ${conflict.destinationSize}` : undefined,
      answer: { choice, applyToAll: false },
    })),
    { label: '', kind: vscode.QuickPickItemKind.Separator, answer: { choice: 'skip', applyToAll: false } },
    ...(['overwrite', 'skip', 'resume'] as const).map(choice => ({
      label: `${CONFLICT_ITEMS[choice]} All`,
      description: choice === 'resume' ? 'where the destination is smaller; ask for the others' : 'for the remaining conflicts of this transfer',
      answer: { choice, applyToAll: true },
    })),
  ];
  const picked = await s.prompts.pick(items, {
    title: `FXP: ${conflict.destination} already exists on ${conflict.destinationSite}`,
    placeHolder: `${sizes}. Escape cancels the transfer.`,
    ignoreFocusOut: true,
  });
  return picked?.answer;
}

const RELAY_ONCE = 'Relay Through This Machine';
const RELAY_ALWAYS = 'Always Relay for This Pair';
const RELAY_NEVER = 'Never Relay for This Pair';

/** FXP was refused: say that the data would flow through this machine, and ask unless the pair says. */
async function confirmRelay(s: Services, reason: FxpError, context: RelayContext): Promise<boolean> {
  const { from, to } = context;
  const flow = `The data then flows through this machine: downloaded from ${from} and uploaded to ${to}, over your own connection.`;
  const choice = context.relay();
  if (choice === 'never') {
    s.log.info(`FXP refused; not relaying (pair setting relay: never): ${reason.describe()}`);
    return false;
  }
  if (choice === 'always') {
    s.log.warn(`FXP refused (${reason.describe()}); relaying through this machine (pair setting relay: always)`);
    void s.prompts.message('warning', `FXP from ${from} to ${to} was refused, so this copy is relayed. ${flow} (This pair's setting: relay "always".)`);
    return true;
  }
  const actions = context.remember ? [RELAY_ONCE, RELAY_ALWAYS, RELAY_NEVER] : [RELAY_ONCE];
  const answer = await s.prompts.message('warning', `FXP from ${from} to ${to} was refused. Relay through this machine instead?`,
    { modal: true, detail: `${reason.describe()}\n\n${flow}` }, ...actions);
  if (answer === RELAY_ALWAYS) await context.remember?.('always');
  if (answer === RELAY_NEVER) await context.remember?.('never');
  const allowed = answer === RELAY_ONCE || answer === RELAY_ALWAYS;
  s.log.info(`Relay through this machine ${allowed ? 'accepted' : 'declined'}${answer ? ` (${answer})` : ''}`);
  return allowed;
}

/** Files cancelled one by one: listed, and what is left of them offered for deleting (kept by default, for resuming). */
function reportCancelled(s: Services, report: TransferReport): void {
  for (const f of report.cancelled) {
    const left = f.deleted ? 'deleted' : f.bytes !== undefined ? `${formatBytes(f.bytes)} left there` : 'nothing left there';
    s.log.info(`Cancelled (your choice): ${f.path} → ${f.site.name}:${f.target}, ${left}`);
  }
  const partials = report.cancelled.filter(f => !f.deleted && (f.bytes ?? 0) > 0).map(f => ({ site: f.site, path: f.target, bytes: f.bytes }));
  const n = report.cancelled.length;
  void offerPartialCleanup(s, `${n} file${n === 1 ? ' was' : 's were'} cancelled: ${report.cancelled.map(f => f.path).join(', ')}.`, partials,
    'copying it again offers to resume it.');
}

interface PartialFile {
  site: Site;
  path: string;
  bytes?: number;
}

/** A cancel left incomplete files: kept (for resuming) unless the user deletes them. */
async function offerPartialCleanup(s: Services, what: string, partials: PartialFile[], resume: string): Promise<void> {
  if (partials.length === 0) return;
  const one = partials.length === 1;
  const remove = one ? 'Delete Incomplete File' : 'Delete Incomplete Files';
  const list = partials.map(p => `${p.path}${p.bytes !== undefined ? ` (${formatBytes(p.bytes)})` : ''}`).join(', ');
  const sites = [...new Set(partials.map(p => p.site.name))].join(', ');
  const choice = await s.prompts.message('info', `${what} ${sites} keep${sites.includes(', ') ? '' : 's'} the incomplete ${list}; ${resume}`, {}, remove);
  if (choice !== remove) return;
  await s.runner.run('delete incomplete file', async () => {
    for (const p of partials) {
      await s.engine.deleteFile(p.site, p.path);
      s.log.info(`Deleted the incomplete ${p.site.name}:${p.path}`);
    }
    refreshViewsShowing(s, partials.map(p => p.site.name));
  });
}

/** Re-lists every view that shows one of these sites. */
export function refreshViewsShowing(s: Services, siteNames: readonly string[]): void {
  for (const side of SIDES) {
    const shown = s.state.get(side)?.site.name;
    if (shown !== undefined && siteNames.includes(shown)) s.trees[side].refresh();
  }
}
