/** Browsing a site with a quick pick, for keyboard-only transfers. */
import * as vscode from 'vscode';
import type { Side } from '../constants';
import { joinPath, parentPath } from '../fxp';
import { formatBytes } from '../format';
import type { Services } from '../services';
import type { TransferItem } from '../transfers';

type Item = vscode.QuickPickItem & { go?: string; pick?: TransferItem | string };

/**
 * mode "source": returns the file or folder picked; mode "folder": returns a folder path.
 * undefined when the user escapes. Listing errors go to the command wrapper.
 */
export async function browseRemote(s: Services, side: Side, mode: 'source' | 'folder', title?: string): Promise<TransferItem | string | undefined> {
  const state = s.state.require(side);
  let folder = state.folder;
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = title ?? (mode === 'source' ? `Copy which file or folder from ${state.site.name}?` : `Into which folder of ${state.site.name}?`);
  qp.ignoreFocusOut = true;
  qp.matchOnDescription = true;
  try {
    for (;;) {
      qp.busy = true;
      qp.value = '';
      qp.placeholder = folder;
      qp.items = [];
      qp.show();
      const { entries } = await s.engine.list(state.site, folder);
      qp.busy = false;
      const items: Item[] = [];
      if (mode === 'folder') items.push({ label: '$(check) Copy here', description: folder, pick: folder });
      else if (folder !== '/') items.push({ label: '$(check) Copy this whole folder', description: folder, pick: { path: folder, kind: 'dir', size: 0 } });
      if (folder !== '/') items.push({ label: '$(arrow-up) ..', description: parentPath(folder), go: parentPath(folder) });
      for (const entry of entries) {
        const path = joinPath(folder, entry.name);
        if (entry.kind === 'dir') items.push({ label: `$(folder) ${entry.name}`, description: 'open', go: path });
        else if (mode === 'source') items.push({ label: `$(file) ${entry.name}`, description: formatBytes(entry.size), pick: { path, kind: entry.kind, size: entry.size } });
      }
      qp.items = items;
      const chosen = await new Promise<Item | undefined>(resolve => {
        const accept = qp.onDidAccept(() => { done(); resolve(qp.selectedItems[0]); });
        const hide = qp.onDidHide(() => { done(); resolve(undefined); });
        const done = () => { accept.dispose(); hide.dispose(); };
      });
      if (!chosen) return undefined;
      if (chosen.pick !== undefined) return chosen.pick;
      if (chosen.go !== undefined) folder = chosen.go;
    }
  } finally {
    qp.dispose();
  }
}
