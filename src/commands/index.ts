import type * as vscode from 'vscode';
import { COMMANDS, SIDES, TREE_COMMANDS, VIEW_COMMANDS } from '../constants';
import type { Services } from '../services';
import { compareFoldersCommand, syncAToB } from './compare';
import { deleteEntries, newFolder, rename } from './files';
import { copyToSeveralSites, previewTransfer, resumeTransfers } from './jobs';
import { connect, diagnose, disconnect, openFolder, openSitePair, parentFolder, refresh, saveSitePair, swapSites } from './pair';
import { addSite, editSite, forgetPassword, forgetTrustedCertificates, removeSite } from './sites';
import { cancelFile, cancelTransfers, copyToOtherSite, transfer } from './transfer';

type Handler = (s: Services, ...args: unknown[]) => unknown;

/** Every command id to its handler; each goes through the one wrapper (CommandRunner). */
export function commandTable(): Record<string, Handler> {
  const table: Record<string, Handler> = {
    [COMMANDS.openSitePair]: openSitePair,
    [COMMANDS.saveSitePair]: saveSitePair,
    [COMMANDS.addSite]: addSite,
    [COMMANDS.editSite]: editSite,
    [COMMANDS.removeSite]: removeSite,
    [COMMANDS.connect]: connect,
    [COMMANDS.disconnect]: disconnect,
    [COMMANDS.refresh]: refresh,
    [COMMANDS.copyToOtherSite]: copyToOtherSite,
    [COMMANDS.transfer]: transfer,
    [COMMANDS.newFolder]: newFolder,
    [COMMANDS.rename]: rename,
    [COMMANDS.delete]: deleteEntries,
    [COMMANDS.swapSites]: swapSites,
    [COMMANDS.diagnose]: diagnose,
    [COMMANDS.showLog]: s => s.log.show(),
    [COMMANDS.cancelTransfers]: cancelTransfers,
    [COMMANDS.cancelFile]: cancelFile,
    [COMMANDS.forgetPassword]: forgetPassword,
    [COMMANDS.forgetTrustedCertificates]: forgetTrustedCertificates,
    [COMMANDS.resumeTransfers]: resumeTransfers,
    [COMMANDS.copyToSeveralSites]: copyToSeveralSites,
    [COMMANDS.previewTransfer]: previewTransfer,
    [COMMANDS.compareFolders]: compareFoldersCommand,
    [COMMANDS.syncAToB]: syncAToB,
    [TREE_COMMANDS.openFolder]: openFolder,
  };
  for (const side of SIDES) {
    const ids = VIEW_COMMANDS[side];
    table[ids.connect] = s => connect(s, side);
    table[ids.disconnect] = s => disconnect(s, side);
    table[ids.refresh] = s => refresh(s, side);
    table[ids.parentFolder] = s => parentFolder(s, side);
  }
  return table;
}

export function registerCommands(s: Services): vscode.Disposable[] {
  return Object.entries(commandTable()).map(([id, handler]) => s.runner.register(id, (...args: unknown[]) => handler(s, ...args)));
}
