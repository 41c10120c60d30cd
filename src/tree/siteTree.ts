import * as vscode from 'vscode';
import type { Side } from '../constants';
import { explain } from '../errorText';
import { joinPath, parentPath, type FxpEngine } from '../fxp';
import type { Log } from '../log';
import type { PairState } from '../pairState';
import { entryItem, isEntryNode, messageItem, type EntryNode, type SiteNode } from './nodes';

/**
 * One site's files, listed lazily: a folder is listed when VS Code expands it. The same class serves
 * both views. VS Code asks for several folders at once; the engine gives each listing its own
 * browse connection, up to the site's connection limit.
 */
export class SiteTreeProvider implements vscode.TreeDataProvider<SiteNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SiteNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Nodes by path: VS Code refreshes an element by identity, so the same path keeps the same object. */
  private readonly nodes = new Map<string, EntryNode>();
  /** Bumped whenever the view shows another site or folder: late listings for the old one are dropped. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    readonly side: Side,
    private readonly state: PairState,
    private readonly engine: FxpEngine,
    private readonly log: Log,
    private readonly onError: (err: unknown) => void,
  ) {
    this.disposables.push(state.onDidChange(side => {
      if (side === this.side) this.reset();
    }));
  }

  getTreeItem(node: SiteNode): vscode.TreeItem {
    return isEntryNode(node) ? entryItem(node) : messageItem(node);
  }

  getParent(node: SiteNode): SiteNode | undefined {
    const root = this.state.get(this.side)?.folder;
    const parent = isEntryNode(node) ? parentPath(node.path) : node.folder;
    return parent === root ? undefined : this.nodes.get(parent);
  }

  async getChildren(node?: SiteNode): Promise<SiteNode[]> {
    const current = this.state.get(this.side);
    if (!current) return [];
    if (node && !(isEntryNode(node) && node.entry.kind === 'dir')) return [];
    const folder = node ? node.path : current.folder;
    const generation = this.generation;
    try {
      const listing = await this.engine.list(current.site, folder);
      if (generation !== this.generation) return [];
      const children: SiteNode[] = listing.entries.map(entry => {
        const path = joinPath(folder, entry.name);
        const existing = this.nodes.get(path);
        if (existing) {
          existing.entry = entry;
          return existing;
        }
        const created: EntryNode = { type: 'entry', side: this.side, path, entry };
        this.nodes.set(path, created);
        return created;
      });
      if (listing.dropped.length) {
        this.log.warn(`${current.site.name}: ${folder} has entries with unsafe names, not shown: ${listing.dropped.join(', ')}`);
        children.push({
          type: 'notice', side: this.side, folder,
          message: `${listing.dropped.length} entr${listing.dropped.length === 1 ? 'y' : 'ies'} with unsafe names not shown`,
          detail: listing.dropped.join(', '),
        });
      }
      if (!node && children.length === 0) {
        // VS Code hides an empty tree behind its welcome area, which takes no drops: keep a row to drop onto.
        children.push({ type: 'notice', side: this.side, folder, message: 'Empty folder: drop files here' });
      }
      return children;
    } catch (err) {
      this.onError(err);
      if (generation !== this.generation) return [];
      const explanation = explain(err);
      if (!explanation) {
        return [{ type: 'notice', side: this.side, folder, message: 'Not listed (cancelled): use Refresh to try again' }];
      }
      this.log.error(`${current.site.name}: listing ${folder} failed: ${explanation.message}`);
      return [{ type: 'error', side: this.side, folder, message: `Cannot list ${folder}: ${firstSentence(explanation.message)}`, detail: explanation.message }];
    }
  }

  /** The node shown for a path, if the view has listed it. */
  node(path: string): EntryNode | undefined {
    return this.nodes.get(path);
  }

  /** Re-lists one folder (or the whole view). */
  refresh(folder?: string): void {
    const root = this.state.get(this.side)?.folder;
    if (folder === undefined || folder === root) {
      this.changed.fire(undefined);
      return;
    }
    const node = this.nodes.get(folder);
    this.changed.fire(node);
  }

  private reset(): void {
    this.generation++;
    this.nodes.clear();
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function firstSentence(text: string): string {
  const match = /^(.*?[.!?])(\s|$)/.exec(text);
  return match ? match[1]! : text;
}
