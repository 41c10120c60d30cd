/** New Folder…, Rename…, Delete… on the remote sites. */
import { baseName, isUnsafeName, joinPath, parentPath } from '../fxp';
import { selectionOf } from '../selection';
import type { Services } from '../services';
import { required, targetEntries, targetFolder } from './pick';

function validateName(value: string): string | undefined {
  const name = value.trim();
  if (!name) return 'A name is needed.';
  if (isUnsafeName(name)) return 'A name cannot be "." or "..", and cannot contain "/" or line breaks.';
  return undefined;
}

export async function newFolder(s: Services, arg: unknown): Promise<string> {
  const { side, state, folder } = await targetFolder(s, arg, 'New folder in which view?');
  const name = required(await s.prompts.input({
    title: `FXP: New Folder on ${state.site.name}`, prompt: `In ${folder}`, validateInput: validateName, ignoreFocusOut: true,
  })).trim();
  const path = joinPath(folder, name);
  await s.engine.mkdir(state.site, path);
  s.trees[side].refresh(folder);
  return path;
}

export async function rename(s: Services, arg: unknown): Promise<void> {
  const node = targetEntries(s, arg)[0];
  if (!node) throw new Error('Select a file or folder in Site A or Site B first.');
  const state = s.state.require(node.side);
  const old = baseName(node.path);
  const name = required(await s.prompts.input({
    title: `FXP: Rename on ${state.site.name}`, prompt: node.path, value: old,
    valueSelection: [0, old.includes('.') && node.entry.kind !== 'dir' ? old.lastIndexOf('.') : old.length],
    validateInput: validateName, ignoreFocusOut: true,
  })).trim();
  if (name === old) return;
  const folder = parentPath(node.path);
  await s.engine.rename(state.site, node.path, joinPath(folder, name));
  s.trees[node.side].refresh(folder);
}

export async function deleteEntries(s: Services, arg: unknown, args: unknown): Promise<void> {
  const selection = selectionOf(targetEntries(s, arg, args));
  if (!selection) throw new Error('Select files or folders in Site A or Site B first.');
  const state = s.state.require(selection.side);
  const mine = selection.nodes;
  const names = mine.map(n => `${n.path}${n.entry.kind === 'dir' ? '/ (and everything in it)' : ''}`);
  const remove = 'Delete';
  const choice = await s.prompts.message('warning',
    mine.length === 1 ? `Delete ${names[0]} from ${state.site.name}?` : `Delete ${mine.length} items from ${state.site.name}?`,
    { modal: true, detail: `${mine.length > 1 ? `${names.join('\n')}\n\n` : ''}This deletes on the server and cannot be undone.` },
    remove,
  );
  if (choice !== remove) return;
  const folders = new Set<string>();
  try {
    for (const node of mine) {
      if (node.entry.kind === 'dir') await s.engine.removeDir(state.site, node.path);
      else await s.engine.deleteFile(state.site, node.path);
      s.log.info(`${state.site.name}: deleted ${node.path}`);
      folders.add(parentPath(node.path));
    }
  } finally {
    for (const folder of folders) s.trees[selection.side].refresh(folder);
  }
}
