import * as vscode from 'vscode';
import { COMMANDS, MIME, SIDES, treeMime, VIEWS, type Side } from '../constants';
import { parentPath } from '../fxp';
import type { Log } from '../log';
import { otherSide, type PairState } from '../pairState';
import { selectionOf } from '../selection';
import { encodePayload, handleToNodeId, readDrop, type DraggedItem, type DropValue } from './dragPayload';
import { isEntryNode, type SiteNode } from './nodes';
import type { SiteTreeProvider } from './siteTree';

/** What "Copy to Other Site" receives from a drop: the same path as the menu command. */
export interface CopyRequest {
  kind: 'copyRequest';
  from: Side;
  items: DraggedItem[];
  to: Side;
  folder: string;
}

export function isCopyRequest(value: unknown): value is CopyRequest {
  return typeof value === 'object' && value !== null && (value as CopyRequest).kind === 'copyRequest';
}

const TREE_MIMES = SIDES.map(side => treeMime(VIEWS[side]));

/**
 * One controller for both views. A drop onto a folder copies into it, onto a file into its folder, onto
 * empty space into the view's current folder. A drop in the view the drag started from does nothing.
 */
export class SiteDragAndDrop implements vscode.TreeDragAndDropController<SiteNode> {
  readonly dragMimeTypes = [MIME.items];
  readonly dropMimeTypes = [MIME.items, ...TREE_MIMES];

  constructor(
    private readonly providers: Record<Side, SiteTreeProvider>,
    private readonly state: PairState,
    private readonly log: Log,
  ) {}

  handleDrag(source: readonly SiteNode[], dataTransfer: vscode.DataTransfer): void {
    const selection = selectionOf(source.filter(isEntryNode));
    if (!selection) return;
    const { side, items } = selection;
    this.log.info(`Drag: ${items.map(i => i.path).join(', ')} from Site ${side}`);
    dataTransfer.set(MIME.items, new vscode.DataTransferItem(encodePayload({ side, items })));
  }

  async handleDrop(target: SiteNode | undefined, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const pending: Promise<DropValue>[] = [];
    dataTransfer.forEach((item, mime) => {
      if (mime !== MIME.items && !TREE_MIMES.includes(mime)) return;
      const value: Thenable<unknown> = typeof item.value === 'string' || item.value === undefined || item.value === null
        ? item.asString()
        : Promise.resolve(item.value as unknown);
      pending.push(Promise.resolve(value).then(v => ({ mime, value: v })));
    });
    const values = await Promise.all(pending);
    if (token.isCancellationRequested) return;
    const { payload, handles } = readDrop(values, MIME.items, TREE_MIMES);
    let from: Side | undefined;
    let items: DraggedItem[] = [];
    if (payload) {
      from = payload.side;
      items = payload.items;
    } else if (handles) {
      from = SIDES.find(side => VIEWS[side].toLowerCase() === handles.viewId.toLowerCase());
      if (from) {
        const provider = this.providers[from];
        items = selectionOf(handles.handles.map(h => provider.node(handleToNodeId(h).replace(/^[AB]:/, ''))).filter(isEntryNode))?.items ?? [];
      }
    }
    if (!from || items.length === 0) {
      this.log.warn(`Drop ignored: nothing from an FXP view in it (${values.map(v => v.mime).join(', ') || 'no items'}).`);
      return;
    }
    const to = target ? target.side : otherSide(from);
    if (to === from) {
      this.log.info(`Drop onto the view it came from (Site ${from}) ignored: drop onto the other site to copy.`);
      return;
    }
    const destination = this.state.get(to);
    const folder = !target
      ? destination?.folder
      : isEntryNode(target) ? (target.entry.kind === 'dir' ? target.path : parentPath(target.path)) : target.folder;
    this.log.info(`Drop: ${items.length} item(s) from Site ${from} onto Site ${to}${folder ? ` ${folder}` : ''}`);
    const request: CopyRequest = { kind: 'copyRequest', from, items, to, folder: folder ?? '' };
    // Not awaited: the drop returns at once while the copy runs with its own progress (errors go through the command wrapper).
    void vscode.commands.executeCommand(COMMANDS.copyToOtherSite, request);
  }
}
