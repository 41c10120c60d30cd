import * as vscode from 'vscode';
import { SIDES, VIEWS, type Side } from '../constants';
import type { FxpEngine } from '../fxp';
import type { Log } from '../log';
import type { PairState } from '../pairState';
import { SiteDragAndDrop } from './dragAndDrop';
import type { SiteNode } from './nodes';
import { SiteTreeProvider } from './siteTree';

export interface SiteViews {
  trees: Record<Side, SiteTreeProvider>;
  views: Record<Side, vscode.TreeView<SiteNode>>;
  /** The view the user last selected something in. */
  lastSide(): Side | undefined;
  /** The drag-and-drop controller both views share. */
  dragAndDrop: SiteDragAndDrop;
  disposables: vscode.Disposable[];
}

/** Both views: one provider class twice, one drag-and-drop controller shared. */
export function createSiteViews(state: PairState, engine: FxpEngine, log: Log, onError: (err: unknown) => void): SiteViews {
  const disposables: vscode.Disposable[] = [];
  const trees = {} as Record<Side, SiteTreeProvider>;
  for (const side of SIDES) {
    trees[side] = new SiteTreeProvider(side, state, engine, log, onError);
    disposables.push(trees[side]);
  }
  const dnd = new SiteDragAndDrop(trees, state, log);
  const views = {} as Record<Side, vscode.TreeView<SiteNode>>;
  let last: Side | undefined;
  for (const side of SIDES) {
    const view = vscode.window.createTreeView(VIEWS[side], {
      treeDataProvider: trees[side], dragAndDropController: dnd, canSelectMany: true, showCollapseAll: true,
    });
    views[side] = view;
    const describe = () => {
      const current = state.get(side);
      view.description = current ? `${current.site.name} — ${current.folder}` : undefined;
    };
    describe();
    disposables.push(
      view,
      state.onDidChange(changed => { if (changed === side) describe(); }),
      view.onDidChangeSelection(e => { if (e.selection.length) last = side; }),
    );
  }
  return { trees, views, lastSide: () => last, dragAndDrop: dnd, disposables };
}
