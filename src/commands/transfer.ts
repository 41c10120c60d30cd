/** Copy to Other Site (also what a drop runs), Transfer… (keyboard), Cancel Transfers. */
import * as vscode from 'vscode';
import type { Side } from '../constants';
import { formatBytes, formatDuration } from '../format';
import { isFxpError, type FxpError, type RelayMode } from '../fxp';
import { otherSide, type SideState } from '../pairState';
import type { Services } from '../services';
import { runTransfer, type Conflict, type ConflictAnswer, type ConflictChoice, type TransferItem, type TransferReport } from '../transfers';
import { isCopyRequest, type CopyRequest } from '../tree/dragAndDrop';
import { browseRemote } from './browse';
import { pickSide, targetEntries } from './pick';

export async function copyToOtherSite(s: Services, arg: unknown, args: unknown): Promise<TransferReport | undefined> {
  if (isCopyRequest(arg)) return runCopy(s, arg);
  const nodes = targetEntries(s, arg, args);
  const first = nodes[0];
  if (!first) throw new Error('Select files or folders in Site A or Site B first, then run "Copy to Other Site" (or drag them onto the other view).');
  const to = otherSide(first.side);
  const destination = s.state.require(to);
  return runCopy(s, {
    kind: 'copyRequest',
    from: first.side,
    items: nodes.filter(n => n.side === first.side).map(n => ({ path: n.path, kind: n.entry.kind, size: n.entry.size })),
    to,
    folder: destination.folder,
  });
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

export async function runCopy(s: Services, request: CopyRequest): Promise<TransferReport> {
  const src = s.state.require(request.from);
  const dst = s.state.require(request.to);
  const folder = request.folder || dst.folder;
  // "never" is answered by confirmRelay without asking: the engine then says the relay was declined.
  const relay: RelayMode = 'auto';
  const never = s.state.relayChoice() === 'never';
  const title = `FXP: ${src.site.name} → ${dst.site.name}`;
  s.log.info(`Copy ${request.items.map(i => i.path).join(', ')} from ${src.site.name} to ${dst.site.name}:${folder} (relay ${s.state.relayChoice()})`);
  try {
    const report = await s.jobs.run(title, job => runTransfer(s.engine, {
      source: src.site, items: request.items as TransferItem[], destination: dst.site, folder, relay, signal: job.signal,
      hooks: {
        askConflict: conflict => askConflict(conflict, dst),
        confirmRelay: reason => confirmRelay(s, reason, src, dst),
        onProgress: p => job.report(p),
      },
    }));
    summarize(s, report, src, dst);
    return report;
  } catch (err) {
    if (isFxpError(err, 'CANCELLED') && err.partial) void offerPartialCleanup(s, err, request.to);
    if (isFxpError(err, 'FXP_IMPOSSIBLE') && never) {
      err.next = `This pair's setting says relay "never" (fxp.sitePairs › relay), so nothing was copied through this machine.`;
    }
    throw err;
  } finally {
    s.trees[request.to].refresh(folder);
  }
}

function summarize(s: Services, report: TransferReport, src: SideState, dst: SideState): void {
  const fxp = report.copied.filter(r => r.mode === 'fxp').length;
  const relayed = report.copied.length - fxp;
  const how = [fxp ? `${fxp} by FXP` : '', relayed ? `${relayed} relayed through this machine` : ''].filter(Boolean).join(', ');
  const text = `Copied ${report.copied.length} file${report.copied.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}) from ${src.site.name} to ${dst.site.name}`
    + `${how ? `: ${how}` : ''}${report.skipped.length ? `; skipped ${report.skipped.length}` : ''} in ${formatDuration(report.seconds)}`;
  s.log.info(text);
  if (report.failed.length) {
    const first = report.failed[0]!;
    for (const f of report.failed) s.log.error(`Not copied: ${f.path}: ${f.error.describe()}`);
    const message = `${report.failed.length} of ${report.job.files.total} files were not copied (first: ${first.path}); the log lists each.`;
    first.error.next = message;
    throw first.error;
  }
  vscode.window.setStatusBarMessage(`$(check) ${text}`, 15_000);
}

const CONFLICT_ITEMS: Record<ConflictChoice, string> = {
  overwrite: '$(replace) Overwrite',
  skip: '$(debug-step-over) Skip',
  resume: '$(debug-continue) Resume',
};

/** Overwrite, skip, resume (when the destination is smaller), each once or for all remaining conflicts. */
async function askConflict(conflict: Conflict, dst: SideState): Promise<ConflictAnswer | undefined> {
  type Item = vscode.QuickPickItem & { answer: ConflictAnswer };
  const sizes = `${dst.site.name} has ${formatBytes(conflict.destinationSize)}, the source ${formatBytes(conflict.sourceSize)}`;
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
  const picked = await vscode.window.showQuickPick(items, {
    title: `FXP: ${conflict.destination} already exists on ${dst.site.name}`,
    placeHolder: `${sizes}. Escape cancels the transfer.`,
    ignoreFocusOut: true,
  });
  return picked?.answer;
}

const RELAY_ONCE = 'Relay Through This Machine';
const RELAY_ALWAYS = 'Always Relay for This Pair';
const RELAY_NEVER = 'Never Relay for This Pair';

/** FXP was refused: say that the data would flow through this machine, and ask unless the pair says. */
async function confirmRelay(s: Services, reason: FxpError, src: SideState, dst: SideState): Promise<boolean> {
  const flow = `The data then flows through this machine: downloaded from ${src.site.name} and uploaded to ${dst.site.name}, over your own connection.`;
  if (s.state.relayChoice() === 'never') {
    s.log.info(`FXP refused; not relaying (pair setting relay: never): ${reason.describe()}`);
    return false;
  }
  if (s.state.relayChoice() === 'always') {
    s.log.warn(`FXP refused (${reason.describe()}); relaying through this machine (pair setting relay: always)`);
    void vscode.window.showWarningMessage(`FXP from ${src.site.name} to ${dst.site.name} was refused, so this copy is relayed. ${flow} (This pair's setting: relay "always".)`);
    return true;
  }
  const choice = await vscode.window.showWarningMessage(
    `FXP from ${src.site.name} to ${dst.site.name} was refused. Relay through this machine instead?`,
    { modal: true, detail: `${reason.describe()}\n\n${flow}` },
    RELAY_ONCE, RELAY_ALWAYS, RELAY_NEVER,
  );
  if (choice === RELAY_ALWAYS) await s.state.setRelayChoice('always');
  if (choice === RELAY_NEVER) await s.state.setRelayChoice('never');
  const allowed = choice === RELAY_ONCE || choice === RELAY_ALWAYS;
  s.log.info(`Relay through this machine ${allowed ? 'accepted' : 'declined'}${choice ? ` (${choice})` : ''}`);
  return allowed;
}

async function offerPartialCleanup(s: Services, err: FxpError, side: Side): Promise<void> {
  const partial = err.partial!;
  const remove = 'Delete Incomplete File';
  const choice = await vscode.window.showInformationMessage(
    `Transfer cancelled. ${partial.site} keeps the incomplete ${partial.path}${partial.bytes !== undefined ? ` (${formatBytes(partial.bytes)})` : ''}; copying it again offers to resume.`,
    remove);
  if (choice !== remove) return;
  await s.runner.run('delete incomplete file', async () => {
    await s.engine.deleteFile(s.state.require(side).site, partial.path);
    s.trees[side].refresh();
  });
}
