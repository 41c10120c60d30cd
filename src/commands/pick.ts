/** Quick picks and argument resolution shared by the commands. */
import * as vscode from 'vscode';
import { COMMANDS, SIDES, type Side } from '../constants';
import { cancelledError, credentialKey, parentPath, type Site } from '../fxp';
import { sideLabel, type SideState } from '../pairState';
import type { Services } from '../services';
import type { SiteEntry } from '../siteConfig';
import { isEntryNode, type EntryNode } from '../tree/nodes';

/** Resolves undefined from a picker into a silent cancellation. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw cancelledError(undefined);
  return value;
}

export function isSide(value: unknown): value is Side {
  return value === 'A' || value === 'B';
}

export async function pickSide(s: Services, placeHolder: string, only?: (side: Side) => boolean): Promise<Side> {
  const sides = SIDES.filter(side => !only || only(side));
  if (sides.length === 1) return sides[0]!;
  const items = sides.map(side => ({
    label: sideLabel(side),
    description: s.state.get(side) ? `${s.state.get(side)!.site.name} ${s.state.get(side)!.folder}` : 'no site open',
    side,
  }));
  const picked = await s.prompts.pick(items, { placeHolder, title: 'FXP' });
  return required(picked).side;
}

export async function pickSite(s: Services, placeHolder: string): Promise<SiteEntry> {
  const sites = s.settings.sites;
  if (sites.length === 0) {
    const add = 'Add Site…';
    const choice = await s.prompts.message('info', 'No FXP sites yet. Add one first (it is saved in fxp.sites).', {}, add);
    if (choice === add) await vscode.commands.executeCommand(COMMANDS.addSite);
    throw cancelledError(undefined);
  }
  const picked = await s.prompts.pick(sites.map(entry => ({
    label: entry.site.name,
    description: credentialKey(entry.site),
    detail: `${entry.origin} settings · FXP policy ${entry.site.fxpPolicy}`,
    entry,
  })), { placeHolder, title: 'FXP', matchOnDescription: true });
  return required(picked).entry;
}

/**
 * A site named by a command argument (a site name, a side, or a tree node), else the one the user picks.
 */
export async function siteFromArgs(s: Services, arg: unknown, placeHolder: string): Promise<{ site: Site; entry?: SiteEntry }> {
  if (typeof arg === 'string' && !isSide(arg)) {
    const entry = s.settings.site(arg);
    if (!entry) throw new Error(`There is no site named "${arg}" in fxp.sites.`);
    return { site: entry.site, entry };
  }
  const side = isSide(arg) ? arg : isEntryNode(arg) ? arg.side : undefined;
  if (side) {
    const state = s.state.require(side);
    return { site: state.site, entry: s.settings.site(state.site.name) };
  }
  const entry = await pickSite(s, placeHolder);
  return { site: entry.site, entry };
}

/** The entries a command works on: the clicked node and the multi-selection from a menu, else the last view's selection. */
export function targetEntries(s: Services, node?: unknown, nodes?: unknown): EntryNode[] {
  if (Array.isArray(nodes) && nodes.length) return nodes.filter(isEntryNode);
  if (isEntryNode(node)) return [node];
  const side = s.lastSide();
  return side ? s.views[side].selection.filter(isEntryNode) : [];
}

/** A folder to work in: a clicked folder, a clicked file's folder, a side's current folder, or a pick. */
export async function targetFolder(s: Services, arg: unknown, placeHolder: string): Promise<{ side: Side; state: SideState; folder: string }> {
  if (isEntryNode(arg)) {
    const state = s.state.require(arg.side);
    return { side: arg.side, state, folder: arg.entry.kind === 'dir' ? arg.path : parentPath(arg.path) };
  }
  // A side named by the caller wins over a selection in the other view.
  const selected = targetEntries(s).find(n => !isSide(arg) || n.side === arg);
  if (selected) return targetFolder(s, selected, placeHolder);
  const side = isSide(arg) ? arg : await pickSide(s, placeHolder, side => s.state.get(side) !== undefined);
  const state = s.state.require(side);
  return { side, state, folder: state.folder };
}
