/** Copy to Other Site (also what a drop runs), Transfer… (keyboard), Cancel Transfers, and what every transfer shares. */
import * as vscode from 'vscode';
import type { Side } from '../constants';
import { formatBytes, formatDuration } from '../format';
import { isFxpError, type FxpError, type RelayMode } from '../fxp';
import type { JobHandle } from '../jobs';
import { otherSide } from '../pairState';
import type { Services } from '../services';
import type { RelayChoice } from '../siteConfig';
import {
  runTransfer, type Conflict, type ConflictAnswer, type ConflictChoice, type TransferHooks, type TransferItem, type TransferReport, type TransferRequest,
} from '../transfers';
import { isCopyRequest, type CopyRequest } from '../tree/dragAndDrop';
import { browseRemote } from './browse';
import { pickSide, targetEntries } from './pick';

export async function copyToOtherSite(s: Services, arg: unknown, args: unknown): Promise<TransferReport | undefined> {
  if (isCopyRequest(arg)) return runCopy(s, arg);
  return runCopy(s, copyRequestFor(s, arg, args));
}

/** The selection (or clicked entries) of one view, to be copied into the other view's folder. */
export function copyRequestFor(s: Services, arg: unknown, args: unknown): CopyRequest {
  const nodes = targetEntries(s, arg, args);
  const first = nodes[0];
  if (!first) throw new Error('Select files or folders in Site A or Site B first, then run "Copy to Other Site" (or drag them onto the other view).');
  const to = otherSide(first.side);
  return {
    kind: 'copyRequest',
    from: first.side,
    items: nodes.filter(n => n.side === first.side).map(n => ({ path: n.path, kind: n.entry.kind, size: n.entry.size })),
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
  try {
    const report = await s.jobs.run(`FXP: ${from} → ${to}`, job => s.journals.hold(base.journalPath, () => runTransfer(s.engine, {
      ...base, signal: job.signal, hooks: transferHooks(s, job, { from, to, relay: () => s.state.relayChoice(), remember: c => s.state.setRelayChoice(c) }),
    })));
    reportTransfer(s, report, from);
    return report;
  } catch (err) {
    if (isFxpError(err, 'CANCELLED') && err.partial) void offerPartialCleanup(s, err, request.to);
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
  };
}

/** Logs and shows what a transfer did: counts, how (FXP, relay, TLS), which destination fed which, and every failure. */
export function reportTransfer(s: Services, report: TransferReport, source: string): void {
  const destinations = [...new Set(report.job.parts.map(p => p.destination.split(':')[0]!))];
  const fxp = report.copied.filter(r => r.mode === 'fxp').length;
  const relayed = report.copied.length - fxp;
  const how = [fxp ? `${fxp} by FXP` : '', relayed ? `${relayed} relayed through this machine` : ''].filter(Boolean).join(', ');
  const text = `Copied ${report.copied.length} file${report.copied.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}) from ${source} to ${destinations.join(', ')}`
    + `${how ? `: ${how}` : ''}${report.skipped.length ? `; skipped ${report.skipped.length}` : ''} in ${formatDuration(report.seconds)}`;
  s.log.info(text);
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

async function offerPartialCleanup(s: Services, err: FxpError, side: Side): Promise<void> {
  const partial = err.partial!;
  const remove = 'Delete Incomplete File';
  const choice = await s.prompts.message('info',
    `Transfer cancelled. ${partial.site} keeps the incomplete ${partial.path}${partial.bytes !== undefined ? ` (${formatBytes(partial.bytes)})` : ''}; `
    + '"Resume Interrupted Transfers" or copying it again continues it.',
    {}, remove);
  if (choice !== remove) return;
  await s.runner.run('delete incomplete file', async () => {
    await s.engine.deleteFile(s.state.require(side).site, partial.path);
    s.trees[side].refresh();
  });
}
